// A plain socket connection that pipelines commands and hands back each reply's exact bytes,
// for byte-for-byte comparisons and for loops of thousands of commands.
import { connect, type Socket } from 'node:net';
import { replyLength, resp } from '../helpers/redis-server.js';

export class RawConn {
  private buf = Buffer.alloc(0);
  private waiting: { n: number; res: (r: string[]) => void; rej: (e: Error) => void; got: string[] }[] = [];
  private closedErr: Error | undefined;
  readonly ready: Promise<void>;

  private constructor(readonly sock: Socket) {
    this.ready = new Promise((res, rej) => { sock.once('connect', () => res()); sock.once('error', rej); });
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.pump(); });
    sock.on('close', () => this.fail(new Error('connection closed')));
    sock.on('error', (e) => this.fail(e));
  }

  static async open(port: number): Promise<RawConn> {
    const c = new RawConn(connect(port, '127.0.0.1'));
    c.sock.setNoDelay(true);
    await c.ready;
    return c;
  }

  private fail(e: Error): void {
    this.closedErr ??= e;
    for (const w of this.waiting.splice(0)) w.rej(e);
  }

  private pump(): void {
    while (this.waiting.length) {
      const l = replyLength(this.buf);
      if (!l) return;
      const w = this.waiting[0]!;
      w.got.push(this.buf.toString('latin1', 0, l));
      this.buf = this.buf.subarray(l);
      if (w.got.length === w.n) { this.waiting.shift(); w.res(w.got); }
    }
  }

  /** Sends all commands at once; resolves with every raw reply, in order. */
  pipeline(cmds: string[][]): Promise<string[]> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    const p = new Promise<string[]>((res, rej) => this.waiting.push({ n: cmds.length, res, rej, got: [] }));
    this.sock.write(cmds.map((c) => resp(...c)).join(''));
    return p;
  }

  async call(...args: string[]): Promise<string> { return (await this.pipeline([args]))[0]!; }

  close(): void { this.sock.destroy(); }
}

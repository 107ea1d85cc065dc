// The minimal peer: PING over a plain `net` socket with no client library in between,
// what redis-cli --latency does. One request in flight; a reply is complete at "\r\n".
import { connect, type Socket } from 'node:net';
import { RedisError } from '../errors.js';

export type Endpoint = { host: string; port: number } | { path: string };

const PING = Buffer.from('*1\r\n$4\r\nPING\r\n');

export class RawPinger {
  private waiting: ((err?: Error) => void) | undefined;
  private got = '';
  private closed = false;

  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      this.got += d.toString('latin1');
      if (!this.got.endsWith('\r\n')) return;
      const reply = this.got;
      this.got = '';
      const w = this.waiting;
      this.waiting = undefined;
      w?.(reply.startsWith('+PONG') ? undefined : new RedisError('ERR_PROTOCOL', `unexpected PING reply ${JSON.stringify(reply.slice(0, 80))}`));
    });
    const fail = (err?: Error): void => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(new RedisError('ERR_EOF', 'connection closed', { cause: err }));
    };
    sock.on('error', fail);
    sock.on('close', () => fail());
  }

  static open(ep: Endpoint, timeoutMs = 2000): Promise<RawPinger> {
    return new Promise((resolve, reject) => {
      const sock = 'path' in ep ? connect(ep.path) : connect(ep.port, ep.host);
      const t = setTimeout(() => { sock.destroy(); reject(new RedisError('ERR_TIMEOUT', 'connect timeout')); }, timeoutMs);
      sock.once('error', (e) => { clearTimeout(t); reject(new RedisError('ERR_IO', e.message, { cause: e })); });
      sock.once('connect', () => { clearTimeout(t); resolve(new RawPinger(sock)); });
    });
  }

  /** One PING round trip. */
  ping(): Promise<void> {
    if (this.closed) return Promise.reject(new RedisError('ERR_CLOSED', 'connection closed'));
    return new Promise((resolve, reject) => {
      this.waiting = (err) => (err ? reject(err) : resolve());
      this.sock.write(PING);
    });
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }
}

/** Send one command on a fresh connection and return the flat list of strings in its reply. */
export function rawCommand(ep: Endpoint, args: string[], timeoutMs = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = 'path' in ep ? connect(ep.path) : connect(ep.port, ep.host);
    let buf = '';
    const t = setTimeout(() => { sock.destroy(); reject(new RedisError('ERR_TIMEOUT', `no reply to ${args[0]}`)); }, timeoutMs);
    sock.on('connect', () => sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const parsed = parseFlat(buf);
      if (!parsed) return;
      clearTimeout(t);
      sock.destroy();
      if (parsed.error) reject(new RedisError('ERR_OTHER', parsed.error));
      else resolve(parsed.items);
    });
    sock.on('error', (e) => { clearTimeout(t); reject(new RedisError('ERR_IO', e.message, { cause: e })); });
  });
}

// Enough of RESP2 for CONFIG GET / INFO / MODULE LIST replies: nested arrays are
// flattened into one list of strings; the first error found is returned as `error`.
function parseFlat(s: string): { items: string[]; error?: string } | undefined {
  const b = Buffer.from(s);
  const items: string[] = [];
  let i = 0;
  let error: string | undefined;
  const line = (): string | undefined => {
    const nl = b.indexOf('\r\n', i);
    if (nl < 0) return undefined;
    const l = b.subarray(i, nl).toString();
    i = nl + 2;
    return l;
  };
  const one = (): boolean => {
    const l = line();
    if (l === undefined) return false;
    const n = Number(l.slice(1));
    switch (l[0]) {
      case '-': error ??= l.slice(1); return true;
      case '$':
        if (n < 0) { items.push(''); return true; }
        if (b.length < i + n + 2) return false;
        items.push(b.subarray(i, i + n).toString());
        i += n + 2;
        return true;
      case '*':
        for (let k = 0; k < n; k++) if (!one()) return false;
        return true;
      default: items.push(l.slice(1)); return true;
    }
  };
  if (!one()) return undefined;
  return error === undefined ? { items } : { items, error };
}

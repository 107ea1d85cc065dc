// Drives native/module/tools/shm-cli (the C test client of the shm protocol) from tests.
// Each directive is one stdin line; output lines are "<tag> <payload>" with replies in hex.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/redis-server.js';

export const CLI_PATH = join(ROOT, 'native', 'module', 'tools', 'shm-cli');

/** Escapes one argument for a directive line (space, backslash and non-printables). */
export function tok(arg: string | Buffer): string {
  const b = typeof arg === 'string' ? Buffer.from(arg) : arg;
  let out = '';
  for (const c of b) {
    if (c > 0x20 && c < 0x7f && c !== 0x5c) out += String.fromCharCode(c);
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}

/** A directive line from command arguments, e.g. line('cmd', 'SET', 'k', 'v'). */
export function line(directive: string, ...args: (string | Buffer)[]): string {
  return [directive, ...args.map(tok)].join(' ');
}

export interface Output { tag: string; text: string; bytes: Buffer }

export class Cli {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly out: Output[] = [];
  stderr = '';
  private pending = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number>;

  constructor(target: { port: number }, opts: { req?: number; rep?: number; timeoutMs?: number } = {}) {
    const args = ['-p', String(target.port), '-t', String(opts.timeoutMs ?? 5000)];
    if (opts.req) args.push('-q', String(opts.req));
    if (opts.rep) args.push('-r', String(opts.rep));
    this.proc = spawn(CLI_PATH, args);
    this.proc.stdout.on('data', (d: Buffer) => {
      this.pending += d.toString('latin1');
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const l = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        const tag = l.slice(0, 1);
        const text = l.slice(2);
        const isHex = tag === 'S' || tag === 'O' || tag === 'R';
        this.out.push({ tag, text, bytes: isHex ? Buffer.from(text, 'hex') : Buffer.from(text) });
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((res) => this.proc.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w();
      res(code ?? -1);
    }));
  }

  send(...lines: string[]): void { this.proc.stdin.write(lines.map((l) => l + '\n').join('')); }

  /** Resolves once `count` outputs with this tag arrived (or the process exited). */
  async waitTag(tag: string, count: number, timeoutMs = 5000): Promise<Output[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.out.filter((o) => o.tag === tag);
      if (got.length >= count) return got;
      if (this.proc.exitCode !== null) throw new Error(`shm-cli exited (${this.proc.exitCode}): ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${count} '${tag}' outputs; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  async end(): Promise<number> { this.proc.stdin.end(); return this.exited; }
  kill(): void { this.proc.kill('SIGKILL'); }
  tagged(tag: string): Output[] { return this.out.filter((o) => o.tag === tag); }
}

/** Runs a whole script and returns the outputs once the driver exits. */
export async function runCli(target: { port: number }, lines: string[], opts: { req?: number; rep?: number; timeoutMs?: number } = {}): Promise<{ cli: Cli; code: number }> {
  const cli = new Cli(target, opts);
  cli.send(...lines);
  const code = await cli.end();
  return { cli, code };
}

/** The OPEN reply's map as a record (RESP2 flat array or RESP3 map of ints). */
export function parseOpenReply(b: Buffer): Record<string, number> {
  const parts = b.toString('latin1').split('\r\n');
  const out: Record<string, number> = {};
  for (let i = 1; i + 2 < parts.length; i += 3) out[parts[i + 1] as string] = Number((parts[i + 2] as string).slice(1));
  return out;
}

// Builds the suite's own C tools with gcc (once per test file, into a temp dir) and drives
// the hostile client (tools/hostile.c) line by line.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/redis-server.js';

const built = new Map<string, string>();

/** Compiles test/reliability/tools/<name>.c (plus extra sources) and returns the binary path. */
export function buildTool(name: string, extra: { sources?: string[]; flags?: string[] } = {}): string {
  const key = [name, ...(extra.sources ?? []), ...(extra.flags ?? [])].join(' ');
  const have = built.get(key);
  if (have) return have;
  const out = join(mkdtempSync(join(tmpdir(), 'redis-shm-rel-')), name);
  execFileSync('gcc', [
    '-O1', '-g', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-pthread',
    '-I', join(ROOT, 'native', 'ring'), '-I', join(ROOT, 'native', 'module'),
    ...(extra.flags ?? []),
    '-o', out, join(ROOT, 'test', 'reliability', 'tools', `${name}.c`), ...(extra.sources ?? []),
  ], { stdio: 'pipe' });
  built.set(key, out);
  return out;
}

/** Escapes one argument for a directive line. */
export function tok(arg: string | Buffer): string {
  const b = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
  let s = '';
  for (const c of b) s += c > 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
  return s;
}

export function line(directive: string, ...args: (string | Buffer)[]): string {
  return [directive, ...args.map(tok)].join(' ');
}

export interface Out { tag: string; text: string; bytes: Buffer }

/** One hostile client process. Outputs are "<tag> <payload>" lines (hex for S/O/R). */
export class Hostile {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly out: Out[] = [];
  stderr = '';
  private partial = '';
  private wakers: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(port: number, opts: { req?: number; rep?: number; timeoutMs?: number } = {}) {
    const args = ['-p', String(port), '-t', String(opts.timeoutMs ?? 5000)];
    if (opts.req) args.push('-q', String(opts.req));
    if (opts.rep) args.push('-r', String(opts.rep));
    this.proc = spawn(buildTool('hostile'), args);
    this.proc.stdout.on('data', (d: Buffer) => {
      this.partial += d.toString('latin1');
      for (let nl = this.partial.indexOf('\n'); nl >= 0; nl = this.partial.indexOf('\n')) {
        const l = this.partial.slice(0, nl);
        this.partial = this.partial.slice(nl + 1);
        const tag = l.slice(0, 1);
        const text = l.slice(2);
        const hex = 'SOR'.includes(tag) && text !== '-';
        this.out.push({ tag, text, bytes: hex ? Buffer.from(text, 'hex') : Buffer.from(text) });
      }
      for (const w of this.wakers.splice(0)) w();
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.proc.stdin.on('error', () => { /* the process may die on purpose */ });
    this.exited = new Promise((res) => this.proc.on('exit', (code) => {
      for (const w of this.wakers.splice(0)) w();
      res(code);
    }));
  }

  send(...lines: string[]): void { this.proc.stdin.write(lines.map((l) => l + '\n').join('')); }

  tagged(tag: string): Out[] { return this.out.filter((o) => o.tag === tag); }

  /** Waits for the n-th output with this tag (1-based) and returns it. */
  async nth(tag: string, n: number, timeoutMs = 10000): Promise<Out> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const got = this.tagged(tag);
      if (got.length >= n) return got[n - 1]!;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`hostile exited (${this.proc.exitCode ?? this.proc.signalCode}) before '${tag}' #${n}: ${this.stderr}`);
      if (Date.now() > end) throw new Error(`timeout waiting for '${tag}' #${n}; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.wakers.push(r); setTimeout(r, 50); });
    }
  }

  /** Sends directives and waits for the next output with `tag`. */
  async ask(tag: string, ...lines: string[]): Promise<Out> {
    const n = this.tagged(tag).length + 1;
    this.send(...lines);
    return this.nth(tag, n);
  }

  /** Opens the session and returns its id (throws with the error reply if refused). */
  async open(): Promise<number> {
    const o = await this.ask('O', 'open');
    const s = o.bytes.toString('latin1');
    const m = /\$7\r\nsession\r\n:(\d+)\r\n/.exec(s);
    if (!m) throw new Error(`SHM.OPEN refused: ${s}`);
    return Number(m[1]);
  }

  /** "<state> <reason>" once the server closed the session (or "gone"). */
  async closedState(): Promise<string> { return (await this.ask('T', 'waitclosed')).text; }

  async end(): Promise<number | null> { this.proc.stdin.end(); return this.exited; }
  kill(): void { this.proc.kill('SIGKILL'); }
}

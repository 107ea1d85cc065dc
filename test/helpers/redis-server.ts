// Starts a throwaway redis-server on a free TCP port and a Unix socket in a temp dir,
// optionally with the redis-shm module loaded, and always tears it down.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cli/server.js';

export { freePort };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODULE_PATH = join(ROOT, 'native', 'module', 'redis-shm.so');

export interface ServerOptions {
  /** Load native/module/redis-shm.so (default true). */
  module?: boolean;
  /** Module arguments, passed after the module path. */
  moduleArgs?: string[];
  /** Extra `--name value` config pairs, e.g. ['--appendonly', 'yes']. */
  args?: string[];
  /** Reuse this data dir (for restart tests); otherwise a fresh temp dir. */
  dir?: string;
  /** Fixed port (for restart tests); otherwise a free one. */
  port?: number;
}

export interface RedisServer {
  port: number;
  host: string;
  socket: string;
  dir: string;
  pid: number;
  proc: ChildProcess;
  /** Send one command on a fresh connection and return the raw reply text. */
  command(...args: string[]): Promise<string>;
  /** Stop with SIGTERM (or `signal`), wait for exit, keep the dir if asked. */
  stop(opts?: { signal?: NodeJS.Signals; keepDir?: boolean }): Promise<void>;
  /** Everything redis-server wrote to its log so far. */
  log(): string;
}

let checked = false;
export function requireRedisServer(): void {
  if (checked) return;
  let out: string;
  try {
    out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error('redis-server not found: install Debian\'s "redis-server" package (apt-get install redis-server), version 7.0 or newer');
  }
  const m = /v=(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!m || Number(m[1]) < 7) {
    throw new Error(`redis-server >= 7.0 is required (found: ${out.trim()}); install Debian's "redis-server" package`);
  }
  checked = true;
}

/** Encode a command as RESP multibulk. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** One command on a fresh connection; resolves with the raw reply once a full line-terminated reply arrived. */
export function rawCommand(target: { port: number; host?: string } | { path: string }, args: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((res, rej) => {
    const sock = 'path' in target ? connect(target.path) : connect(target.port, target.host ?? '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); rej(new Error(`timeout waiting for reply to ${args[0]}`)); }, timeoutMs);
    sock.on('connect', () => sock.write(resp(...args)));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (replyLength(Buffer.from(buf, 'latin1')) > 0) { clearTimeout(timer); sock.end(); res(buf); }
    });
    sock.on('error', (e) => { clearTimeout(timer); rej(e); });
  });
}

/** Length of the first complete RESP2/RESP3 reply in b[at..], or 0 if incomplete. */
export function replyLength(b: Buffer, at = 0): number {
  const nl = b.indexOf('\r\n', at, 'latin1');
  if (nl < 0) return 0;
  const head = nl + 2 - at;
  const t = String.fromCharCode(b[at]!);
  const n = Number(b.toString('latin1', at + 1, nl));
  if ('$=!'.includes(t)) {
    if (n < 0) return head;
    return b.length >= at + head + n + 2 ? head + n + 2 : 0;
  }
  if ('*%~>|'.includes(t)) {
    if (n < 0) return head;
    let off = at + head;
    const items = t === '%' || t === '|' ? 2 * n : n;
    for (let i = 0; i < items; i++) {
      const l = replyLength(b, off);
      if (!l) return 0;
      off += l;
    }
    if (t === '|') { const l = replyLength(b, off); if (!l) return 0; off += l; }
    return off - at;
  }
  return head;
}

export async function startRedis(opts: ServerOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  const useModule = opts.module ?? true;
  if (useModule && !existsSync(MODULE_PATH)) {
    throw new Error(`module not built at ${MODULE_PATH}: run npm install (or make -C native/module)`);
  }
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'redis-shm-test-'));
  const port = opts.port ?? await freePort();
  const socket = join(dir, 'redis.sock');
  const argv = [
    '--port', String(port), '--bind', '127.0.0.1', '--unixsocket', socket, '--unixsocketperm', '700',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log'),
    '--daemonize', 'no', '--protected-mode', 'no',
    ...(opts.args ?? []),
  ];
  if (useModule) argv.push('--loadmodule', MODULE_PATH, ...(opts.moduleArgs ?? []));
  const proc = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let early = '';
  proc.stdout?.on('data', (d) => { early += d; });
  proc.stderr?.on('data', (d) => { early += d; });
  let exited = false;
  proc.on('exit', () => { exited = true; });

  const log = (): string => { try { return readFileSync(join(dir, 'redis.log'), 'utf8'); } catch { return early; } };
  const deadline = Date.now() + 10000;
  for (;;) {
    if (exited) throw new Error(`redis-server exited during start:\n${log()}${early}`);
    try {
      const r = await rawCommand({ port }, ['PING'], 1000);
      if (r.startsWith('+PONG')) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`redis-server did not become ready:\n${log()}`); }
    await new Promise((r) => setTimeout(r, 20));
  }

  const server: RedisServer = {
    port, host: '127.0.0.1', socket, dir, pid: proc.pid ?? -1, proc,
    command: (...args: string[]) => rawCommand({ port }, args),
    log,
    async stop({ signal = 'SIGTERM', keepDir = false } = {}) {
      if (!exited) {
        const done = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
      if (!keepDir && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

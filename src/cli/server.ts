// Starts redis-server with the redis-shm module loaded. Used by `redis-shm server`, as
// the embedded default server of `latency` and `bench` (free port, temp dir, torn down),
// and by the scripts/bench-*.ts measurement scripts.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawCommand } from '../bench/raw-ping.js';
import { RedisError } from '../errors.js';
import { moduleProblem, modulePath } from '../native/binaries.js';

export interface ServerOptions {
  /** TCP port; 0 or undefined picks a free one. */
  port?: number;
  /** Unix socket path (default `<dir>/redis.sock`). */
  unixsocket?: string;
  /** Data directory (default: a fresh temp dir, removed on stop). */
  dir?: string;
  /** Load the module (default true). */
  module?: boolean;
  /** Which module file (default: modulePath(), the source build or the prebuild). */
  modulePath?: string;
  /** Extra redis-server arguments (`--name value` pairs). */
  args?: string[];
  /** A command redis-server runs under, e.g. ['taskset', '-c', '1'] (default: none). */
  prefix?: string[];
}

export interface RunningServer {
  host: string;
  port: number;
  socket: string;
  dir: string;
  pid: number;
  version: string;
  modulePath: string | null;
  proc: ChildProcess;
  /** The server's log so far. */
  log(): string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), remove a temp dir we created. Idempotent. */
  stop(): Promise<void>;
}

const DEBIAN_HINT = 'install Debian\'s "redis-server" package (apt-get install redis-server), version 7.0 or newer';

/** The installed redis-server's version, or a RedisError naming the Debian package. */
export function redisServerVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-server', ['--version'], { encoding: 'utf8' }, (err, out) => {
      if (err) {
        reject(new RedisError('ERR_OTHER', `redis-server not found on PATH: ${DEBIAN_HINT}`, { cause: err }));
        return;
      }
      const m = /v=(\d+)\.(\d+)\.(\d+)/.exec(out);
      if (!m || Number(m[1]) < 7) {
        reject(new RedisError('ERR_OTHER', `redis-server >= 7.0 is required (found: ${out.trim()}): ${DEBIAN_HINT}`));
        return;
      }
      resolve(`${m[1]}.${m[2]}.${m[3]}`);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True once a PING over TCP answers +PONG. */
function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return rawCommand({ host: '127.0.0.1', port }, ['PING'], timeoutMs).then((r) => r[0] === 'PONG', () => false);
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const version = await redisServerVersion();
  const useModule = opts.module ?? true;
  const mod = opts.modulePath ?? modulePath();
  // Checked here: redis-server would exit with only a dlopen line in its log.
  const problem = useModule ? moduleProblem(mod) : null;
  if (problem) throw new RedisError('ERR_OTHER', problem);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'redis-shm-server-'));
  const port = opts.port ? opts.port : await freePort();
  const socket = opts.unixsocket ?? join(dir, 'redis.sock');
  const logfile = join(dir, 'redis.log');
  const argv = [
    '--port', String(port), '--bind', '127.0.0.1', '--unixsocket', socket, '--unixsocketperm', '700',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logfile, '--daemonize', 'no',
    ...(opts.args ?? []),
  ];
  if (useModule) argv.push('--loadmodule', mod);
  const cmd = [...(opts.prefix ?? []), 'redis-server', ...argv];
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let early = '';
  proc.stdout?.on('data', (d: Buffer) => { early += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { early += d.toString(); });
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
  const log = (): string => { try { return readFileSync(logfile, 'utf8'); } catch { return early; } };
  const cleanup = (): void => { if (ownDir) rmSync(dir, { recursive: true, force: true }); };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) { const l = log() + early; cleanup(); throw new RedisError('ERR_OTHER', `redis-server exited during start:\n${l}`); }
    if (await pingOnce(port, 500)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL'); await exit; const l = log(); cleanup();
      throw new RedisError('ERR_TIMEOUT', `redis-server did not answer PING within 10 s:\n${l}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1', port, socket, dir, pid: proc.pid ?? -1, version,
    modulePath: useModule ? mod : null, proc, log,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exit;
          clearTimeout(t);
        }
        cleanup();
      })();
      return stopping;
    },
  };
}

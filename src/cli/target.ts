// Which server latency/bench talk to: the one given on the command line, or an embedded
// redis-server with the module, started on a free port and a temp socket and torn down.
import { RedisError } from '../errors.js';
import { rawCommand, type Endpoint } from '../bench/raw-ping.js';
import { moduleProblem } from '../native/binaries.js';
import { startServer, type RunningServer } from './server.js';

export interface TargetOptions {
  host?: string;
  port?: number;
  socket?: string;
}

export interface Target {
  tcp: { host: string; port: number } | null;
  unix: { path: string } | null;
  /** Set when we started the server ourselves. */
  embedded: RunningServer | null;
  /** The server's pid when known (embedded, or INFO server process_id). */
  serverPid: number | null;
  /** Why the shm transport cannot work, if already known (e.g. module not loaded). */
  shmProblem: string | null;
  /** One line for humans. */
  describe: string;
  close(): Promise<void>;
}

export async function resolveTarget(opts: TargetOptions): Promise<Target> {
  if (opts.host === undefined && opts.port === undefined && opts.socket === undefined) {
    // Without a built module the socket rows still measure; the shm row says why not.
    const problem = moduleProblem();
    const s = await startServer({ module: problem === null });
    return {
      tcp: { host: s.host, port: s.port }, unix: { path: s.socket }, embedded: s, serverPid: s.pid,
      shmProblem: problem,
      describe: `embedded redis-server ${s.version} (pid ${s.pid}) on ${s.host}:${s.port} and ${s.socket}, module ${s.modulePath ?? 'not loaded'}`,
      close: () => s.stop(),
    };
  }
  let tcp: Target['tcp'] = opts.port !== undefined || opts.host !== undefined ? { host: opts.host ?? '127.0.0.1', port: opts.port ?? 6379 } : null;
  let unix: Target['unix'] = opts.socket !== undefined ? { path: opts.socket } : null;
  const ep: Endpoint = unix ?? tcp!;
  // Fill in the other transport from the server's own configuration, so that all rows
  // measure the same server.
  try {
    if (!unix) {
      const r = await rawCommand(ep, ['CONFIG', 'GET', 'unixsocket']);
      if (r[1]) unix = { path: r[1] };
    }
    if (!tcp) {
      const r = await rawCommand(ep, ['CONFIG', 'GET', 'port']);
      const port = Number(r[1]);
      if (port > 0) tcp = { host: '127.0.0.1', port };
    }
  } catch (err) {
    if (err instanceof RedisError && err.code === 'ERR_IO') throw new RedisError('ERR_IO', `cannot reach redis at ${fmt(ep)}: ${err.message}`, { cause: err });
    // CONFIG may be renamed or denied; measure what was given.
  }
  let serverPid: number | null = null;
  try {
    const info = (await rawCommand(ep, ['INFO', 'server']))[0] ?? '';
    const m = /process_id:(\d+)/.exec(info);
    if (m) serverPid = Number(m[1]);
  } catch { /* INFO denied: no server CPU figures */ }
  let shmProblem: string | null = null;
  try {
    const mods = await rawCommand(ep, ['MODULE', 'LIST']);
    if (!mods.includes('shm')) shmProblem = 'the redis-shm module is not loaded in this server (MODULE LIST has no "shm")';
  } catch (err) {
    shmProblem = `cannot list modules: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    tcp, unix, embedded: null, serverPid, shmProblem,
    describe: `redis at ${[tcp && fmt(tcp), unix && fmt(unix)].filter(Boolean).join(' and ')}`,
    close: async () => {},
  };
}

export function fmt(ep: Endpoint): string {
  return 'path' in ep ? ep.path : `${ep.host}:${ep.port}`;
}

// Starts a real Redis Cluster on loopback: N masters with R replicas each, the module
// loaded, created with `redis-cli --cluster create`. Used by `redis-shm cluster start`,
// the test harness (test/helpers/cluster.ts) and the cluster bench script.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawCommand } from '../bench/raw-ping.js';
import { RedisError } from '../errors.js';
import { moduleProblem, modulePath } from '../native/binaries.js';
import { redisServerVersion } from './server.js';

export interface ClusterStartOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 1). */
  replicas?: number;
  /** First port; nodes take port, port+1, ... (default: free ports, bus port = port+10000 free too). */
  port?: number;
  /** cluster-node-timeout in ms (default 2000). */
  nodeTimeoutMs?: number;
  /** Load the module (default true); a number list loads it only on those node indices. */
  module?: boolean | number[];
  /** Parent directory for the node dirs (default: a fresh temp dir, removed on stop). */
  dir?: string;
  /** Extra redis-server arguments for every node. */
  args?: string[];
  /** Spawn the servers detached, so they outlive this process (the CLI's `cluster start`). */
  detached?: boolean;
  /** Give up after this many ms (default 30000). */
  timeoutMs?: number;
}

export interface ClusterNodeProcess {
  host: string;
  port: number;
  dir: string;
  /** Unix socket of this node. */
  socket: string;
  pid: number;
  module: boolean;
  /** Undefined for detached nodes. */
  proc: ChildProcess | undefined;
  /** True once the process has exited (only tracked for attached nodes). */
  readonly exited: boolean;
  /** Resolves when the process has exited (attached nodes only). */
  exit: Promise<void>;
  log(): string;
  /** Send `signal` (default SIGTERM), wait for exit (SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartedCluster {
  dir: string;
  nodes: ClusterNodeProcess[];
  /** Stop every node and remove the temp dir we created. Idempotent. */
  stop(): Promise<void>;
}

/** A random port p in [20000, 55000) with p and p+10000 (the cluster bus) both bindable now. */
export async function freeClusterPort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 35000);
    if (await bindable(p) && await bindable(p + 10000)) return p;
  }
  throw new RedisError('ERR_OTHER', 'no free port pair (p, p+10000) found on 127.0.0.1');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One cluster-enabled redis-server, up and answering PING. */
export async function startClusterNode(opts: {
  port: number; dir: string; module: boolean; nodeTimeoutMs: number; args: string[]; detached: boolean; deadline: number;
}): Promise<ClusterNodeProcess> {
  const { port, dir } = opts;
  const socket = join(dir, 'redis.sock');
  const logfile = join(dir, 'redis.log');
  const argv = [
    '--port', String(port), '--bind', '127.0.0.1', '--unixsocket', socket, '--unixsocketperm', '700',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logfile, '--daemonize', 'no',
    '--protected-mode', 'no', '--pidfile', join(dir, 'redis.pid'),
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(opts.nodeTimeoutMs),
    // Replicas sync at once instead of after the default 5 s diskless delay.
    '--repl-diskless-sync-delay', '0',
    ...opts.args,
  ];
  if (opts.module) argv.push('--loadmodule', modulePath());
  const proc = spawn('redis-server', argv, opts.detached
    ? { stdio: 'ignore', detached: true }
    : { stdio: ['ignore', 'pipe', 'pipe'] });
  let early = '';
  proc.stdout?.on('data', (d: Buffer) => { early += d.toString(); });
  proc.stderr?.on('data', (d: Buffer) => { early += d.toString(); });
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
  if (opts.detached) proc.unref();
  const log = (): string => { try { return readFileSync(logfile, 'utf8'); } catch { return early; } };
  for (;;) {
    if (exited) throw new RedisError('ERR_OTHER', `redis-server on port ${port} exited during start:\n${log()}${early}`);
    const up = await rawCommand({ host: '127.0.0.1', port }, ['PING'], 500).then((r) => r[0] === 'PONG', () => false);
    if (up) break;
    if (Date.now() > opts.deadline) {
      proc.kill('SIGKILL'); await exit;
      throw new RedisError('ERR_TIMEOUT', `redis-server on port ${port} did not answer PING:\n${log()}`);
    }
    await sleep(20);
  }
  const pid = proc.pid ?? -1;
  return {
    host: '127.0.0.1', port, dir, socket, pid, module: opts.module, proc: opts.detached ? undefined : proc,
    get exited() { return exited; }, exit, log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exited) return;
      try { proc.kill(signal); } catch { /* gone */ }
      const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
      await exit;
      clearTimeout(t);
    },
  };
}

/** Runs redis-cli and resolves with its output, or rejects with it. */
export function redisCli(args: string[], timeoutMs = 30000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { encoding: 'utf8', timeout: timeoutMs }, (err, out, errOut) => {
      if (err) reject(new RedisError('ERR_OTHER', `redis-cli ${args.join(' ')} failed: ${err.message}\n${out}${errOut}`, { cause: err }));
      else resolve(out);
    });
  });
}

/** INFO <section> of a node as a field map. */
export async function infoFields(port: number, section: string): Promise<Record<string, string>> {
  const [text = ''] = await rawCommand({ host: '127.0.0.1', port }, ['INFO', section], 2000);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/**
 * Waits until every node reports cluster_state:ok, every replica's master_link_status is
 * up and (when `replicas` is given) every node's CLUSTER NODES lists that many replicas.
 */
export async function waitClusterReady(ports: number[], deadline: number, replicas?: number): Promise<void> {
  let last = '';
  for (;;) {
    const states = await Promise.all(ports.map(async (p) => {
      try {
        const [ci = ''] = await rawCommand({ host: '127.0.0.1', port: p }, ['CLUSTER', 'INFO'], 2000);
        if (!ci.includes('cluster_state:ok')) return `${p}: cluster_state not ok`;
        const r = await infoFields(p, 'replication');
        if (r.role === 'slave' && r.master_link_status !== 'up') return `${p}: master link ${r.master_link_status}`;
        if (replicas !== undefined) {
          const [nodes = ''] = await rawCommand({ host: '127.0.0.1', port: p }, ['CLUSTER', 'NODES'], 2000);
          const seen = nodes.split('\n').filter((l) => / (myself,)?slave /.test(l)).length;
          if (seen !== replicas) return `${p}: sees ${seen} of ${replicas} replicas`;
        }
        return '';
      } catch (e) { return `${p}: ${(e as Error).message}`; }
    }));
    last = states.filter(Boolean).join('; ');
    if (!last) return;
    if (Date.now() > deadline) throw new RedisError('ERR_TIMEOUT', `cluster not ready: ${last}`);
    await sleep(50);
  }
}

/** Starts and creates the cluster; on failure stops whatever it started. */
export async function startCluster(opts: ClusterStartOptions = {}): Promise<StartedCluster> {
  await redisServerVersion();
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 1;
  if (!Number.isInteger(masters) || masters < 3) throw new RedisError('ERR_ARGUMENT', `a cluster needs at least 3 masters (got ${masters})`);
  if (!Number.isInteger(replicas) || replicas < 0) throw new RedisError('ERR_ARGUMENT', `bad replica count ${replicas}`);
  const total = masters * (1 + replicas);
  const problem = opts.module !== false ? moduleProblem() : null;
  if (problem) throw new RedisError('ERR_OTHER', problem);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'redis-shm-cluster-'));
  const deadline = Date.now() + (opts.timeoutMs ?? 30000);
  const nodes: ClusterNodeProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await Promise.all(Array.from({ length: total }, async (_, i) => {
      const withModule = Array.isArray(opts.module) ? opts.module.includes(i) : opts.module !== false;
      for (let attempt = 0; ; attempt++) {
        const port = opts.port ? opts.port + i : await freeClusterPort();
        const nodeDir = join(dir, `node-${port}`);
        rmSync(nodeDir, { recursive: true, force: true });
        mkdirSync(nodeDir, { recursive: true });
        try {
          const n = await startClusterNode({
            port, dir: nodeDir, module: withModule, nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000,
            args: opts.args ?? [], detached: opts.detached ?? false, deadline,
          });
          nodes.push(n);
          return n;
        } catch (e) {
          // Another process took a free port between our probe and redis's bind: try another.
          if (opts.port || attempt >= 5 || !/Address already in use|bind/i.test((e as Error).message)) throw e;
        }
      }
    }));
    const addrs = started.map((n) => `${n.host}:${n.port}`);
    await redisCli(['--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes'],
      Math.max(1000, deadline - Date.now()));
    await waitClusterReady(started.map((n) => n.port), deadline, masters * replicas);
    let stopping: Promise<void> | undefined;
    return { dir, nodes: started, stop: () => (stopping ??= stopAll()) };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

// `redis-shm cluster start|stop|status`: a local Redis Cluster with the module loaded, left
// running in the background. Its state (node pids, ports, dirs) is a JSON file in the
// cluster's directory; the last started directory is remembered in
// $TMPDIR/redis-shm-cluster.current, so `stop` needs no arguments.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RedisError } from '../errors.js';
import { createCluster } from '../cluster/cluster.js';
import { parseAddress } from '../cluster/options.js';
import { startCluster } from './cluster-start.js';
import { resolveTarget, type Target } from './target.js';
import type { Io } from './io.js';
import { intOption, numberOption } from './options.js';

export const CLUSTER_USAGE = `usage: redis-shm cluster start [--masters 3] [--replicas 1] [--port 30001] [--dir DIR] [--node-timeout 2000]
       redis-shm cluster stop [--dir DIR]
       redis-shm cluster status [--dir DIR]
  start: runs masters x (1 + replicas) cluster-enabled redis-servers on 127.0.0.1, ports
         PORT.. (the bus on PORT+10000..; --port 0 picks free ones), the module loaded,
         joined with redis-cli --cluster create; they keep running after this command.
  stop:  stops the nodes of the last started cluster (or DIR's) and removes its directory.
  --dir DIR  where the nodes keep data, logs and cluster.json (default $TMPDIR/redis-shm-cluster-PORT)
`;

interface State { dir: string; nodes: Array<{ port: number; pid: number; dir: string }> }

const CURRENT = (): string => join(tmpdir(), 'redis-shm-cluster.current');

function stateDir(given: string | undefined): string {
  if (given) return given;
  try { return readFileSync(CURRENT(), 'utf8').trim(); } catch {
    throw new RedisError('ERR_ARGUMENT', 'no cluster started by redis-shm cluster start was found (give --dir)');
  }
}

function readState(dir: string): State {
  const f = join(dir, 'cluster.json');
  if (!existsSync(f)) throw new RedisError('ERR_ARGUMENT', `no cluster state in ${dir} (cluster.json missing)`);
  return JSON.parse(readFileSync(f, 'utf8')) as State;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function start(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      masters: { type: 'string' }, replicas: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' },
      'node-timeout': { type: 'string' },
    },
  });
  const port = intOption(values.port, 'port') ?? 30001;
  const masters = numberOption(values.masters, 'masters', 3);
  const replicas = numberOption(values.replicas, 'replicas', 1);
  const dir = values.dir ?? join(tmpdir(), `redis-shm-cluster-${port || 'free'}`);
  if (existsSync(join(dir, 'cluster.json'))) {
    const old = readState(dir);
    if (old.nodes.some((n) => alive(n.pid))) throw new RedisError('ERR_ARGUMENT', `a cluster from ${dir} is still running: redis-shm cluster stop --dir ${dir}`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const c = await startCluster({
    masters, replicas, port: port || undefined, dir, detached: true,
    nodeTimeoutMs: numberOption(values['node-timeout'], 'node-timeout', 2000),
  }).catch((e: unknown) => { rmSync(dir, { recursive: true, force: true }); throw e; });
  const state: State = { dir, nodes: c.nodes.map((n) => ({ port: n.port, pid: n.pid, dir: n.dir })) };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(state, null, 2));
  writeFileSync(CURRENT(), dir);
  const first = c.nodes[0]!.port;
  io.stdout.write([
    `Redis Cluster with redis-shm is ready: ${masters} masters, ${replicas} replica(s) each`,
    ...c.nodes.map((n) => `  127.0.0.1:${n.port}  pid ${n.pid}  (log: ${n.dir}/redis.log)`),
    `  connect: createCluster({ rootNodes: [{ host: '127.0.0.1', port: ${first} }] })`,
    `  cli:     redis-cli -c -p ${first}`,
    `  measure: redis-shm latency --cluster 127.0.0.1:${first}`,
    `  stop:    redis-shm cluster stop${values.dir ? ` --dir ${dir}` : ''}`,
    '',
  ].join('\n'));
  return 0;
}

async function stop(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { dir: { type: 'string' } } });
  const dir = stateDir(values.dir);
  const state = readState(dir);
  for (const n of state.nodes) if (alive(n.pid)) process.kill(n.pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (state.nodes.some((n) => alive(n.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const n of state.nodes) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  try { if (readFileSync(CURRENT(), 'utf8').trim() === dir) rmSync(CURRENT()); } catch { /* none */ }
  io.stdout.write(`stopped ${state.nodes.length} nodes, removed ${dir}\n`);
  return 0;
}

function status(argv: string[], io: Io): number {
  const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { dir: { type: 'string' } } });
  const state = readState(stateDir(values.dir));
  for (const n of state.nodes) io.stdout.write(`127.0.0.1:${n.port}  pid ${n.pid}  ${alive(n.pid) ? 'running' : 'not running'}\n`);
  return state.nodes.every((n) => alive(n.pid)) ? 0 : 1;
}

/** `latency --cluster H:P`: one target per master of the cluster's slot map. */
export async function clusterTarget(seed: string): Promise<Target & { nodes: Target[] }> {
  const cluster = createCluster({ rootNodes: [parseAddress(seed)], transport: 'socket' });
  await cluster.connect();
  const masters = cluster.nodes().filter((n) => n.role === 'master' && n.slots.length > 0);
  await cluster.quit();
  const nodes = await Promise.all(masters.map((m) => resolveTarget({ host: m.host, port: m.port })));
  return {
    tcp: null, unix: null, embedded: null, serverPid: null, shmProblem: null, nodes,
    describe: `Redis Cluster at ${seed}: masters ${masters.map((m) => `${m.host}:${m.port}`).join(', ')}`,
    close: async () => { await Promise.all(nodes.map((n) => n.close())); },
  };
}

export async function clusterCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'start': return start(rest, io);
    case 'stop': return stop(rest, io);
    case 'status': return status(rest, io);
    case '--help': case '-h': case 'help': io.stdout.write(CLUSTER_USAGE); return 0;
    default: io.stderr.write(`redis-shm cluster: expected start, stop or status\n${CLUSTER_USAGE}`); return 2;
  }
}

// A real Redis Cluster for tests: 3 masters + 3 replicas on free loopback ports (the bus
// port p+10000 free too), the module loaded, created with redis-cli --cluster create,
// ready once cluster_state:ok everywhere and every replica's link is up. Torn down by
// stop(). Start one per test file (beforeAll) and share it: startup costs ~2-3 s.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { rawCommand } from '../../src/bench/raw-ping.js';
import {
  freeClusterPort, startCluster, startClusterNode, waitClusterReady,
  type ClusterNodeProcess, type ClusterStartOptions,
} from '../../src/cli/cluster-start.js';
import { requireRedisServer } from './redis-server.js';
import { until } from './until.js';

export interface NodeInfo {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** For replicas, the master's id. */
  masterId: string | undefined;
  failed: boolean;
  /** Slot ranges [start, end] (masters). */
  slots: Array<[number, number]>;
}

export interface TestCluster {
  /** Every node process started (in port order of creation), including killed ones. */
  procs: ClusterNodeProcess[];
  /** The first node's address, a good rootNodes entry. */
  seed: { host: string; port: number };
  /** One command on a fresh connection to `port`: the reply flattened to strings (errors reject). */
  command(port: number, ...args: string[]): Promise<string[]>;
  /** The topology as `port` sees it (CLUSTER NODES). */
  topology(port?: number): Promise<NodeInfo[]>;
  masters(): Promise<NodeInfo[]>;
  /** Port of the master owning `slot` (as the seed, or `askPort`, sees it). */
  ownerOf(slot: number, askPort?: number): Promise<number>;
  /** Slot of `key` (CLUSTER KEYSLOT on a live node). */
  keyslot(key: string): Promise<number>;
  /** Migrate `slot` from its owner to the master on `toPort`: IMPORTING, MIGRATING, MIGRATE every key, SETSLOT NODE everywhere. */
  moveSlot(slot: number, toPort: number): Promise<void>;
  /** Only the first half of moveSlot: IMPORTING + MIGRATING set, keys not moved (for ASK tests). Returns finish(). */
  beginMigration(slot: number, toPort: number): Promise<{ fromPort: number; migrateKeys(keys?: string[]): Promise<void>; finish(): Promise<void>; abort(): Promise<void> }>;
  /** SIGKILL (or `signal`) the node on `port`. */
  kill(port: number, signal?: NodeJS.Signals): Promise<void>;
  /** A new empty master (module loaded) joined with CLUSTER MEET; resolves once every node knows it. */
  addNode(): Promise<number>;
  /** Start a killed node again with its old dir (it rejoins with nodes.conf). */
  restart(port: number): Promise<void>;
  /** Wait until all running nodes report cluster_state:ok and replicas' links are up, and they agree on the slot owners. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Ports of the live nodes. */
  livePorts(): number[];
  stop(): Promise<void>;
}

function parseNodes(text: string): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const [id, addr, flags, master] = f as [string, string, string, string];
    const hostPort = addr.split('@')[0]!;
    const colon = hostPort.lastIndexOf(':');
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // migrating/importing markers
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    const fl = flags.split(',');
    out.push({
      id, host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)),
      role: fl.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      failed: fl.includes('fail') || fl.includes('noaddr'),
      slots,
    });
  }
  return out;
}

export async function startTestCluster(opts: ClusterStartOptions = {}): Promise<TestCluster> {
  requireRedisServer();
  const started = await startCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000, ...opts });
  const procs = [...started.nodes];
  const command = (port: number, ...args: string[]): Promise<string[]> => rawCommand({ host: '127.0.0.1', port }, args, 5000);
  const live = (): ClusterNodeProcess[] => procs.filter((p) => !p.exited);
  const livePorts = (): number[] => live().map((p) => p.port);
  const anyPort = (): number => {
    const p = livePorts()[0];
    if (p === undefined) throw new Error('no live cluster node');
    return p;
  };
  const topology = async (port?: number): Promise<NodeInfo[]> => {
    const [text = ''] = await command(port ?? anyPort(), 'CLUSTER', 'NODES');
    return parseNodes(text);
  };
  const masters = async (): Promise<NodeInfo[]> => (await topology()).filter((n) => n.role === 'master' && !n.failed && n.slots.length > 0);
  const ownerOf = async (slot: number, askPort?: number): Promise<number> => {
    const t = await topology(askPort);
    const m = t.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!m) throw new Error(`no owner for slot ${slot}`);
    return m.port;
  };
  const keyslot = async (key: string): Promise<number> => Number((await command(anyPort(), 'CLUSTER', 'KEYSLOT', key))[0]);
  const idOf = async (port: number): Promise<string> => (await command(port, 'CLUSTER', 'MYID'))[0]!;

  const beginMigration: TestCluster['beginMigration'] = async (slot, toPort) => {
    const fromPort = await ownerOf(slot);
    if (fromPort === toPort) throw new Error(`slot ${slot} is already on ${toPort}`);
    const [fromId, toId] = await Promise.all([idOf(fromPort), idOf(toPort)]);
    await command(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId);
    await command(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId);
    const migrateKeys = async (only?: string[]): Promise<void> => {
      for (;;) {
        const keys = only ?? await command(fromPort, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100');
        if (keys.length === 0) return;
        await command(fromPort, 'MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'REPLACE', 'KEYS', ...keys);
        if (only) return;
      }
    };
    const finish = async (): Promise<void> => {
      await migrateKeys();
      // Destination first, then source, then the others (the order redis-cli uses).
      await command(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId);
      // a source that gave away its last slot may already have become the new owner's
      // replica (cluster-allow-replica-migration), learnt by gossip: then it knows
      await command(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId).catch((e: Error) => {
        if (!/only with masters/.test(e.message)) throw e;
        return [];
      });
      const others = (await masters()).filter((m) => m.port !== toPort && m.port !== fromPort);
      await Promise.all(others.map((m) => command(m.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId).catch(() => [])));
    };
    const abort = async (): Promise<void> => {
      await command(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'STABLE');
      await command(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    };
    return { fromPort, migrateKeys, finish, abort };
  };

  const cluster: TestCluster = {
    procs,
    seed: { host: '127.0.0.1', port: procs[0]!.port },
    command, topology, masters, ownerOf, keyslot, beginMigration, livePorts,
    async moveSlot(slot, toPort) {
      const m = await beginMigration(slot, toPort);
      await m.finish();
    },
    async kill(port, signal = 'SIGKILL') {
      const p = procs.find((n) => n.port === port && !n.exited);
      if (!p) throw new Error(`no live node on ${port}`);
      await p.stop(signal);
    },
    async addNode() {
      const port = await freeClusterPort();
      const dir = join(dirname(procs[0]!.dir), `node-${port}`);
      mkdirSync(dir, { recursive: true });
      const n = await startClusterNode({
        port, dir, module: true, nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000, args: opts.args ?? [], detached: false, deadline: Date.now() + 20000,
      });
      procs.push(n);
      await command(anyPort(), 'CLUSTER', 'MEET', '127.0.0.1', String(port));
      await until(async () => {
        const views = await Promise.all(livePorts().map((p) => topology(p).catch(() => [])));
        return views.every((v) => v.some((x) => x.port === port && x.role === 'master' && !x.failed));
      }, 20000, 50, `every node knowing ${port}`);
      await waitClusterReady([port], Date.now() + 20000);
      return port;
    },
    async restart(port) {
      const old = procs.find((n) => n.port === port);
      if (!old || !old.exited) throw new Error(`node ${port} is not stopped`);
      const n = await startClusterNode({
        port, dir: old.dir, module: old.module, nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000,
        args: opts.args ?? [], detached: false, deadline: Date.now() + 20000,
      });
      procs[procs.indexOf(old)] = n;
    },
    async waitReady(timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      await waitClusterReady(livePorts(), deadline);
      // Every live node sees the same owner for every slot range and no failed master holds slots.
      await until(async () => {
        const views = await Promise.all(livePorts().map(async (p) => {
          const t = await topology(p).catch(() => []);
          return JSON.stringify(t.filter((n) => n.role === 'master' && n.slots.length && !n.failed)
            .map((n) => `${n.port}:${JSON.stringify(n.slots)}`).sort());
        }));
        return views.every((v) => v === views[0]) && views[0] !== '[]';
      }, Math.max(1000, deadline - Date.now()), 50, 'cluster nodes agreeing on the slot map');
    },
    stop: () => Promise.all(procs.map((p) => p.stop())).then(() => started.stop()),
  };
  return cluster;
}

// createCluster on a real 3-master/3-replica cluster: typed commands routed by slot,
// per-node transports, keyless commands, replies and errors as createClient gives them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, createClient, ReplyError, RedisError, type RedisCluster } from '../../src/index.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { until } from '../helpers/until.js';
import { CLUSTER_TRANSPORTS } from './transports.js';
import { keySlot } from '../../src/cluster/slot.js';

describe('createCluster commands', () => {
  let c: TestCluster;
  let cluster: RedisCluster;
  beforeAll(async () => {
    c = await startTestCluster();
    cluster = createCluster({ rootNodes: [c.seed] });
    await cluster.connect();
  }, 60000);
  afterAll(async () => { await cluster?.quit(); await c?.stop(); });

  it('routes keys of every shard to their owner, with the same replies as one client', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `k:${i}`);
    await Promise.all(keys.map((k, i) => cluster.set(k, `v${i}`)));
    expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys.map((_, i) => `v${i}`));
    // each key is on the node that owns its slot, read there directly
    const owners = new Set<number>();
    for (const k of keys.slice(0, 12)) {
      const port = await c.ownerOf(await c.keyslot(k));
      owners.add(port);
      expect(await c.command(port, 'GET', k)).toEqual([`v${keys.indexOf(k)}`]);
    }
    expect(owners.size).toBe(3);
    expect(await cluster.incr('{n}:counter')).toBe(1);
    await expect(cluster.sendCommand(['LPUSH', 'k:0', 'x'])).rejects.toThrow(ReplyError);
    await expect(cluster.sendCommand(['LPUSH', 'k:0', 'x'])).rejects.toMatchObject({ code: 'WRONGTYPE' });
  });

  it('multi-key commands in one slot work', async () => {
    expect(await cluster.mset('{u1}:a', '1', '{u1}:b', '2')).toBe('OK');
    expect(await cluster.mget('{u1}:a', '{u1}:b')).toEqual(['1', '2']);
  });

  it('EVAL routes by its keys; keyless commands reach a master; nodeClient runs on the chosen node', async () => {
    expect(await cluster.evalCommand("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'ev:key', 'x')).toBe('OK');
    expect(await cluster.get('ev:key')).toBe('x');
    expect(await cluster.ping()).toBe('PONG');
    for (const m of await c.masters()) {
      const id = await cluster.nodeClient({ host: '127.0.0.1', port: m.port }).sendCommand(['CLUSTER', 'MYID']);
      expect(id).toBe(m.id);
    }
  });

  it('nodes() lists every node and its transport (shm to these local module nodes)', async () => {
    const nodes = cluster.nodes();
    expect(nodes.filter((n) => n.role === 'master')).toHaveLength(3);
    expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    for (const n of nodes.filter((x) => x.role === "master")) expect([n.transport, n.transportReason]).toEqual(["shm", undefined]);
    const sock = createCluster({ rootNodes: [`127.0.0.1:${c.seed.port}`], transport: 'socket' });
    await sock.connect();
    await sock.set('t:1', 'a');
    for (const n of sock.nodes().filter((x) => x.role === 'master')) expect(n.transport).toBe('socket');
    await sock.quit();
  });

  it('refuses SELECT and a bare MULTI, and fails clearly before connect and after quit', async () => {
    await expect(cluster.select(1)).rejects.toMatchObject({ code: 'ERR_ARGUMENT' });
    await expect(cluster.sendCommand(['MULTI'])).rejects.toMatchObject({ code: 'ERR_ARGUMENT' });
    const idle = createCluster({ rootNodes: [c.seed] });
    await expect(idle.get('x')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    const other = createCluster({ rootNodes: [c.seed] });
    await other.connect();
    await other.quit();
    await expect(other.get('x')).rejects.toBeInstanceOf(RedisError);
  });

  it('connect() to a dead address fails with ERR_CLUSTER_NO_NODE', async () => {
    const dead = createCluster({ rootNodes: [{ host: '127.0.0.1', port: 1 }] });
    await expect(dead.connect()).rejects.toMatchObject({ code: 'ERR_CLUSTER_NO_NODE' });
    void createClient;
  });
});

describe('createCluster useReplicas, scan and nodeAddressMap', () => {
  let c: TestCluster;
  beforeAll(async () => { c = await startTestCluster(); }, 60000);
  afterAll(async () => { await c?.stop(); });

  it.each(CLUSTER_TRANSPORTS)('useReplicas sends reads to replicas (READONLY) and writes to masters, over %s', async (transport) => {
    const cluster = createCluster({ rootNodes: [c.seed], useReplicas: true, transport });
    await cluster.connect();
    const keys = Array.from({ length: 30 }, (_, i) => `r:${i}`);
    for (const k of keys) await cluster.set(k, k);
    // let replication catch up, then count the reads each node served
    await until(async () => {
      for (const m of await c.masters()) {
        const [info = ''] = await c.command(m.port, 'INFO', 'replication');
        const own = /master_repl_offset:(\d+)/.exec(info)?.[1];
        if (!own || /slave0:.*offset=(\d+)/.exec(info)?.[1] !== own) return false;
      }
      return true;
    }, 10000, 20, 'replicas caught up');
    const before = new Map<number, number>();
    const replicas = (await c.topology()).filter((n) => n.role === 'replica');
    const getCalls = async (port: number): Promise<number> => {
      const [s = ''] = await c.command(port, 'INFO', 'commandstats');
      return Number(/cmdstat_get:calls=(\d+)/.exec(s)?.[1] ?? 0);
    };
    for (const r of replicas) before.set(r.port, await getCalls(r.port));
    expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys);
    let served = 0;
    for (const r of replicas) served += (await getCalls(r.port)) - before.get(r.port)!;
    expect(served).toBe(keys.length);
    expect(cluster.nodes().filter((n) => n.role === 'replica' && n.transport !== undefined)).toHaveLength(3);
    await cluster.quit();
  });

  it('scanIterator visits every key on every master once', async () => {
    const cluster = createCluster({ rootNodes: [c.seed] });
    await cluster.connect();
    const keys = Array.from({ length: 200 }, (_, i) => `scan:${i}`);
    await Promise.all(keys.map((k) => cluster.set(k, '1')));
    const seen: string[] = [];
    for await (const k of cluster.scanIterator({ match: 'scan:*', count: 50 })) seen.push(String(k));
    expect(seen.sort()).toEqual([...keys].sort());
    await cluster.quit();
  });

  it('nodeAddressMap dials the mapped address for every announced one', async () => {
    // announce 127.0.0.1:P, dial localhost:P: same node, different name
    const dialled: string[] = [];
    const cluster = createCluster({
      rootNodes: [c.seed], transport: 'socket',
      nodeAddressMap: (a) => { dialled.push(`${a.host}:${a.port}`); return { host: 'localhost', port: a.port }; },
    });
    await cluster.connect();
    await cluster.set('nat:1', 'v');
    expect(await cluster.get('nat:1')).toBe('v');
    expect(cluster.nodes().every((n) => n.host === 'localhost')).toBe(true);
    expect(dialled.length).toBeGreaterThan(0);
    await cluster.quit();
  });
});

describe('createCluster node lifecycle, name and queue', () => {
  let c: TestCluster;
  beforeAll(async () => { c = await startTestCluster({ replicas: 0 }); }, 60000);
  afterAll(async () => { await c?.stop(); });

  it.each(CLUSTER_TRANSPORTS)('a node that joins and takes a slot is dialled, with the client name; one that leaves is closed (%s)', async (transport) => {
    const cluster = createCluster({ rootNodes: [c.seed], transport, name: 'lifecycle' });
    await cluster.connect();
    const key = `life:{${transport}}`;
    await cluster.set(key, 'v');
    const port = await c.addNode();
    await c.moveSlot(keySlot(key), port);
    expect(await cluster.get(key)).toBe('v');   // MOVED to the new node
    await cluster.refresh();
    const added = cluster.nodes().find((n) => n.port === port);
    expect(added).toMatchObject({ role: 'master', transport: transport === 'auto' ? 'shm' : 'socket' });
    // every connection carries the client name, the new node's too
    const [list = ''] = await c.command(port, 'CLIENT', 'LIST');
    expect(list).toMatch(/name=lifecycle/);
    // the slot goes back: the client follows (the emptied node turns replica of the owner)
    await c.moveSlot(keySlot(key), c.seed.port);
    expect(await cluster.get(key)).toBe('v');
    // then it leaves the cluster (forgotten by every other node): the next map lacks it, and
    // the client closes its connection there
    const [id = ''] = await c.command(port, 'CLUSTER', 'MYID');
    for (const p of c.livePorts()) if (p !== port) await c.command(p, 'CLUSTER', 'FORGET', id);
    await until(async () => {
      await cluster.refresh();
      return !cluster.nodes().some((n) => n.port === port);
    }, 20000, 100, `the client forgetting ${port}`);
    await until(async () => !/name=lifecycle/.test((await c.command(port, 'CLIENT', 'LIST'))[0] ?? ''), 5000, 20, `the client's connection to ${port} closed`);
    expect(await cluster.get(key)).toBe('v');
    await c.kill(port, 'SIGTERM');
    await cluster.quit();
  }, 60000);

  it('commands before the map is read wait in a bounded queue', async () => {
    const cluster = createCluster({ rootNodes: [c.seed], maxClusterQueue: 3 });
    const connecting = cluster.connect();
    const early = [cluster.set('q:1', 'a'), cluster.get('q:1'), cluster.incr('q:n')];
    await expect(cluster.get('q:1')).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });
    await connecting;
    expect(await Promise.all(early)).toEqual(['OK', 'a', 1]);
    await cluster.quit();
  });
});

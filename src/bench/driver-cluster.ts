// Cluster drivers: redis-shm's createCluster over shm (transport 'shm' to every node: fail
// rather than fall back) or over the socket, and ioredis's Cluster (socket) with its
// defaults. The same Driver interface as the single-server drivers, so the workloads are
// shared; `api: 'cluster'` in the spec marks them.
import { Cluster } from 'ioredis';
import { redisNodeAttach } from '../../adapters/node.js';
import { createCluster } from '../cluster/cluster.js';
import { createClusterSubscriber } from '../cluster/pubsub.js';
import { keySlot } from '../cluster/slot.js';
import type { NodeAddress } from '../cluster/topology.js';
import type { Driver, DriverSpec } from './driver.js';

export const CLUSTER_SPECS: DriverSpec[] = [
  { client: 'redis-shm', transport: 'shm', api: 'cluster', adapter: null },
  { client: 'redis-shm', transport: 'shm', api: 'cluster', adapter: 'node' },
  { client: 'redis-shm', transport: 'tcp', api: 'cluster', adapter: null },
  { client: 'ioredis', transport: 'tcp', api: 'cluster', adapter: null },
];

export async function openClusterDriver(spec: DriverSpec, seed: NodeAddress): Promise<Driver> {
  if (spec.client === 'ioredis') return openIoredisCluster(spec, seed);
  const adapter = spec.adapter === 'node' ? redisNodeAttach : undefined;
  const cluster = createCluster({ rootNodes: [seed], transport: spec.transport === 'shm' ? 'shm' : 'socket', adapter });
  await cluster.connect();
  const bin = createCluster({ rootNodes: [seed], transport: spec.transport === 'shm' ? 'shm' : 'socket', returnBuffers: true });
  let binReady: Promise<unknown> | undefined;
  const sub = createClusterSubscriber(cluster);
  return {
    spec,
    ping: () => cluster.sendCommand(['PING']),
    get: (k) => cluster.sendCommand(['GET', k]),
    getBuffer: async (k) => {
      binReady ??= bin.connect();
      await binReady;
      return (await bin.sendCommand(['GET', k])) as Buffer | null;
    },
    set: (k, v) => cluster.sendCommand(['SET', k, v]),
    pipelineGet: (keys) => {
      const p = cluster.pipeline();
      for (const k of keys) p.sendCommand(['GET', k]);
      return p.exec();
    },
    publish: (ch, m) => cluster.sendCommand(['PUBLISH', ch, m]),
    subscribe: (ch, onMessage) => sub.subscribe(ch, (ev) => { if ('message' in ev) onMessage(String(ev.message)); }),
    async close() {
      await sub.quit();
      cluster.disconnect();
      if (binReady) bin.disconnect();
    },
  };
}

async function openIoredisCluster(spec: DriverSpec, seed: NodeAddress): Promise<Driver> {
  const cmd = new Cluster([seed], { lazyConnect: true });
  await cmd.connect();
  let sub: Cluster | undefined;
  return {
    spec,
    ping: () => cmd.ping(),
    get: (k) => cmd.get(k),
    getBuffer: (k) => cmd.getBuffer(k),
    set: (k, v) => cmd.set(k, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
    pipelineGet: (keys) => {
      // ioredis Cluster pipelines must stay in one slot: one pipeline per slot, in parallel
      const bySlot = new Map<number, string[]>();
      for (const k of keys) {
        const s = keySlot(k);
        bySlot.set(s, [...(bySlot.get(s) ?? []), k]);
      }
      return Promise.all([...bySlot.values()].map((ks) => { const p = cmd.pipeline(); for (const k of ks) p.get(k); return p.exec(); }));
    },
    publish: (ch, m) => cmd.publish(ch, m),
    async subscribe(ch, onMessage) {
      sub = new Cluster([seed], { lazyConnect: true });
      await sub.connect();
      sub.on('message', (_c: string, m: string) => onMessage(m));
      await sub.subscribe(ch);
    },
    async close() {
      cmd.disconnect();
      sub?.disconnect();
    },
  };
}

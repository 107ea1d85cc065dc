// Cluster drivers: redis-shm's createCluster over shm (transport 'shm' to every node: fail
// rather than fall back) or over the socket, and ioredis's Cluster (socket) with its
// defaults (driver-ioredis-cluster.ts, imported on first use: ioredis is an optional peer).
// The same Driver interface as the single-server drivers, so the workloads are shared;
// `api: 'cluster'` in the spec marks them.
import { redisNodeAttach } from '../../adapters/node.js';
import { createCluster } from '../cluster/cluster.js';
import { createClusterSubscriber } from '../cluster/pubsub.js';
import type { NodeAddress } from '../cluster/topology.js';
import type { Driver, DriverSpec } from './driver.js';
import { importPeerDriver, PEER_PACKAGES } from './peers.js';

export const CLUSTER_SPECS: DriverSpec[] = [
  { client: 'redis-shm', transport: 'shm', api: 'cluster', adapter: null },
  { client: 'redis-shm', transport: 'shm', api: 'cluster', adapter: 'node' },
  { client: 'redis-shm', transport: 'tcp', api: 'cluster', adapter: null },
  { client: 'ioredis', transport: 'tcp', api: 'cluster', adapter: null },
];

export async function openClusterDriver(spec: DriverSpec, seed: NodeAddress): Promise<Driver> {
  if (spec.client === 'ioredis') {
    return (await importPeerDriver(PEER_PACKAGES.ioredis, () => import('./driver-ioredis-cluster.js'))).openIoredisCluster(spec, seed);
  }
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

// ioredis's Cluster (socket) with its defaults, for the cluster rows (driver-cluster.ts).
import { Cluster } from 'ioredis';
import { keySlot } from '../cluster/slot.js';
import type { NodeAddress } from '../cluster/topology.js';
import type { Driver, DriverSpec } from './driver.js';
import { ioredisDriver } from './driver-ioredis.js';

export async function openIoredisCluster(spec: DriverSpec, seed: NodeAddress): Promise<Driver> {
  const cmd = new Cluster([seed], { lazyConnect: true });
  await cmd.connect();
  return ioredisDriver(spec, cmd, () => new Cluster([seed], { lazyConnect: true }), (keys) => {
    // ioredis Cluster pipelines must stay in one slot: one pipeline per slot, in parallel
    const bySlot = new Map<number, string[]>();
    for (const k of keys) {
      const s = keySlot(k);
      bySlot.set(s, [...(bySlot.get(s) ?? []), k]);
    }
    return Promise.all([...bySlot.values()].map((ks) => { const p = cmd.pipeline(); for (const k of ks) p.get(k); return p.exec(); }));
  });
}

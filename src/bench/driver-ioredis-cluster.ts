// ioredis's Cluster (socket) with its defaults, for the cluster rows (driver-cluster.ts).
import { Cluster } from 'ioredis';
import { keySlot } from '../cluster/slot.js';
import type { NodeAddress } from '../cluster/topology.js';
import type { Driver, DriverSpec } from './driver.js';

export async function openIoredisCluster(spec: DriverSpec, seed: NodeAddress): Promise<Driver> {
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

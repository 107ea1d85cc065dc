// Cluster rows: 1000 concurrent GETs (keys over every shard) through each cluster driver,
// side by side. Drivers stay connected; each round runs every driver for one slice, in an
// order that changes round by round (roundOrder); the table gives the median and the worst round,
// and the shm/socket and shm/ioredis ratios per round (median and worst). Used by
// `redis-shm bench --cluster H:P` and scripts/bench-cluster.ts.
import { loadavg } from 'node:os';
import type { NodeAddress } from '../cluster/topology.js';
import { CLUSTER_SPECS, openClusterDriver } from './driver-cluster.js';
import { specLabel, type Driver } from './driver.js';
import { installHint, missingPeers, PEER_PACKAGES } from './peers.js';
import { median, ratioPerRound, roundOrder } from './rounds.js';
import { KEYS_1000 } from './workloads.js';

export interface ClusterBenchOptions {
  rounds: number;
  batches: number;
  /** Told "round r/N" as each round starts (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** Runs the rounds and returns the report as Markdown. */
export async function clusterBench(seed: NodeAddress, o: ClusterBenchOptions): Promise<string> {
  const drivers: Driver[] = [];
  const missing = await missingPeers(CLUSTER_SPECS);
  try {
    const specs = CLUSTER_SPECS.filter((s) => s.client === 'redis-shm' || !missing.includes(PEER_PACKAGES[s.client]));
    for (const s of specs) drivers.push(await openClusterDriver(s, seed));
    await Promise.all(KEYS_1000.map((k) => drivers[0]!.set(k, 'v')));
    const results = drivers.map(() => [] as number[]);
    const load0 = loadavg()[0]!;
    const slice = async (d: Driver): Promise<number> => {
      const t0 = performance.now();
      for (let b = 0; b < o.batches; b++) await Promise.all(KEYS_1000.map((k) => d.get(k)));
      return (o.batches * 1000) / ((performance.now() - t0) / 1000);
    };
    for (const d of drivers) await slice(d); // warm-up, not counted
    for (let r = 0; r < o.rounds; r++) {
      o.progress?.(`round ${r + 1}/${o.rounds}: 1000 concurrent GET, ${drivers.length} cluster drivers`);
      for (const i of roundOrder(drivers.length, r)) results[i]!.push(await slice(drivers[i]!));
    }
    const idx = (label: string): number => drivers.findIndex((d) => specLabel(d.spec) === label);
    const ratio = (a: number, b: number): string => {
      const per = ratioPerRound(results[a]!, results[b]!).filter((x): x is number => x !== null);
      return `median ${median(per).toFixed(2)}x, worst ${Math.min(...per).toFixed(2)}x`;
    };
    return [
      `${o.batches} x 1000 concurrent GET per slice (keys over every shard), ${o.rounds} alternating rounds; 1-min load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
      '',
      '| driver | median ops/s | worst ops/s | rounds (kops/s) |',
      '|---|---:|---:|---|',
      ...drivers.map((d, i) => `| ${specLabel(d.spec)} | ${Math.round(median(results[i]!))} | ${Math.round(Math.min(...results[i]!))} | ${results[i]!.map((x) => (x / 1000).toFixed(0)).join(' ')} |`),
      '',
      `shm / socket, createCluster (default adapter): ${ratio(idx('redis-shm shm cluster'), idx('redis-shm tcp cluster'))}`,
      `shm (node adapter) / socket, createCluster:    ${ratio(idx('redis-shm shm cluster node'), idx('redis-shm tcp cluster'))}`,
      idx('ioredis tcp cluster') >= 0
        ? `shm / ioredis Cluster:                         ${ratio(idx('redis-shm shm cluster'), idx('ioredis tcp cluster'))}`
        : `ioredis Cluster: not installed, no row (add it with: ${installHint(missing)})`,
      '',
    ].join('\n');
  } finally {
    for (const d of drivers) await d.close().catch(() => undefined);
  }
}

// Cluster throughput side by side (src/bench/driver-cluster-bench.ts): createCluster over
// shm and over the socket, and ioredis Cluster, 1000 concurrent GETs over every shard.
//
// Run:  npm run build:ts && node dist/scripts/bench-cluster.js [--rounds 10] [--batches 20] [--cluster H:P]
// Without --cluster it starts a 3-master cluster (no replicas) with the module on free ports.
import { startCluster } from '../src/cli/cluster-start.js';
import { parseAddress } from '../src/cluster/options.js';
import { clusterBench } from '../src/bench/driver-cluster-bench.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const given = arg('cluster');
const started = given ? undefined : await startCluster({ masters: 3, replicas: 0 });
try {
  const seed = given ? parseAddress(given) : { host: '127.0.0.1', port: started!.nodes[0]!.port };
  process.stdout.write(await clusterBench(seed, { rounds: Number(arg('rounds') ?? 10), batches: Number(arg('batches') ?? 20) }));
} finally {
  await started?.stop();
}

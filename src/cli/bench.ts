// `redis-shm bench`: redis-shm against ioredis and node-redis, one run, one server, N rounds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { benchCharts } from '../bench/charts.js';
import { benchMarkdown } from '../bench/markdown.js';
import { ALL_WORKLOADS, DEFAULT_THREADS, PROFILES, runBench } from '../bench/harness.js';
import type { BenchRow } from '../bench/rows.js';
import { DEFAULT_SPECS } from '../bench/specs.js';
import { benchTable } from '../bench/summary-table.js';
import { installHint, missingPeers, PEER_PACKAGES } from '../bench/peers.js';
import { RedisError } from '../errors.js';
import type { Io } from './io.js';
import { DEFAULT_CONDITIONS, DEFAULT_ROUNDS, parseBenchArgs } from './bench-options.js';
import { resolveTarget } from './target.js';
import { clusterBench } from '../bench/driver-cluster-bench.js';
import { parseAddress } from '../cluster/options.js';

export const BENCH_USAGE = `usage: redis-shm bench [--quick] [--rounds N] [--json FILE] [--chart-dir DIR] [--markdown FILE]
                      [--host H --port P | --socket PATH] [--conditions idle,loaded,busy]
                      [--only WORKLOADS] [--clients SUBSTRINGS] [--threads 2,4]
       redis-shm bench --cluster H:P [--quick] [--rounds N]
  Every client configuration against one server (the given one, or an embedded
  redis-server with the module), side by side in one process, for each host condition:
  idle; loaded (a niced busy loop per core); busy (one busy loop at normal priority, as
  when the application itself uses a core). Each condition runs N rounds; every round
  runs every workload for every configuration, in an order that changes from round to
  round. The tables give per cell the median round and the worst round, and shm/peer
  ratios taken round by round (median and worst). Progress goes to stderr.
  --rounds N       rounds per condition (default ${DEFAULT_ROUNDS.full}; --quick ${DEFAULT_ROUNDS.quick}; --cluster ${DEFAULT_ROUNDS.cluster}, with --quick ${DEFAULT_ROUNDS.clusterQuick})
  --quick          short runs (100 ms per configuration and workload; no 10 s idle window, no 100 MB values)
  --json FILE      write the rows (one per configuration, condition, round, workload) as a JSON array
  --chart-dir DIR  write SVG charts (median rounds)
  --markdown FILE  write the results as Markdown tables (for docs/benchmarks.md)
  --conditions L   host conditions, in order (default ${DEFAULT_CONDITIONS.join(',')})
  --only LIST      workload groups: ${ALL_WORKLOADS.join(',')}
  --clients LIST   keep configurations whose label contains one of these (e.g. ioredis,shm);
                   opt-in rows join only when named: 'spin-always' (the always-spinning policy;
                   run it on its own), 'main-thread' (serve: 'main')
  --threads LIST   load-generator thread counts, one get-N-threads row each (default ${DEFAULT_THREADS.join(',')})
  --cluster H:P    the cluster rows instead: 1000 concurrent GET over every shard through
                   createCluster over shm and over the socket, and ioredis Cluster, side by side
`;

export { DEFAULT_SPECS };

export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const a = parseBenchArgs(argv);
  if (a.help) { io.stdout.write(BENCH_USAGE); return 0; }
  if (a.cluster !== undefined) {
    const started = Date.now();
    io.stdout.write(await clusterBench(parseAddress(a.cluster), {
      rounds: a.rounds, batches: a.quick ? 5 : 20,
      progress: (l) => io.stderr.write(`bench --cluster: [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${l}\n`),
    }));
    return 0;
  }
  const rounds = a.rounds;
  // ioredis and redis are optional peers: run the rows of those that are installed.
  const missing = await missingPeers(a.specs);
  if (missing.length) {
    io.stderr.write(`bench: not installed: ${missing.join(', ')}; their rows are skipped (add them with: ${installHint(missing)})\n`);
  }
  const specs = a.specs.filter((s) => s.client === 'redis-shm' || !missing.includes(PEER_PACKAGES[s.client]));
  if (!specs.length) throw new RedisError('ERR_ARGUMENT', `every chosen configuration needs a missing package (${installHint(missing)})`);

  const target = await resolveTarget({ host: a.host, port: a.port, socket: a.socket });
  const started = Date.now();
  let rows: BenchRow[];
  try {
    io.stderr.write(`bench: ${target.describe}; ${rounds} round${rounds === 1 ? '' : 's'} x ${a.conditions.join(', ')}\n`);
    if (target.shmProblem) io.stderr.write(`bench: shm unavailable: ${target.shmProblem}\n`);
    rows = await runBench({
      specs, eps: { tcp: target.tcp, unix: target.unix }, serverPid: target.serverPid,
      profile: a.quick ? PROFILES.quick : PROFILES.full, conditions: a.conditions, workloads: a.workloads, threads: a.threads, rounds,
      progress: (l) => io.stderr.write(`bench: [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${l}\n`),
      signal: io.signal,
    });
  } finally {
    await target.close();
  }
  io.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (a.json) writeFileSync(a.json, JSON.stringify(rows, null, 2) + '\n');
  if (a.markdown) writeFileSync(a.markdown, benchMarkdown(rows));
  if (a.chartDir) {
    mkdirSync(a.chartDir, { recursive: true });
    const subtitle = `redis-shm bench${a.quick ? ' --quick' : ''}, median of ${rounds} round${rounds === 1 ? '' : 's'}, ${availableParallelism()} cores`;
    for (const [file, svg] of benchCharts(rows, subtitle)) writeFileSync(join(a.chartDir, file), svg);
  }
  io.stdout.write(benchTable(rows));
  return 0;
}



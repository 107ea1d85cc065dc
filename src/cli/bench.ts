// `redis-shm bench`: redis-shm against ioredis and node-redis, one run, one server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RedisError } from '../errors.js';
import { benchCharts } from '../bench/charts.js';
import { benchMarkdown } from '../bench/markdown.js';
import { specLabel, type DriverSpec } from '../bench/driver.js';
import { ALL_WORKLOADS, PROFILES, runBench, type WorkloadGroup } from '../bench/harness.js';
import type { BenchRow, Condition } from '../bench/rows.js';
import { formatTable, num } from '../bench/table.js';
import { installHint, missingPeers, PEER_PACKAGES } from '../bench/peers.js';
import type { Io } from './io.js';
import { intOption, numberOption } from './options.js';
import { resolveTarget } from './target.js';
import { clusterBench } from '../bench/driver-cluster-bench.js';
import { parseAddress } from '../cluster/options.js';

export const BENCH_USAGE = `usage: redis-shm bench [--quick] [--json FILE] [--chart-dir DIR] [--markdown FILE] [--host H --port P | --socket PATH]
                      [--conditions idle,loaded] [--only WORKLOADS] [--clients SUBSTRINGS] [--threads N]
       redis-shm bench --cluster H:P [--quick]
  Every client configuration against one server (the given one, or an embedded
  redis-server with the module), idle host then loaded host (a niced busy loop per core).
  --quick          under a minute (short runs; no 10 s idle window)
  --json FILE      write the rows as a JSON array
  --chart-dir DIR  write SVG charts
  --markdown FILE  write the results as Markdown tables (for docs/benchmarks.md)
  --only LIST      workload groups: ${ALL_WORKLOADS.join(',')}
  --clients LIST   keep configurations whose label contains one of these (e.g. ioredis,shm)
  --threads N      load-generator threads for get-N-threads (default: one per core)
  --cluster H:P    the cluster rows instead: 1000 concurrent GET over every shard through
                   createCluster over shm and over the socket, and ioredis Cluster, side by side
`;

/** Every configuration compared; those that cannot open (e.g. shm unavailable) are reported and skipped. */
export const DEFAULT_SPECS: DriverSpec[] = [
  { client: 'redis-shm', transport: 'shm', api: 'sync', adapter: null },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'node' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'busy-poll' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'poll' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'native' },
  { client: 'redis-shm', transport: 'shm', api: 'promise', adapter: 'busy-poll' },
  { client: 'redis-shm', transport: 'unix', api: 'sync', adapter: null },
  { client: 'redis-shm', transport: 'unix', api: 'async', adapter: 'node' },
  { client: 'redis-shm', transport: 'unix', api: 'promise', adapter: 'busy-poll' },
  { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null },
  { client: 'node-redis', transport: 'unix', api: 'promise', adapter: null },
  { client: 'node-redis', transport: 'unix', api: 'promise-timeout-off', adapter: null },
];

const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter(Boolean);

export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      quick: { type: 'boolean' }, json: { type: 'string' }, 'chart-dir': { type: 'string' }, markdown: { type: 'string' },
      host: { type: 'string' }, port: { type: 'string' }, socket: { type: 'string' },
      conditions: { type: 'string' }, only: { type: 'string' }, clients: { type: 'string' }, threads: { type: 'string' },
      cluster: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(BENCH_USAGE); return 0; }
  if (values.cluster !== undefined) {
    io.stdout.write(await clusterBench(parseAddress(values.cluster), values.quick ? { rounds: 4, batches: 5 } : { rounds: 10, batches: 20 }));
    return 0;
  }
  const conditions = (list(values.conditions) ?? ['idle', 'loaded']) as Condition[];
  for (const c of conditions) if (c !== 'idle' && c !== 'loaded') throw new RedisError('ERR_ARGUMENT', `--conditions: unknown condition ${JSON.stringify(c)}`);
  const workloads = (list(values.only) ?? [...ALL_WORKLOADS]) as WorkloadGroup[];
  for (const w of workloads) if (!(ALL_WORKLOADS as readonly string[]).includes(w)) throw new RedisError('ERR_ARGUMENT', `--only: unknown workload ${JSON.stringify(w)} (one of ${ALL_WORKLOADS.join(', ')})`);
  const clientFilter = list(values.clients);
  const chosen = DEFAULT_SPECS.filter((s) => !clientFilter || clientFilter.some((c) => specLabel(s).includes(c)));
  if (!chosen.length) throw new RedisError('ERR_ARGUMENT', `--clients ${values.clients} matches no configuration`);
  // ioredis and redis are optional peers: run the rows of those that are installed.
  const missing = await missingPeers(chosen);
  if (missing.length) {
    io.stderr.write(`bench: not installed: ${missing.join(', ')}; their rows are skipped (add them with: ${installHint(missing)})\n`);
  }
  const specs = chosen.filter((s) => s.client === 'redis-shm' || !missing.includes(PEER_PACKAGES[s.client]));
  if (!specs.length) throw new RedisError('ERR_ARGUMENT', `--clients ${values.clients}: every matching configuration needs a missing package (${installHint(missing)})`);
  const threads = Math.max(1, Math.round(numberOption(values.threads, 'threads', availableParallelism())));

  const target = await resolveTarget({ host: values.host, port: intOption(values.port, 'port'), socket: values.socket });
  const started = Date.now();
  let rows: BenchRow[];
  try {
    io.stderr.write(`bench: ${target.describe}\n`);
    if (target.shmProblem) io.stderr.write(`bench: shm unavailable: ${target.shmProblem}\n`);
    rows = await runBench({
      specs, eps: { tcp: target.tcp, unix: target.unix }, serverPid: target.serverPid,
      profile: values.quick ? PROFILES.quick : PROFILES.full, conditions, workloads, threads,
      progress: (l) => io.stderr.write(`bench: [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${l}\n`),
      signal: io.signal,
    });
  } finally {
    await target.close();
  }
  io.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
  if (values.markdown) writeFileSync(values.markdown, benchMarkdown(rows));
  if (values['chart-dir']) {
    mkdirSync(values['chart-dir'], { recursive: true });
    for (const [file, svg] of benchCharts(rows, `redis-shm bench${values.quick ? ' --quick' : ''}, ${availableParallelism()} cores`)) {
      writeFileSync(join(values['chart-dir'], file), svg);
    }
  }
  io.stdout.write(benchTable(rows));
  return 0;
}

export function benchTable(rows: BenchRow[]): string {
  return formatTable(['condition', 'workload', 'client', 'transport', 'api', 'adapter', 'p50_us', 'p99_us', 'ops/s', 'cpu%'],
    rows.map((r) => [r.condition, r.workload, r.client, r.transport, r.api, r.adapter, num(r.p50_us), num(r.p99_us), r.ops_per_sec === null ? '-' : String(r.ops_per_sec), num(r.cpu_pct)]));
}

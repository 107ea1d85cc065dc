// The benchmark's output: one flat row per (client configuration, host condition, round, workload).
import { specLabel, type ClientName, type DriverSpec, type TransportName } from './driver.js';

/** idle: nothing else runs. loaded: a nice-19 busy loop per core (cores never halt, anything
 *  else runs first). busy: one busy loop at normal priority (the application using a core). */
export const CONDITIONS = ['idle', 'loaded', 'busy'] as const;
export type Condition = typeof CONDITIONS[number];

export interface BenchRow {
  client: ClientName;
  transport: TransportName;
  api: string | null;
  adapter: string | null;
  condition: Condition;
  /** 1..N: the round of `redis-shm bench --rounds N` that measured the row. */
  round: number;
  /** ping-seq, get-seq, set-seq, get-1000-concurrent, get-pipeline-100, pubsub-delivery,
   *  burst-1ms, burst-10x10ms,
   *  value-1kb, value-1mb, value-100mb, get-<N>-threads, first-after-idle, idle-cpu-1s,
   *  idle-cpu-10s, idle-cpu-1s-server, idle-cpu-10s-server. */
  workload: string;
  p50_us: number | null;
  p99_us: number | null;
  ops_per_sec: number | null;
  cpu_pct: number | null;
}

export const ROW_KEYS = ['client', 'transport', 'api', 'adapter', 'condition', 'round', 'workload', 'p50_us', 'p99_us', 'ops_per_sec', 'cpu_pct'] as const;

const r1 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);

// Whole operations per second, but two decimals for slow ones (100 MB values: ~1/s).
const ops = (x: number | null | undefined): number | null =>
  (x === null || x === undefined || !Number.isFinite(x) ? null : x >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

export function makeRow(spec: DriverSpec, condition: Condition, workload: string, m: { p50?: number | null; p99?: number | null; ops?: number | null; cpu?: number | null }, round = 1): BenchRow {
  return {
    client: spec.client, transport: spec.transport, api: spec.api, adapter: spec.adapter, condition, round, workload,
    p50_us: r1(m.p50), p99_us: r1(m.p99), ops_per_sec: ops(m.ops),
    cpu_pct: r1(m.cpu),
  };
}

/** The configuration a row measured, labelled as specLabel() labels its spec. */
export function rowLabel(r: BenchRow): string {
  return specLabel({ client: r.client, transport: r.transport, api: r.api ?? '', adapter: r.adapter });
}

/** The get-<N>-threads workloads present in `rows`, in order of appearance. */
export function threadWorkloads(rows: BenchRow[]): string[] {
  return [...new Set(rows.map((r) => r.workload).filter((w) => /^get-\d+-threads$/.test(w)))];
}

// The benchmark run: every client configuration against the same server, in one
// process, for each host condition (idle, loaded, busy) N rounds, each round every workload
// for every configuration, the configurations' order changing from round to round
// (rounds.ts). Returns rows, each with its round.
import { BURST_SHAPES } from './burst.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { specLabel } from './driver.js';
import { openDriver } from './drivers.js';
import { startCondition } from './host-load.js';
import { measureCpu } from './proc-cpu.js';
import { rawCommand, type Endpoint } from './raw-ping.js';
import { roundOrder } from './rounds.js';
import { makeRow, type BenchRow, type Condition } from './rows.js';
import { Samples, usSince } from './stats.js';
import { LoadThreads } from './threads.js';
import { batched, burst, counted, KEY, KEYS_1000, msg, pubsubOps, sequential, valueOp, type Measured } from './workloads.js';

export interface Profile {
  /** Per driver, per latency workload. */
  seqMs: number;
  /** Per driver, per throughput workload. */
  tputMs: number;
  /** SET+GET pairs of the 100 MB value per driver and round (0: skip the workload). */
  count100mb: number;
  /** 1 s idle gaps per driver and round, each followed by one timed GET. */
  idleReps: number;
  /** Also measure 10 s of idleness. */
  idle10s: boolean;
  /** Run value-100mb on the loaded and busy hosts too (the slowest workload; off in --quick). */
  loaded100mb: boolean;
  /** Run first-after-idle and idle-cpu on the loaded and busy hosts too (off in --quick). */
  loadedIdle: boolean;
}

export const PROFILES: Record<'full' | 'quick', Profile> = {
  // Per round: `--rounds 3` (the default) gives every configuration 3 s per latency workload in all.
  full: { seqMs: 1000, tputMs: 750, count100mb: 1, idleReps: 1, idle10s: true, loaded100mb: true, loadedIdle: true },
  quick: { seqMs: 100, tputMs: 100, count100mb: 0, idleReps: 1, idle10s: false, loaded100mb: false, loadedIdle: false },
};

export const ALL_WORKLOADS = ['ping-seq', 'get-seq', 'set-seq', 'burst', 'get-1000-concurrent', 'get-pipeline-100', 'get-threads',
  'pubsub-delivery', 'value-1kb', 'value-1mb', 'value-100mb', 'first-after-idle', 'idle-cpu'] as const;
export type WorkloadGroup = typeof ALL_WORKLOADS[number];

/** Load-generator threads of the get-N-threads rows, by default. */
export const DEFAULT_THREADS = [2, 4] as const;

export interface BenchOptions {
  specs: DriverSpec[];
  eps: Endpoints;
  /** redis-server's pid, for its CPU%; null if unknown. */
  serverPid: number | null;
  profile: Profile;
  conditions: Condition[];
  workloads: readonly WorkloadGroup[];
  /** Rounds per condition (default 1): each runs every workload for every configuration. */
  rounds?: number;
  /** Load-generator thread counts, one get-N-threads row each (default DEFAULT_THREADS). */
  threads?: readonly number[];
  progress: (line: string) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What one round needs besides the options. */
interface RoundCtx {
  condition: Condition;
  round: number;
  rounds: number;
  pools: LoadThreads[];
  ep: Endpoint;
  want: (w: WorkloadGroup) => boolean;
  /** Configurations already reported unavailable, and failure lines already printed
   *  (each said once per run, not once per round). */
  reported: Set<string>;
}

export async function runBench(o: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const want = (w: WorkloadGroup): boolean => o.workloads.includes(w) && !o.signal?.aborted;
  const ep = o.eps.unix ?? o.eps.tcp!;
  await rawCommand(ep, ['SET', KEY, 'bench-value']);
  await rawCommand(ep, ['MSET', ...KEYS_1000.flatMap((k) => [k, 'v'])]);

  const rounds = Math.max(1, o.rounds ?? 1);
  // One pool per thread count for the whole run: worker start-up is not part of any measurement.
  const pools = want('get-threads') ? [...new Set(o.threads ?? DEFAULT_THREADS)].map((n) => new LoadThreads(n)) : [];
  const reported = new Set<string>();
  try {
    for (const condition of o.conditions) {
      if (o.signal?.aborted) break;
      const load = await startCondition(condition);
      if (load) o.progress(`${condition}: ${load.describe}`);
      try {
        for (let round = 1; round <= rounds && !o.signal?.aborted; round++) {
          rows.push(...await runRound(o, { condition, round, rounds, pools, ep, want, reported }));
        }
      } finally {
        await load?.load.stop();
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return rows;
}

/** Every workload for every configuration, once, in this round's order; rows in the order of o.specs. */
async function runRound(o: BenchOptions, c: RoundCtx): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { condition, round, want } = c;
  const rank = (spec: DriverSpec): number => o.specs.indexOf(spec);
  const ordered = roundOrder(o.specs.length, round - 1).map((i) => o.specs[i]!);
  const record = (specs: DriverSpec[], workload: string, ms: Measured[]): void => {
    const got = ms.map((m, i) => ({ spec: specs[i]!, m })).sort((a, b) => rank(a.spec) - rank(b.spec));
    for (const { spec, m } of got) {
      rows.push(makeRow(spec, condition, workload, m, round));
      const line = `  ${specLabel(spec)}: ${workload} failed: ${m.error}`;
      if (m.error && !c.reported.has(line)) { c.reported.add(line); o.progress(line); }
    }
  };
  const step = (w: string): void => o.progress(`round ${round}/${c.rounds} ${condition}: ${w}`);
  const unavailable = (spec: DriverSpec, err: unknown): void => {
    if (c.reported.has(specLabel(spec))) return;
    c.reported.add(specLabel(spec));
    o.progress(`  ${specLabel(spec)}: unavailable: ${msg(err)}`);
  };
  const onLoadedHost = condition !== 'idle';

  // Workloads with every client connected at once, interleaved.
  const drivers: Driver[] = [];
  for (const spec of ordered) {
    try { drivers.push(await openDriver(spec, o.eps)); } catch (err) { unavailable(spec, err); }
  }
  const specs = drivers.map((d) => d.spec);
  try {
    // Warm-up, not recorded: JIT, connection buffers, the shm spinner thread. At least 300 ms
    // per driver: V8 compiles on background threads for the first ~10k commands of a process,
    // and on 2 cores those threads take the core a spinning peer needs (sequential GET over
    // shm: ~30 us p50 during that phase, ~3-6 us after it; 13 us throughout with --no-opt).
    step('warm-up');
    await sequential(drivers, (d) => d.get(KEY), Math.max(300, o.profile.seqMs / 4));
    await batched(drivers, (d) => d.pipelineGet(KEYS_1000.slice(0, 100)), 100, Math.max(20, o.profile.tputMs / 10));
    if (want('ping-seq')) { step('ping-seq'); record(specs, 'ping-seq', await sequential(drivers, (d) => d.ping(), o.profile.seqMs)); }
    if (want('get-seq')) { step('get-seq'); record(specs, 'get-seq', await sequential(drivers, (d) => d.get(KEY), o.profile.seqMs)); }
    if (want('set-seq')) { step('set-seq'); record(specs, 'set-seq', await sequential(drivers, (d) => d.set(KEY, 'bench-value'), o.profile.seqMs)); }
    if (want('burst')) {
      for (const shape of BURST_SHAPES) {
        if (o.signal?.aborted) break;
        step(shape.name);
        record(specs, shape.name, await burst(drivers, shape, o.profile.seqMs));
      }
    }
    if (want('get-1000-concurrent')) {
      step('get-1000-concurrent');
      record(specs, 'get-1000-concurrent', await batched(drivers, (d) => Promise.all(KEYS_1000.map((k) => d.get(k))), 1000, o.profile.tputMs));
    }
    if (want('get-pipeline-100')) {
      step('get-pipeline-100');
      const keys = KEYS_1000.slice(0, 100);
      record(specs, 'get-pipeline-100', await batched(drivers, (d) => d.pipelineGet(keys), 100, o.profile.tputMs));
    }
    if (want('pubsub-delivery')) {
      step('pubsub-delivery');
      const ops = await pubsubOps(drivers);
      const able = drivers.filter((_, i) => !(ops[i] instanceof Error));
      const measured = await sequential(able, (d) => (ops[drivers.indexOf(d)] as (d: Driver) => Promise<unknown>)(d), o.profile.seqMs);
      record(specs, 'pubsub-delivery', drivers.map((d, i) => {
        const op = ops[i];
        return op instanceof Error ? { p50: null, p99: null, ops: null, error: op.message } : measured[able.indexOf(d)]!;
      }));
    }
    for (const [w, bytes] of [['value-1kb', 1024], ['value-1mb', 1 << 20]] as const) {
      if (!want(w)) continue;
      step(w);
      record(specs, w, await sequential(drivers, valueOp(bytes).op, o.profile.seqMs, 100));
    }
    if (want('value-100mb') && o.profile.count100mb > 0 && (!onLoadedHost || o.profile.loaded100mb)) {
      step('value-100mb');
      record(specs, 'value-100mb', await counted(drivers, valueOp(100 << 20).op, o.profile.count100mb));
      await rawCommand(c.ep, ['DEL', `bench:value:${100 << 20}`]);
    }
  } finally {
    await Promise.all(drivers.map((d) => d.close().catch(() => {})));
  }

  if (want('get-threads')) {
    for (const pool of c.pools) {
      const w = `get-${pool.threads}-threads`;
      step(w);
      const ms: Measured[] = [];
      for (const spec of specs) {
        if (o.signal?.aborted) break;
        try {
          const r = await pool.run(spec, o.eps, o.profile.tputMs, 50);
          ms.push({ p50: null, p99: null, ops: r.ops, ...(r.error ? { error: r.error } : {}) });
        } catch (err) { ms.push({ p50: null, p99: null, ops: null, error: msg(err) }); }
      }
      record(specs.slice(0, ms.length), w, ms);
    }
  }

  // Idleness: one client connected at a time, so the CPU figures are its own.
  if ((want('first-after-idle') || want('idle-cpu')) && (!onLoadedHost || o.profile.loadedIdle)) {
    const idle: Array<{ spec: DriverSpec; rows: BenchRow[] }> = [];
    for (const spec of specs) {
      if (o.signal?.aborted) break;
      step(`first-after-idle, idle-cpu: ${specLabel(spec)}`);
      idle.push({ spec, rows: await idleRows(spec, condition, round, o) });
    }
    for (const x of idle.sort((a, b) => rank(a.spec) - rank(b.spec))) rows.push(...x.rows);
  }
  return rows;
}

async function idleRows(spec: DriverSpec, condition: Condition, round: number, o: BenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let d: Driver;
  try { d = await openDriver(spec, o.eps); } catch (err) { o.progress(`  ${specLabel(spec)}: unavailable: ${msg(err)}`); return rows; }
  try {
    const first = new Samples();
    const cpu1 = { self: [] as number[], server: [] as number[] };
    const timedGet = async (): Promise<number> => { const t0 = process.hrtime.bigint(); await d.get(KEY); return usSince(t0); };
    await timedGet();
    for (let i = 0; i < o.profile.idleReps && !o.signal?.aborted; i++) {
      const c = await measureCpu(o.serverPid, () => sleep(1000));
      cpu1.self.push(c.self);
      if (c.other !== null) cpu1.server.push(c.other);
      first.add(await timedGet());
    }
    const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    if (o.workloads.includes('first-after-idle') && first.count) {
      const s = first.summary();
      rows.push(makeRow(spec, condition, 'first-after-idle', { p50: s.p50, p99: s.p99 }, round));
    }
    if (o.workloads.includes('idle-cpu')) {
      rows.push(makeRow(spec, condition, 'idle-cpu-1s', { cpu: mean(cpu1.self) }, round));
      rows.push(makeRow(spec, condition, 'idle-cpu-1s-server', { cpu: mean(cpu1.server) }, round));
      if (o.profile.idle10s && !o.signal?.aborted) {
        await timedGet();
        const c = await measureCpu(o.serverPid, () => sleep(10_000));
        rows.push(makeRow(spec, condition, 'idle-cpu-10s', { cpu: c.self }, round));
        rows.push(makeRow(spec, condition, 'idle-cpu-10s-server', { cpu: c.other }, round));
      }
    }
  } catch (err) {
    o.progress(`  ${specLabel(spec)}: idle workloads failed: ${msg(err)}`);
  } finally {
    await d.close().catch(() => {});
  }
  return rows;
}

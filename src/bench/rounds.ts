// Rounds: `redis-shm bench --rounds N` measures every configuration N times, side by side,
// and reports per cell the median round and the worst round (never the best), and for
// shm against its peers the ratio taken round by round (both measured in the same round,
// under the same host noise), again as median and worst. Pure functions over the rows.
import { rowLabel, type BenchRow } from './rows.js';

export type Field = 'p50_us' | 'p99_us' | 'ops_per_sec' | 'cpu_pct';

/** Lower is better for latency and CPU; higher for throughput. */
export const lowerIsBetter = (f: Field): boolean => f !== 'ops_per_sec';

/** The median (mean of the two middle values for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface RoundStat {
  median: number;
  worst: number;
  /** Rounds that gave a value, of `of` rounds. */
  rounds: number;
  of: number;
}

/** Median and worst over the rounds that gave a value (null: that round failed); null if none did. */
export function aggregate(values: ReadonlyArray<number | null>, lower: boolean): RoundStat | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!xs.length) return null;
  return { median: median(xs), worst: lower ? Math.max(...xs) : Math.min(...xs), rounds: xs.length, of: values.length };
}

/** a / b round by round; null where either is missing or b is 0. */
export function ratioPerRound(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): Array<number | null> {
  return a.map((x, i) => {
    const y = b[i];
    return x === null || y === null || y === undefined || y === 0 ? null : x / y;
  });
}

/** The order of the configurations in round `r` (0-based): rotated so that configuration
 *  r mod n goes first, and walked forwards in even rounds and backwards in odd ones, so that
 *  no configuration always goes first nor always follows the same neighbour. */
export function roundOrder(n: number, r: number): number[] {
  const first = ((r % n) + n) % n;
  return Array.from({ length: n }, (_, k) => (r % 2 === 0 ? (first + k) % n : (first - k + n) % n));
}

/** The round numbers present in `rows`, ascending. */
export function roundsOf(rows: readonly BenchRow[]): number[] {
  return [...new Set(rows.map((r) => r.round))].sort((a, b) => a - b);
}

/** One cell's values, one per round in `rounds` (null where that round has no value). */
export function cellValues(rows: readonly BenchRow[], rounds: readonly number[], workload: string, label: string, field: Field): Array<number | null> {
  return rounds.map((round) => rows.find((r) => r.round === round && r.workload === workload && rowLabel(r) === label)?.[field] ?? null);
}

/** One row per (condition, workload, configuration) holding the median round of every field
 *  (round 0), in order of first appearance: what the charts draw. */
export function medianRows(rows: readonly BenchRow[]): BenchRow[] {
  const out: BenchRow[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.condition}\t${r.workload}\t${rowLabel(r)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mine = rows.filter((x) => x.condition === r.condition);
    const rounds = roundsOf(mine);
    const med = (f: Field): number | null => aggregate(cellValues(mine, rounds, r.workload, rowLabel(r), f), lowerIsBetter(f))?.median ?? null;
    out.push({ ...r, round: 0, p50_us: med('p50_us'), p99_us: med('p99_us'), ops_per_sec: med('ops_per_sec'), cpu_pct: med('cpu_pct') });
  }
  return out;
}

export interface RatioPair { shm: string; peer: string }

/** The comparisons shm/peer among the configurations present: every shm configuration
 *  against the same client, API and adapter over the socket (unix, else tcp), and against
 *  ioredis (promise API, unix else tcp). */
export function ratioPairs(rows: readonly BenchRow[]): RatioPair[] {
  const configs = new Map<string, BenchRow>();
  for (const r of rows) if (!configs.has(rowLabel(r))) configs.set(rowLabel(r), r);
  const all = [...configs.values()];
  const find = (pred: (c: BenchRow) => boolean): BenchRow | undefined =>
    all.find((c) => pred(c) && c.transport === 'unix') ?? all.find((c) => pred(c) && c.transport === 'tcp');
  const pairs: RatioPair[] = [];
  for (const s of all.filter((c) => c.transport === 'shm')) {
    const twin = find((c) => c.client === s.client && c.api === s.api && c.adapter === s.adapter);
    const ioredis = find((c) => c.client === 'ioredis' && c.api === 'promise');
    for (const p of [twin, ioredis]) if (p && !pairs.some((x) => x.shm === rowLabel(s) && x.peer === rowLabel(p))) pairs.push({ shm: rowLabel(s), peer: rowLabel(p) });
  }
  return pairs;
}

/** The per-round ratio shm/peer of one field in one workload, as median and worst. */
export function pairRatio(rows: readonly BenchRow[], rounds: readonly number[], workload: string, pair: RatioPair, field: Field): RoundStat | null {
  return aggregate(ratioPerRound(cellValues(rows, rounds, workload, pair.shm, field), cellValues(rows, rounds, workload, pair.peer, field)), lowerIsBetter(field));
}

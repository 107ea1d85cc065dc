// The bench rows as the plain-text tables `redis-shm bench` prints: one line per
// (condition, workload, configuration) with the median and the worst round of each figure,
// then one line per (condition, workload, shm/peer pair) with the per-round ratios.
import { CPU_WORKLOADS, LATENCY_WORKLOADS, throughputWorkloads } from './markdown.js';
import { aggregate, cellValues, lowerIsBetter, pairRatio, ratioPairs, roundsOf, type Field, type RoundStat } from './rounds.js';
import { rowLabel, type BenchRow } from './rows.js';
import { formatTable, num, type Cell } from './table.js';

const FIELDS: Field[] = ['p50_us', 'p99_us', 'ops_per_sec', 'cpu_pct'];
const pair = (s: RoundStat | null, digits: number): Cell[] => (s ? [num(s.median, digits), num(s.worst, digits)] : ['-', '-']);
const digitsOf = (f: Field): number => (f === 'ops_per_sec' ? 0 : 1);

export function benchTable(rows: BenchRow[]): string {
  const lines: Cell[][] = [];
  const ratios: Cell[][] = [];
  for (const condition of [...new Set(rows.map((r) => r.condition))]) {
    const mine = rows.filter((r) => r.condition === condition);
    const rounds = roundsOf(mine);
    const pairs = ratioPairs(mine);
    for (const w of [...new Set(mine.map((r) => r.workload))]) {
      const here = mine.filter((r) => r.workload === w);
      for (const label of [...new Set(here.map(rowLabel))]) {
        const stats = FIELDS.map((f) => aggregate(cellValues(mine, rounds, w, label, f), lowerIsBetter(f)));
        const n = Math.max(0, ...stats.map((s) => s?.rounds ?? 0));
        lines.push([condition, w, label, `${n}/${rounds.length}`, ...stats.flatMap((s, i) => pair(s, digitsOf(FIELDS[i]!)))]);
      }
      const fields: Field[] = LATENCY_WORKLOADS.includes(w) ? ['p50_us', 'p99_us'] : throughputWorkloads(mine).includes(w) ? ['ops_per_sec'] : CPU_WORKLOADS.includes(w) ? [] : ['p50_us', 'p99_us', 'ops_per_sec'];
      for (const p of pairs) {
        const rs = (['p50_us', 'p99_us', 'ops_per_sec'] as Field[]).map((f) => (fields.includes(f) ? pairRatio(mine, rounds, w, p, f) : null));
        if (rs.every((r) => r === null)) continue;
        ratios.push([condition, w, p.shm, p.peer, ...rs.flatMap((s) => pair(s, 2))]);
      }
    }
  }
  const main = formatTable(['condition', 'workload', 'configuration', 'rounds', 'p50_us', 'worst', 'p99_us', 'worst', 'ops/s', 'worst', 'cpu%', 'worst'], lines);
  if (!ratios.length) return main;
  return `${main}\nshm / peer, ratio per round (median, worst):\n${formatTable(['condition', 'workload', 'shm', 'peer', 'p50', 'worst', 'p99', 'worst', 'ops/s', 'worst'], ratios)}`;
}

// The bench rows as Markdown tables for docs/benchmarks.md: per host condition, one table
// each for latency p50, latency p99, throughput and idle CPU, a row per client
// configuration, each cell the median round and (in parentheses) the worst round; then the
// shm/peer ratios taken round by round, as median (worst).
import { aggregate, cellValues, lowerIsBetter, pairRatio, ratioPairs, roundsOf, type Field, type RatioPair, type RoundStat } from './rounds.js';
import { rowLabel, threadWorkloads, type BenchRow } from './rows.js';
import { formatValue } from './svg.js';

export const LATENCY_WORKLOADS = ['ping-seq', 'get-seq', 'set-seq', 'burst-1ms', 'burst-10x10ms', 'pubsub-delivery', 'value-1kb', 'value-1mb', 'value-100mb', 'first-after-idle'];
export const CPU_WORKLOADS = ['idle-cpu-1s', 'idle-cpu-10s', 'idle-cpu-1s-server', 'idle-cpu-10s-server'];
export const throughputWorkloads = (rows: BenchRow[]): string[] => ['get-1000-concurrent', 'get-pipeline-100', ...threadWorkloads(rows)];

/** "median (worst)", "n/a" when no round gave a value, "[k/N]" after it when only k of N did. */
export function statCell(s: RoundStat | null, fmt: (v: number) => string): string {
  if (!s) return 'n/a';
  const partial = s.rounds < s.of ? ` [${s.rounds}/${s.of}]` : '';
  return (s.of === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.worst)})`) + partial;
}

export const ratioText = (v: number): string => `${+v.toPrecision(2)}x`;
const cpuText = (v: number): string => v.toFixed(1);

function grid(rowNames: string[], workloads: string[], cell: (row: string, w: string) => string | null): string {
  const lines = [
    `| configuration | ${workloads.join(' | ')} |`,
    `|---|${workloads.map(() => '---:').join('|')}|`,
    ...rowNames.map((n) => `| ${n} | ${workloads.map((w) => cell(n, w) ?? '').join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

function table(rows: BenchRow[], rounds: number[], workloads: string[], field: Field, fmt: (v: number) => string): string {
  const present = workloads.filter((w) => rows.some((r) => r.workload === w));
  if (!present.length) return '';
  const labels = [...new Set(rows.map(rowLabel))];
  return grid(labels, present, (l, w) => (rows.some((r) => r.workload === w && rowLabel(r) === l)
    ? statCell(aggregate(cellValues(rows, rounds, w, l, field), lowerIsBetter(field)), fmt)
    : null));
}

function ratioTable(rows: BenchRow[], rounds: number[], pairs: RatioPair[], workloads: string[], field: Field): string {
  const has = (label: string, w: string): boolean => rows.some((r) => r.workload === w && rowLabel(r) === label && r[field] !== null);
  const present = workloads.filter((w) => pairs.some((p) => has(p.shm, w) && has(p.peer, w)));
  const used = pairs.filter((p) => present.some((w) => has(p.shm, w) && has(p.peer, w)));
  if (!present.length) return '';
  const byName = new Map(used.map((p) => [`${p.shm} / ${p.peer}`, p]));
  return grid([...byName.keys()], present, (n, w) => {
    const p = byName.get(n)!;
    return has(p.shm, w) && has(p.peer, w) ? statCell(pairRatio(rows, rounds, w, p, field), ratioText) : null;
  });
}

export function benchMarkdown(rows: BenchRow[]): string {
  const out: string[] = [];
  for (const condition of [...new Set(rows.map((r) => r.condition))]) {
    const mine = rows.filter((r) => r.condition === condition);
    const rounds = roundsOf(mine);
    const of = rounds.length === 1 ? '1 round' : `median (worst) of ${rounds.length} rounds`;
    const pairs = ratioPairs(mine);
    const tput = throughputWorkloads(mine);
    const parts: Array<[string, string]> = [
      [`Latency p50, microseconds, ${of}`, table(mine, rounds, LATENCY_WORKLOADS, 'p50_us', formatValue)],
      [`Latency p99, microseconds, ${of}`, table(mine, rounds, LATENCY_WORKLOADS, 'p99_us', formatValue)],
      [`Throughput, commands/s, ${of}`, table(mine, rounds, tput, 'ops_per_sec', formatValue)],
      [`CPU while idle, % of one core (client process; \`-server\`: redis-server), ${of}`, table(mine, rounds, CPU_WORKLOADS, 'cpu_pct', cpuText)],
      [`shm / peer, p50 ratio per round (below 1: shm faster), ${of}`, ratioTable(mine, rounds, pairs, LATENCY_WORKLOADS, 'p50_us')],
      [`shm / peer, p99 ratio per round (below 1: shm faster), ${of}`, ratioTable(mine, rounds, pairs, LATENCY_WORKLOADS, 'p99_us')],
      [`shm / peer, throughput ratio per round (above 1: shm faster), ${of}`, ratioTable(mine, rounds, pairs, tput, 'ops_per_sec')],
    ];
    for (const [title, t] of parts) if (t) out.push(`#### ${condition} host: ${title}\n\n${t}`);
  }
  return out.join('\n');
}

// The bench rows as Markdown tables for docs/benchmarks.md: per host condition, one table
// each for latency (p50 / p99), throughput and idle CPU, a row per client configuration.
import { rowLabel, threadWorkloads, type BenchRow } from './rows.js';
import { formatValue } from './svg.js';

const LATENCY = ['ping-seq', 'get-seq', 'set-seq', 'pubsub-delivery', 'value-1kb', 'value-1mb', 'value-100mb', 'first-after-idle'];
const CPU = ['idle-cpu-1s', 'idle-cpu-10s', 'idle-cpu-1s-server', 'idle-cpu-10s-server'];

const us = (v: number | null): string => (v === null ? '-' : formatValue(v));

function table(rows: BenchRow[], workloads: string[], cell: (r: BenchRow) => string): string {
  const present = workloads.filter((w) => rows.some((r) => r.workload === w));
  if (!present.length) return '';
  const labels = [...new Set(rows.map(rowLabel))];
  const lines = [
    `| configuration | ${present.join(' | ')} |`,
    `|---|${present.map(() => '---:').join('|')}|`,
    ...labels.map((l) => `| ${l} | ${present.map((w) => {
      const r = rows.find((x) => x.workload === w && rowLabel(x) === l);
      return r ? cell(r) : '';
    }).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

export function benchMarkdown(rows: BenchRow[]): string {
  const out: string[] = [];
  for (const condition of [...new Set(rows.map((r) => r.condition))]) {
    const mine = rows.filter((r) => r.condition === condition);
    const parts: Array<[string, string]> = [
      ['Latency, microseconds, p50 / p99', table(mine, LATENCY, (r) => (r.p50_us === null ? 'n/a' : `${us(r.p50_us)} / ${us(r.p99_us)}`))],
      ['Throughput, commands/s', table(mine, ['get-1000-concurrent', 'get-pipeline-100', ...threadWorkloads(mine)], (r) => (r.ops_per_sec === null ? 'n/a' : formatValue(r.ops_per_sec)))],
      ['CPU while idle, % of one core (client process; `-server`: redis-server)', table(mine, CPU, (r) => (r.cpu_pct === null ? 'n/a' : r.cpu_pct.toFixed(1)))],
    ];
    for (const [title, t] of parts) if (t) out.push(`#### ${condition} host: ${title}\n\n${t}`);
  }
  return out.join('\n');
}

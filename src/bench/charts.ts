// The benchmark's SVG charts, built from its rows: one chart per question, per host
// condition, one bar series per client configuration; each bar is the median round.
import { medianRows } from './rounds.js';
import { rowLabel, threadWorkloads, type BenchRow, type Condition } from './rows.js';
import { barChartSvg } from './svg.js';

interface ChartDef {
  file: string;
  title: string;
  unit: string;
  /** Which workloads (categories) and which row field. */
  workloads: (rows: BenchRow[]) => string[];
  field: 'p50_us' | 'p99_us' | 'ops_per_sec' | 'cpu_pct';
}

const fixed = (ws: string[]) => () => ws;
const SEQ = ['ping-seq', 'get-seq', 'set-seq', 'burst-1ms', 'burst-10x10ms', 'pubsub-delivery', 'value-1kb'];

export const CHARTS: ChartDef[] = [
  { file: 'latency-p50', title: 'Sequential latency, p50 (lower is better)', unit: 'microseconds', workloads: fixed(SEQ), field: 'p50_us' },
  { file: 'latency-p99', title: 'Sequential latency, p99 (lower is better)', unit: 'microseconds', workloads: fixed(SEQ), field: 'p99_us' },
  {
    file: 'throughput', title: 'GET throughput (higher is better)', unit: 'commands/s', field: 'ops_per_sec',
    workloads: (rows) => ['get-1000-concurrent', 'get-pipeline-100', ...threadWorkloads(rows)],
  },
  { file: 'first-after-idle', title: 'First command after 1 s idle, p50 (lower is better)', unit: 'microseconds', workloads: fixed(['first-after-idle']), field: 'p50_us' },
  // One chart per size: on a shared axis the 1 MB bars would vanish next to 100 MB.
  { file: 'value-1mb', title: 'SET+GET of a 1 MB value, p50 (lower is better)', unit: 'microseconds', workloads: fixed(['value-1mb']), field: 'p50_us' },
  { file: 'value-100mb', title: 'SET+GET of a 100 MB value, p50 (lower is better)', unit: 'microseconds', workloads: fixed(['value-100mb']), field: 'p50_us' },
  { file: 'idle-cpu', title: 'CPU while idle (lower is better)', unit: '% of one core', workloads: fixed(['idle-cpu-1s', 'idle-cpu-10s', 'idle-cpu-1s-server', 'idle-cpu-10s-server']), field: 'cpu_pct' },
];

/** file name -> SVG text, for every chart that has data. */
export function benchCharts(allRounds: BenchRow[], subtitle: string): Map<string, string> {
  const out = new Map<string, string>();
  const rows = medianRows(allRounds);
  const conditions = [...new Set(rows.map((r) => r.condition))] as Condition[];
  for (const condition of conditions) {
    const mine = rows.filter((r) => r.condition === condition);
    const labels = [...new Set(mine.map(rowLabel))];
    for (const c of CHARTS) {
      const workloads = c.workloads(mine).filter((w) => mine.some((r) => r.workload === w && r[c.field] !== null));
      if (!workloads.length) continue;
      const series = labels.map((label) => ({
        name: label,
        values: workloads.map((w) => {
          const r = mine.find((x) => x.workload === w && rowLabel(x) === label);
          return r ? r[c.field] : null;
        }),
      }));
      out.set(`${c.file}-${condition}.svg`, barChartSvg({
        title: `${c.title}, ${condition} host`, subtitle, unit: c.unit, categories: workloads, series,
        width: Math.max(720, 110 * workloads.length * Math.max(1, labels.length) / 2), height: 440,
      }));
    }
  }
  return out;
}

// `redis-shm latency`: like redis-cli --latency / --latency-history, but PING round trips
// on TCP, the Unix socket and shm side by side against one server, interleaved in slices.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runInterleaved, type ProbeSlot } from '../bench/interleave.js';
import { closeProbers, openProbers } from '../bench/probers.js';
import { barChartSvg } from '../bench/svg.js';
import { formatTable, num, type Cell } from '../bench/table.js';
import type { Summary } from '../bench/stats.js';
import type { Io } from './io.js';
import { fmt, resolveTarget, type Target } from './target.js';
import { clusterTarget } from './cluster.js';
import { RedisError } from '../errors.js';
import { intOption, numberOption } from './options.js';

export const LATENCY_USAGE = `usage: redis-shm latency [--host H --port P | --socket PATH | --cluster H:P] [--duration S] [--history [--interval S]]
                        [--chart FILE] [--json] [--raw] [--transports LIST]
                        [--api async|sync|promise] [--adapter node|busy-poll|poll] [--slice-ms MS]
  Sequential PING round trips on tcp, unix and shm against the same server (the given one,
  or an embedded redis-server with the module), interleaved round-robin in short slices.
  By default each transport is driven the fastest way Node can, as redis-cli --latency
  drives each with a blocking client: shm with redis-shm's blocking sync API, tcp and unix
  with a bare RESP PING loop over net (Node cannot block on a socket). With --api, every
  row uses that redis-shm API instead (e.g. --api async to compare the async client).
  --cluster H:P  a Redis Cluster: the rows of every master (from its slot map), each
                 named "transport host:port", interleaved like the rows of one server
  --duration S   seconds to measure (default 10; 0 = until Ctrl-C; --history defaults to 0)
  --history      print one line per transport every --interval seconds (default 15)
  --chart FILE   write an SVG bar chart of avg and p99 per transport
  --json         print the results as JSON instead of a table
  --transports LIST  measure only these (default tcp,unix,shm)
  --api API      measure every row with this redis-shm API: sync (blocking, like
                 redis-cli), async, promise (default: sync for shm, bare loop for tcp/unix)
  --adapter NAME event-loop adapter of the async API: node (default), busy-poll, poll
  --raw          tcp and unix rows with a bare RESP PING loop over net (no client library);
                 the default unless --api is given
`;

export interface LatencyResult {
  server: string;
  duration_s: number;
  transports: Array<{ transport: string; available: boolean; reason: string | null } & Partial<Record<`${keyof Omit<Summary, 'samples'>}_us`, number | null>> & { samples: number }>;
}

export async function latencyCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      host: { type: 'string' }, port: { type: 'string' }, socket: { type: 'string' }, cluster: { type: 'string' },
      duration: { type: 'string' }, history: { type: 'boolean' }, interval: { type: 'string' },
      chart: { type: 'string' }, json: { type: 'boolean' }, 'slice-ms': { type: 'string' }, raw: { type: 'boolean' }, transports: { type: 'string' }, api: { type: 'string' }, adapter: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout.write(LATENCY_USAGE); return 0; }
  const history = values.history ?? false;
  const duration = numberOption(values.duration, 'duration', history ? 0 : 10);
  const interval = numberOption(values.interval, 'interval', 15);
  const sliceMs = numberOption(values['slice-ms'], 'slice-ms', 50);
  const target: Target & { nodes?: Target[] } = values.cluster !== undefined
    ? await clusterTarget(values.cluster)
    : await resolveTarget({ host: values.host, port: intOption(values.port, 'port'), socket: values.socket });
  const live = io.stdout.isTTY === true && !values.json;
  let slots: ProbeSlot[] = [];
  const started = process.hrtime.bigint();
  try {
    const only = values.transports?.split(',').map((t) => t.trim());
    for (const t of only ?? []) if (!['tcp', 'unix', 'shm'].includes(t)) throw new RedisError('ERR_ARGUMENT', `--transports: unknown transport ${JSON.stringify(t)}`);
    if (values.api && !['async', 'sync', 'promise'].includes(values.api)) throw new RedisError('ERR_ARGUMENT', `--api: unknown API ${JSON.stringify(values.api)} (async, sync or promise)`);
    // Default: shm through the blocking sync API, tcp/unix through the bare loop (see usage).
    const api = values.api ?? 'sync';
    const raw = values.raw ?? values.api === undefined;
    const popts = { raw, api, adapter: values.adapter, only };
    const nodes = target.nodes;
    for (const t of nodes ?? [target]) {
      const rows = await openProbers(t, popts);
      if (nodes) for (const r of rows) r.name = `${r.name} ${t.tcp ? fmt(t.tcp) : ''}`;
      slots.push(...rows);
    }
    // Not part of the table: stdout off a TTY carries just the table (or the JSON).
    io.stderr.write(`${target.describe}\n`);
    if (live && !history) io.stdout.write(`measuring ${duration ? `${duration} s` : 'until Ctrl-C'}...\n`);

    let lastDraw = 0;
    let drawn = 0;
    let windowStart = Date.now();
    let windowFrom = slots.map(() => 0);
    const onRound = (): void => {
      const now = Date.now();
      if (history && now - windowStart >= interval * 1000) {
        const secs = (now - windowStart) / 1000;
        if (live && drawn) { io.stdout.write(`\x1b[${drawn}A`); drawn = 0; }
        for (const [i, s] of slots.entries()) {
          if (!s.prober) continue;
          io.stdout.write(`${live ? '\x1b[2K' : ''}${liveLine(s.name, s.samples.summary(windowFrom[i]))} -- ${secs.toFixed(2)} seconds range\n`);
        }
        windowStart = now;
        windowFrom = slots.map((s) => s.samples.count);
      }
      if (live && now - lastDraw >= 100) {
        lastDraw = now;
        if (drawn) io.stdout.write(`\x1b[${drawn}A`);
        drawn = 0;
        for (const [i, s] of slots.entries()) {
          if (!s.prober) continue;
          const sum = s.samples.summary(history ? windowFrom[i] : 0);
          io.stdout.write(`\x1b[2K${liveLine(s.name, sum)}${s.failed ? ` (failed: ${s.failed})` : ''}\n`);
          drawn++;
        }
      }
    };
    await runInterleaved(slots, { durationMs: duration > 0 ? duration * 1000 : Number.MAX_SAFE_INTEGER, sliceMs, onRound, signal: io.signal });
    if (live && drawn) io.stdout.write(`\x1b[${drawn}A\x1b[J`);
  } finally {
    closeProbers(slots);
    await target.close();
  }

  const result: LatencyResult = {
    server: target.describe,
    duration_s: Number(process.hrtime.bigint() - started) / 1e9,
    transports: slots.map((s) => {
      const sum = s.samples.summary();
      const v = (x: number): number | null => (Number.isNaN(x) ? null : round3(x));
      return {
        transport: s.name, available: s.prober !== null && !s.failed, reason: s.unavailable ?? (s.failed ? `failed: ${s.failed}` : null),
        min_us: v(sum.min), avg_us: v(sum.avg), p50_us: v(sum.p50), p99_us: v(sum.p99), max_us: v(sum.max), samples: sum.samples,
      };
    }),
  };
  if (values.chart) writeFileSync(values.chart, latencyChart(result));
  if (values.json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else io.stdout.write(latencyTable(result));
  return 0;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function liveLine(name: string, s: Summary): string {
  return `${name.padEnd(5)} min: ${num(s.min)}, max: ${num(s.max)}, avg: ${num(s.avg)} us (${s.samples} samples)`;
}

export function latencyTable(r: LatencyResult): string {
  const rows: Cell[][] = r.transports.map((t) => (t.available || t.samples > 0
    ? [t.transport, num(t.min_us), num(t.avg_us), num(t.p50_us), num(t.p99_us), num(t.max_us), t.samples]
    : [t.transport, `unavailable: ${t.reason ?? 'unknown'}`]));
  return formatTable(['transport', 'min_us', 'avg_us', 'p50_us', 'p99_us', 'max_us', 'samples'], rows);
}

export function latencyChart(r: LatencyResult): string {
  return barChartSvg({
    title: 'PING round trip latency (lower is better)',
    subtitle: `sequential, interleaved, ${r.duration_s.toFixed(1)} s; ${r.transports.map((t) => `${t.transport} ${t.samples}`).join(', ')} samples`,
    unit: 'microseconds',
    categories: r.transports.map((t) => t.transport),
    series: [
      { name: 'avg', values: r.transports.map((t) => (t.samples ? t.avg_us ?? null : null)) },
      { name: 'p99', values: r.transports.map((t) => (t.samples ? t.p99_us ?? null : null)) },
    ],
  });
}

// The benchmark workloads, each written once against the Driver interface. Latency
// workloads run all drivers interleaved in time slices (host noise hits all alike);
// throughput workloads give each driver its turn in slices too.
import { burstOnce, type BurstShape } from './burst.js';
import type { Driver } from './driver.js';
import { runInterleaved, type ProbeSlot } from './interleave.js';
import { Samples, usSince } from './stats.js';

export interface Measured {
  p50: number | null;
  p99: number | null;
  ops: number | null;
  /** Set when the driver failed during the workload. */
  error?: string;
}

export const KEY = 'bench:key';
export const KEYS_1000 = Array.from({ length: 1000 }, (_, i) => `bench:k:${i}`);

/** Sequential round trips of `op`, every driver interleaved; p50/p99 per op, ops/s = 1/avg. */
export async function sequential(drivers: Driver[], op: (d: Driver) => Promise<unknown>, perDriverMs: number, sliceMs = 50): Promise<Measured[]> {
  const slots: ProbeSlot[] = drivers.map((d) => ({
    name: d.spec.client, samples: new Samples(),
    prober: { name: d.spec.client, ping: async () => { await op(d); }, close: () => {} },
  }));
  await runInterleaved(slots, { durationMs: perDriverMs * drivers.length, sliceMs });
  return slots.map((s) => summarize(s.samples, s.failed));
}

/** Like sequential(), but every op does `batch` commands at once; ops/s counts commands. */
export async function batched(drivers: Driver[], op: (d: Driver) => Promise<unknown>, batch: number, perDriverMs: number, sliceMs = 100): Promise<Measured[]> {
  const res = await sequential(drivers, op, perDriverMs, sliceMs);
  return res.map((m) => ({ ...m, ops: m.ops === null ? null : m.ops * batch }));
}

/** Bursts of GETs (burst.ts), every driver interleaved in slices; p50/p99 per GET (no ops/s:
 *  the gaps set the rate). */
export async function burst(drivers: Driver[], shape: BurstShape, perDriverMs: number, sliceMs = 100): Promise<Measured[]> {
  // The interleaver times whole bursts (gap included) into its own samples; the per-GET
  // latencies go to `gets`.
  const gets = drivers.map(() => new Samples());
  const slots: ProbeSlot[] = drivers.map((d, i) => ({
    name: d.spec.client, samples: new Samples(),
    prober: { name: d.spec.client, ping: () => burstOnce(() => d.get(KEY), shape, gets[i]!), close: () => {} },
  }));
  await runInterleaved(slots, { durationMs: perDriverMs * drivers.length, sliceMs });
  return slots.map((s, i) => ({ ...summarize(gets[i]!, s.failed), ops: null }));
}

/** At most `count` ops per driver, one driver after the other (for 100 MB values). An op
 *  outstanding for `stallMs` fails that driver's row (ops take seconds: a timer per op is fine). */
export async function counted(drivers: Driver[], op: (d: Driver) => Promise<unknown>, count: number, stallMs = 120_000): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const d of drivers) {
    const s = new Samples();
    let error: string | undefined;
    for (let i = 0; i < count && !error; i++) {
      const t0 = process.hrtime.bigint();
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no reply within ${stallMs / 1000} s`)), stallMs); });
      try { await Promise.race([op(d), stalled]); s.add(usSince(t0)); } catch (err) { error = msg(err); } finally { clearTimeout(timer); }
    }
    out.push(summarize(s, error));
  }
  return out;
}

function summarize(s: Samples, error?: string): Measured {
  if (s.count === 0) return { p50: null, p99: null, ops: null, ...(error ? { error } : {}) };
  const sum = s.summary();
  return { p50: sum.p50, p99: sum.p99, ops: 1e6 / sum.avg, ...(error ? { error } : {}) };
}

export const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** PUBLISH on the command connection, time until the subscriber connection has the message.
 *  A driver that cannot subscribe gets its error instead of an op. */
export async function pubsubOps(drivers: Driver[]): Promise<Array<((d: Driver) => Promise<unknown>) | Error>> {
  return Promise.all(drivers.map(async (d, i): Promise<((d: Driver) => Promise<unknown>) | Error> => {
    const channel = `bench:ch:${i}`;
    let pending: (() => void) | undefined;
    try {
      await d.subscribe(channel, () => { const p = pending; pending = undefined; p?.(); });
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    return () => new Promise<void>((resolve, reject) => {
      pending = resolve;
      d.publish(channel, 'm').then((n) => { if (n !== 1 && pending === resolve) reject(new Error(`PUBLISH reached ${String(n)} subscribers`)); }, reject);
    });
  }));
}

/** SET then GET of a value of `bytes` bytes, checking the length that came back. */
export function valueOp(bytes: number): { value: Uint8Array; op: (d: Driver) => Promise<void> } {
  const value = Buffer.alloc(bytes, 0x61);
  const key = `bench:value:${bytes}`;
  return {
    value,
    op: async (d) => {
      await d.set(key, value);
      const got = await d.getBuffer(key);
      if (!got || got.byteLength !== bytes) throw new Error(`GET returned ${got ? got.byteLength : 'nil'} bytes, expected ${bytes}`);
    },
  };
}

// Intermittent traffic ("burst"): a quiet gap, then GETs issued together, again and again,
// as an application serving sporadic requests does. Each GET's latency is timed from the
// moment the burst is issued to its own reply, so the figures include waking whatever
// went to sleep during the gap (spinners parked, event loop blocked in epoll, a halted core).
// Used by the bench harness (workload `burst`) and scripts/bench-burst.ts.
import type { Samples } from './stats.js';

export interface BurstShape {
  /** Row name: burst-1ms, burst-10x10ms. */
  name: string;
  /** Quiet time before each burst (setTimeout). */
  gapMs: number;
  /** GETs issued together in one burst. */
  size: number;
}

export const BURST_SHAPES: readonly BurstShape[] = [
  { name: 'burst-1ms', gapMs: 1, size: 1 },
  { name: 'burst-10x10ms', gapMs: 10, size: 10 },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One burst: wait the gap, issue `size` GETs at once, record each GET's microseconds into `out`. */
export async function burstOnce(get: () => Promise<unknown>, shape: BurstShape, out: Samples): Promise<void> {
  await sleep(shape.gapMs);
  const t0 = performance.now();
  const one = async (): Promise<void> => { await get(); out.add((performance.now() - t0) * 1000); };
  if (shape.size === 1) await one();
  else await Promise.all(Array.from({ length: shape.size }, one));
}

/** Bursts until `ms` have passed. */
export async function burstFor(get: () => Promise<unknown>, shape: BurstShape, ms: number, out: Samples): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) await burstOnce(get, shape, out);
}

// A piscina task: one load-generator thread. Opens its own connection with the given
// client configuration and keeps `inflight` GETs outstanding until the time is up
// (redis-benchmark --threads with -c clients split across threads).
import type { DriverSpec, Endpoints } from './driver.js';
import { openDriver } from './drivers.js';

export interface ThreadTask {
  spec: DriverSpec;
  eps: Endpoints;
  durationMs: number;
  inflight: number;
}

export interface ThreadResult {
  ops: number;
  seconds: number;
  error?: string;
}

export default async function loadThread(task: ThreadTask): Promise<ThreadResult> {
  const d = await openDriver(task.spec, task.eps);
  let ops = 0;
  let error: string | undefined;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(task.durationMs) * 1_000_000n;
  try {
    await Promise.all(Array.from({ length: task.inflight }, async (_, i) => {
      const key = `bench:k:${i}`;
      while (process.hrtime.bigint() < end && error === undefined) {
        await d.get(key);
        ops++;
      }
    }));
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await d.close();
  }
  return { ops, seconds: Number(process.hrtime.bigint() - t0) / 1e9, ...(error ? { error } : {}) };
}

// Sequential round trips on several transports, interleaved round-robin in short time
// slices, so that host noise (other processes, CPU frequency, wake-up latency) lands on
// every transport alike instead of on whichever happened to run during a noisy second.
import { Samples, usSince } from './stats.js';

export interface Prober {
  /** Row label, e.g. "tcp", "unix", "shm". */
  readonly name: string;
  /** One round trip. */
  ping(): Promise<void>;
  close(): void;
}

export interface ProbeSlot {
  name: string;
  prober: Prober | null;
  /** Why `prober` is null (shown in the table instead of numbers). */
  unavailable?: string;
  samples: Samples;
  /** Set when the prober failed mid-run; it is not probed again. */
  failed?: string;
}

export interface InterleaveOptions {
  durationMs: number;
  /** Length of one transport's turn (default 50 ms). */
  sliceMs?: number;
  /** Called after every full round of slices (live display, history lines). */
  onRound?: () => void;
  signal?: AbortSignal;
}

export async function runInterleaved(slots: ProbeSlot[], opts: InterleaveOptions): Promise<void> {
  const slice = BigInt(Math.round((opts.sliceMs ?? 50) * 1e6));
  const end = process.hrtime.bigint() + BigInt(Math.round(opts.durationMs * 1e6));
  while (process.hrtime.bigint() < end && !opts.signal?.aborted) {
    for (const slot of slots) {
      if (!slot.prober || slot.failed) continue;
      const sliceEnd = process.hrtime.bigint() + slice;
      try {
        while (process.hrtime.bigint() < sliceEnd && !opts.signal?.aborted) {
          const t0 = process.hrtime.bigint();
          await slot.prober.ping();
          slot.samples.add(usSince(t0));
        }
      } catch (err) {
        slot.failed = err instanceof Error ? err.message : String(err);
      }
    }
    if (!slots.some((s) => s.prober && !s.failed)) break;
    opts.onRound?.();
    // Let timers and signal handlers run between rounds even if every reply came synchronously.
    await new Promise((r) => setImmediate(r));
  }
}

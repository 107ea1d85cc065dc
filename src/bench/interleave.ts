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
  /** A round trip outstanding this long fails its slot and ends the run (default 60 s). */
  stallMs?: number;
}

export async function runInterleaved(slots: ProbeSlot[], opts: InterleaveOptions): Promise<void> {
  const slice = BigInt(Math.round((opts.sliceMs ?? 50) * 1e6));
  const end = process.hrtime.bigint() + BigInt(Math.round(opts.durationMs * 1e6));
  const stall = BigInt(Math.round((opts.stallMs ?? 60_000) * 1e6));
  // The watchdog reads these; the loop writes them around every round trip (two stores,
  // no timer per operation, so the measurement is not disturbed).
  let current: ProbeSlot | undefined;
  let opStart = 0n;
  let abandoned = false;

  const loop = async (): Promise<void> => {
    while (process.hrtime.bigint() < end && !opts.signal?.aborted && !abandoned) {
      for (const slot of slots) {
        if (!slot.prober || slot.failed || abandoned) continue;
        const sliceEnd = process.hrtime.bigint() + slice;
        current = slot;
        try {
          while (process.hrtime.bigint() < sliceEnd && !opts.signal?.aborted && !abandoned) {
            const t0 = process.hrtime.bigint();
            opStart = t0;
            await slot.prober.ping();
            if (abandoned) return;
            slot.samples.add(usSince(t0));
          }
        } catch (err) {
          slot.failed ??= err instanceof Error ? err.message : String(err);
        }
        opStart = 0n;
      }
      if (!slots.some((s) => s.prober && !s.failed)) break;
      opts.onRound?.();
      // Let timers and signal handlers run between rounds even if every reply came synchronously.
      await new Promise((r) => setImmediate(r));
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const watchdog = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      if (current && opStart !== 0n && process.hrtime.bigint() - opStart > stall) {
        current.failed = `no reply within ${Number(stall / 1_000_000n) / 1000} s`;
        abandoned = true;
        stalled = true;
        resolve();
      }
    }, 250);
    timer.unref();
  });
  try {
    await Promise.race([loop(), watchdog]);
  } finally {
    clearInterval(timer);
  }
  // The stuck round trip is abandoned (its loop exits if it ever returns); the other
  // slots get the rest of the time.
  const left = Number(end - process.hrtime.bigint()) / 1e6;
  if (stalled && left > 0 && !opts.signal?.aborted) await runInterleaved(slots, { ...opts, durationMs: left });
}

// Latency samples and their summary. Samples are microseconds in a growable Float64Array
// (no per-sample allocation, so collecting does not disturb what it measures).

export interface Summary {
  samples: number;
  min: number;
  avg: number;
  p50: number;
  p99: number;
  max: number;
}

export class Samples {
  private buf = new Float64Array(4096);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  add(us: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = us;
    this.sum += us;
    if (us < this.lo) this.lo = us;
    if (us > this.hi) this.hi = us;
  }

  get count(): number { return this.n; }
  get min(): number { return this.n ? this.lo : NaN; }
  get max(): number { return this.n ? this.hi : NaN; }
  get avg(): number { return this.n ? this.sum / this.n : NaN; }

  /** Drop everything (for --history intervals). */
  reset(): void { this.n = 0; this.sum = 0; this.lo = Infinity; this.hi = -Infinity; }

  /** Summary of every sample, or of those added since the count was `from`. */
  summary(from = 0): Summary {
    const sorted = this.buf.slice(Math.min(from, this.n), this.n).sort();
    const n = sorted.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i]!;
    return {
      samples: n, min: n ? sorted[0]! : NaN, avg: n ? sum / n : NaN,
      p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: n ? sorted[n - 1]! : NaN,
    };
  }
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

/** Microseconds since `t0` (a process.hrtime.bigint() value). */
export function usSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1000;
}

// The multi-threaded load generator: a piscina pool of N threads, each running
// thread-worker.ts with its own connection; total GETs/s across the threads.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../cli/paths.js';
import type { DriverSpec, Endpoints } from './driver.js';
import type { ThreadResult, ThreadTask } from './thread-worker.js';

/** The compiled worker: next to this file in dist/, or dist/ when running from sources. */
export function workerFile(): string {
  const here = fileURLToPath(new URL('./thread-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = join(packageRoot(), 'dist', 'src', 'bench', 'thread-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the compiled load-generator worker is missing (${built}): run npm run build:ts`);
}

export class LoadThreads {
  private readonly pool: Piscina;
  constructor(readonly threads: number) {
    this.pool = new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  }

  /** ops/s across all threads, each keeping `inflight` GETs outstanding for `durationMs`. */
  async run(spec: DriverSpec, eps: Endpoints, durationMs: number, inflight: number): Promise<{ ops: number | null; error?: string }> {
    const task: ThreadTask = { spec, eps, durationMs, inflight };
    // A thread stuck on a reply that never comes must not hang the whole benchmark.
    const ctl = new AbortController();
    const stall = setTimeout(() => ctl.abort(), durationMs + 60_000);
    let results: ThreadResult[];
    try {
      results = await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(task, { signal: ctl.signal }) as Promise<ThreadResult>));
    } catch (err) {
      return { ops: null, error: ctl.signal.aborted ? `a load thread got no reply within ${durationMs / 1000 + 60} s` : err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(stall);
    }
    const failed = results.find((r) => r.error);
    const ops = results.reduce((a, r) => a + r.ops / r.seconds, 0);
    return failed ? { ops: null, error: failed.error! } : { ops };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

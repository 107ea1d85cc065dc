// Busy-poll adapter: while replies are outstanding, the main thread polls for them on every
// turn of the event loop (setImmediate) for a bounded budget, then falls back to the node
// adapter's doorbell wait. Lowest latency for request/response loops; costs CPU while it
// polls. The loop never spins synchronously, so I/O and other callbacks still run.
import type { AsyncAdapterHooks, AsyncAdapterTarget } from '../src/async/adapter.js';
import type { AsyncContext } from '../src/async/context.js';
import { Spinner } from '../src/spinner/spinner.js';

export interface BusyPollOptions {
  /** How long to poll after a request goes out before relying on the doorbell (µs, default 200). */
  budgetUs?: number;
}

export interface BusyPollHooks extends AsyncAdapterHooks {
  /** Polls made so far (diagnostics and tests). */
  readonly polls: number;
}

function pull(target: AsyncAdapterTarget): void {
  target.handleRead();
  // The shm channel has no poll() of its own yet: pull the spinner's inboxes directly.
  if (Spinner.channelCount > 0) Spinner.get().poll();
}

/** hiredis redisXxxAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisBusyPollAttach(ac: AsyncContext, opts: BusyPollOptions = {}): number {
  const budgetMs = (opts.budgetUs ?? 200) / 1000;
  return ac.attach((target) => {
    let reading = false;
    let polling = false;
    let deadline = 0;
    let timer: NodeJS.Timeout | undefined;
    const hooks = {
      polls: 0,
      addRead(): void {
        reading = true;
        deadline = performance.now() + budgetMs;
        if (polling) return;
        polling = true;
        setImmediate(loop);
      },
      delRead(): void { reading = false; },
      scheduleTimer(ms: number): void {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => { timer = undefined; target.handleTimeout(); }, Math.max(0, ms));
        timer.unref();
      },
      cleanup(): void {
        reading = false;
        if (timer) clearTimeout(timer);
        timer = undefined;
      },
    };
    function loop(): void {
      if (!reading || performance.now() > deadline) { polling = false; return; }
      hooks.polls++;
      pull(target);
      setImmediate(loop);
    }
    return hooks;
  });
}

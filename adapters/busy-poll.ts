// Busy-poll adapter: while replies are outstanding, the main thread polls for them on every
// turn of the event loop (setImmediate) for a bounded budget, then falls back to the node
// adapter's doorbell wait. Lowest latency for request/response loops; costs CPU while it
// polls. The loop never spins synchronously, so I/O and other callbacks still run.
//
// It backs off when polling does not pay: on a host with few cores a spinning main thread
// can keep the threads that produce the reply (the server's, the spinner worker) off the
// CPU, and then the reply only comes once polling stops. After MISSES_TO_BACK_OFF requests
// in a row whose budget ran out, the next BACK_OFF_REQUESTS requests are left to the
// doorbell, then polling is tried again.
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
  /** Polling windows that ended with the replies delivered (hits) or with the budget spent (misses). */
  readonly hits: number;
  readonly misses: number;
  /** Windows skipped because polling was backing off. */
  readonly skipped: number;
}

const MISSES_TO_BACK_OFF = 3;
const BACK_OFF_REQUESTS = 64;

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
    let missesInRow = 0;
    let skipFor = 0;
    let timer: NodeJS.Timeout | undefined;
    const hooks = {
      polls: 0, hits: 0, misses: 0, skipped: 0,
      addRead(): void {
        if (reading) return;
        reading = true;
        if (skipFor > 0) { skipFor--; hooks.skipped++; return; }
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
      if (!reading) { polling = false; return; }
      if (performance.now() > deadline) {
        polling = false;
        hooks.misses++;
        if (++missesInRow >= MISSES_TO_BACK_OFF) { missesInRow = 0; skipFor = BACK_OFF_REQUESTS; }
        return;
      }
      hooks.polls++;
      pull(target);
      if (!reading) { polling = false; hooks.hits++; missesInRow = 0; return; }
      setImmediate(loop);
    }
    return hooks;
  });
}

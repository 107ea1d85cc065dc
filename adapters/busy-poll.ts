// Busy-poll adapter: while replies are outstanding on a shm channel, the main thread reads
// the REP ring itself (no spinner-worker hop, no event-loop wake-up) and delivers replies the
// moment they land; when polling stops paying it hands REP back to the spinner worker, whose
// doorbell delivers from then on.
//
// Policy (every number is a constant below or an option):
// - A send that makes a reply outstanding schedules a poll run as a microtask, so it starts
//   right after the current tick's commands were written. A run waits synchronously on the
//   ring for at most spinUs (spinning, with sched_yield now and then so the server's thread
//   gets a core on a small host), then parkUs parked on the ring (the server's futex wake
//   ends it), and returns as soon as something was delivered (the callbacks'
//   continuations then run, and typically send the next command).
// - Event-loop starvation is bounded: runs chained through microtasks (a sequential await
//   loop never leaves the microtask queue otherwise) form a slice of at most SLICE_MS; after
//   that the next run goes through setImmediate, so timers and I/O get their turn. A run
//   that spent its spin chunk without a reply also continues through setImmediate.
// - budgetUs without any reply ends the window: REP goes back to the worker (doorbell). After
//   MISSES_TO_BACK_OFF such windows in a row the next BACK_OFF_REQUESTS windows are left to
//   the doorbell (on a host with few cores the spinning main thread may keep the server's
//   thread off the CPU), then polling is tried again.
// - When no reply is outstanding the ring stays with the main thread for a hold time, so
//   that intermittent traffic (a request every few ms) finds it there and the reply wakes
//   this thread directly (the server's futex wake ends its park: one kernel wake, as on a
//   socket) instead of going server -> spinner worker -> doorbell -> main, and without a
//   hand-over per request. The hold follows the traffic: HOLD_FACTOR times the recent gap
//   between windows (EWMA), within HOLD_MIN_MS..HOLD_MAX_MS, or holdMs. Then REP goes back
//   to the worker (which delivers pushes and sees the session close while idle).
// - Replies expected on the socket (socket-only commands, or a socket transport) are not
//   polled for: they arrive by themselves.
import { nodeAdapter, type AsyncAdapterHooks, type AsyncAdapterTarget } from '../src/async/adapter.js';
import type { AsyncContext } from '../src/async/context.js';

export interface BusyPollOptions {
  /** How long to poll without a reply before relying on the doorbell (µs, default 200). */
  budgetUs?: number;
  /** Longest synchronous spin of one run, yielding the core now and then (µs, default 30). */
  spinUs?: number;
  /** Then the longest synchronous park on the ring in one run (µs, default 100); the server's
   *  futex wake ends it as soon as the reply is written. 0: no parking. */
  parkUs?: number;
  /** Keep REP on the main thread this long after the last reply, ms (default: adaptive,
   *  HOLD_FACTOR x the recent gap between requests, within 1..50 ms; Infinity, the whole
   *  session, when the context's spin policy is 'always'). 0: until the next turn of the
   *  event loop. */
  holdMs?: number;
}

export interface BusyPollHooks extends AsyncAdapterHooks {
  /** Ring reads made so far (diagnostics and tests). */
  readonly polls: number;
  /** Polling windows that ended with the replies delivered (hits) or with the budget spent (misses). */
  readonly hits: number;
  readonly misses: number;
  /** Windows skipped because polling was backing off. */
  readonly skipped: number;
  /** Times REP was handed back to the spinner worker. */
  readonly releases: number;
}

const MISSES_TO_BACK_OFF = 3;
const BACK_OFF_REQUESTS = 64;
/** Longest chain of microtask-scheduled runs before one goes through setImmediate (ms). */
const SLICE_MS = 1;
/** Ring reads between two clock reads while spinning. */
const READS_PER_CLOCK = 4;
/** Adaptive hold: HOLD_FACTOR x the EWMA of the gap between windows, within these bounds (ms). */
const HOLD_FACTOR = 4;
const HOLD_MIN_MS = 1;
const HOLD_MAX_MS = 50;
/** The gap assumed before one was seen (a first hold of 10 ms). */
const INITIAL_GAP_MS = 2.5;

/** hiredis redisXxxAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisBusyPollAttach(ac: AsyncContext, opts: BusyPollOptions = {}): number {
  return ac.attach((target: AsyncAdapterTarget) => busyPollHooks(target, opts));
}

/** The busy-poll hooks for any adapter target (the async context, the ioredis connector's stream). */
export function busyPollHooks(target: AsyncAdapterTarget, opts: BusyPollOptions = {}): BusyPollHooks {
  const budgetMs = (opts.budgetUs ?? 200) / 1000;
  const spinMs = (opts.spinUs ?? 30) / 1000;
  const parkMs = (opts.parkUs ?? 100) / 1000;
  const optHold = opts.holdMs;
  const fixedHold = optHold ?? (target.spin === 'always' ? Infinity : undefined);
  let reading = false;
  let scheduled = false;
  let owning = false;       // readDirect was called since the last releaseRead
  let idleCheck = false;
  let sliceStart = -1;      // start of the current microtask slice, -1 when none is open
  let deadline = 0;
  let fresh = false;
  let missesInRow = 0;
  let skipFor = 0;
  let gone = false;
  let lastDone = -1;        // when the last window ended (no reply outstanding), -1: none since a release
  let lastEnd = -1;         // the same, kept across releases (for the gap)
  let gapMs = INITIAL_GAP_MS;  // EWMA of the gap between a window's end and the next request
  let holdTimer: ReturnType<typeof setTimeout> | undefined;
  const timers = nodeAdapter(target);  // the context's timer runs as with the node adapter
  const hooks = {
    polls: 0, hits: 0, misses: 0, skipped: 0, releases: 0,
    addRead(): void {
      if (reading || gone) return;
      reading = true;
      if (lastEnd >= 0) gapMs += (Math.min(performance.now() - lastEnd, 1000) - gapMs) / 4;
      if (skipFor > 0) { skipFor--; hooks.skipped++; release(); return; }
      fresh = true;  // the budget starts with the first run, not with a (possibly long) send
      schedule(true);
    },
    delRead(): void { reading = false; },
    scheduleTimer: timers.scheduleTimer,
    cleanup(): void {
      gone = true;
      reading = false;
      if (holdTimer) { clearTimeout(holdTimer); holdTimer = undefined; }
      timers.cleanup();
    },
  };

  function release(): void {
    lastDone = -1;
    if (!owning) return;
    owning = false;
    hooks.releases++;
    target.releaseRead();
  }

  const endSlice = (): void => { sliceStart = -1; };

  function schedule(micro: boolean): void {
    if (scheduled) return;
    scheduled = true;
    const now = performance.now();
    if (micro && sliceStart < 0) { sliceStart = now; setImmediate(endSlice); }
    if (micro && now - sliceStart < SLICE_MS) queueMicrotask(run);
    else setImmediate(run);
  }

  function run(): void {
    scheduled = false;
    if (gone) return;
    if (!reading) { windowDone(); return; }
    const start = performance.now();
    if (fresh) { fresh = false; deadline = start + budgetMs; }
    if (start >= deadline) { miss(); return; }
    const stopAt = Math.min(deadline, start + spinMs + parkMs);
    let r = 0;
    for (let i = 1; ; i++) {
      hooks.polls++;
      // blocks for at most spin + park (once the ring is ours; until then it returns at once)
      const left = stopAt - performance.now();
      r = target.readDirect(Math.max(0, Math.min(spinMs, left)) * 1e6, parkMs > 0 ? Math.max(0, Math.min(parkMs, left - spinMs)) * 1e6 : 0);
      if (r !== 0 || gone) break;
      owning = true;
      if (i % READS_PER_CLOCK === 0 && performance.now() >= stopAt) break;
    }
    if (gone) return;
    if (r < 0) { release(); return; }  // nothing expected on shm: the socket delivers, the worker watches REP
    owning = true;
    if (r > 0) {
      missesInRow = 0;
      if (!reading) { hooks.hits++; windowDone(); return; }
      deadline = performance.now() + budgetMs;  // progress: a fresh budget for the rest
      schedule(true);
      return;
    }
    if (performance.now() >= deadline) { miss(); return; }
    schedule(false);
  }

  function miss(): void {
    hooks.misses++;
    release();
    if (++missesInRow >= MISSES_TO_BACK_OFF) { missesInRow = 0; skipFor = BACK_OFF_REQUESTS; }
  }

  /** No reply outstanding: keep REP for the hold time (see the policy above), then give it
   *  back if still idle. */
  function windowDone(): void {
    lastEnd = performance.now();
    if (!owning) return;
    lastDone = lastEnd;
    if (fixedHold === 0) {
      if (idleCheck) return;
      idleCheck = true;
      setImmediate(() => {
        idleCheck = false;
        if (!reading && !scheduled && !gone) release();
      });
      return;
    }
    if (!holdTimer && fixedHold !== Infinity) { holdTimer = setTimeout(checkHold, holdMs()); holdTimer.unref(); }
  }

  function holdMs(): number {
    return fixedHold ?? Math.min(HOLD_MAX_MS, Math.max(HOLD_MIN_MS, HOLD_FACTOR * gapMs));
  }

  function checkHold(): void {
    holdTimer = undefined;
    if (reading || scheduled || gone || lastDone < 0) return;  // a window runs: its end re-arms
    const left = lastDone + holdMs() - performance.now();
    if (left > 0.1) { holdTimer = setTimeout(checkHold, left); holdTimer.unref(); }
    else release();
  }

  return hooks;
}


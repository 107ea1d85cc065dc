// The event-library hooks of an async context (hiredis `ac->ev`), and the default Node adapter.
//
// Channels deliver reply bytes themselves (net's 'data' events, the shm spinner's doorbell),
// so unlike hiredis the context needs no readable/writable notifications to make progress.
// The hooks tell an adapter when replies are outstanding, so an adapter that watches the shm
// REP ring itself (busy-poll, poll, native wait) knows when to watch and when to stop, and
// they carry the context's one timer.

/** Implemented by an adapter; every hook must be idempotent. */
export interface AsyncAdapterHooks {
  /** A reply is now outstanding (0 -> 1 commands in flight): watch for reply bytes. */
  addRead(): void;
  /** No reply is outstanding: stop watching. */
  delRead(): void;
  /** Call the context's `handleTimeout()` after `ms` (replaces any earlier schedule). */
  scheduleTimer(ms: number): void;
  /** The context is gone: release timers and anything else (called once). */
  cleanup(): void;
  /** How the shm channel's replies wake this thread when it waits for them: 'waitAsync'
   *  (the default: Atomics.waitAsync on the spinner's doorbell) or 'native' (a native thread
   *  of the addon waits and calls back through a ThreadSafeFunction). Read when the
   *  channel opens. */
  readonly shmWake?: 'waitAsync' | 'native';
}

/** The context methods an adapter drives (hiredis redisAsyncHandleRead / HandleTimeout). */
export interface AsyncAdapterTarget {
  /** Pull reply bytes from a channel that supports pulling (`poll()`), and dispatch them. */
  handleRead(): void;
  /** The scheduled timer fired. */
  handleTimeout(): void;
  /**
   * Busy-polling: read the shm REP ring on this thread (taking it from the spinner worker)
   * and dispatch what arrived; if nothing is there yet, wait on this thread for up to spinNs
   * (spinning, yielding the core now and then) and then parkNs (parked on the ring). 1: replies were delivered; 0: nothing yet; -1: no reply is
   * expected on a shm channel (nothing to poll; socket replies come by themselves). After a
   * call that did not return -1 the adapter must call releaseRead() when it stops polling.
   */
  readDirect(spinNs?: number, parkNs?: number): number;
  /** Stop reading directly: the shm channel delivers by itself again (spinner doorbell). */
  releaseRead(): void;
  /** The context's spin policy (AsyncOptions.spin): 'always' asks adapters that poll to keep
   *  the REP ring on this thread while the session is open. Undefined: 'adaptive'. */
  readonly spin?: SpinPolicy;
}

/** How hard the shm path keeps its threads awake (AsyncOptions.spin, docs/api.md "Spin policy"):
 *  'adaptive' (default) spins only while it pays and parks when traffic pauses; 'always'
 *  keeps the module's serving thread spinning while the session is open (one server core). */
export type SpinPolicy = 'adaptive' | 'always';

/**
 * The default: net delivers socket bytes and the shm channel delivers ring bytes through
 * its own waiter, so only the timer needs the event loop. Timers are unref'd: an open
 * channel, not a timer, keeps the process alive.
 */
export function nodeAdapter(ctx: AsyncAdapterTarget): AsyncAdapterHooks {
  let timer: NodeJS.Timeout | undefined;
  return {
    addRead() { /* channels push their bytes */ },
    delRead() { /* nothing to stop */ },
    scheduleTimer(ms) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => { timer = undefined; ctx.handleTimeout(); }, Math.max(0, ms));
      timer.unref();
    },
    cleanup() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

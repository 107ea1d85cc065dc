// Native adapter: the node adapter with a different wake. Replies over shm still arrive
// through the spinner worker's inboxes, but the main thread waits for the worker's doorbell
// through a native thread (the addon's BellWatcher: a futex wait that calls back through a
// node-addon-api ThreadSafeFunction) instead of Atomics.waitAsync. While any context holds a
// native adapter, every shm channel of the process is woken this way; the switch takes effect
// at the spinner's next wait. The socket delivers through net's events, as with node.
import type { AsyncAdapterHooks, AsyncAdapterTarget } from '../src/async/adapter.js';
import { nodeAdapter } from '../src/async/adapter.js';
import type { AsyncContext } from '../src/async/context.js';
import { Spinner } from '../src/spinner/spinner.js';

/** hiredis redisXxxAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisNativeAttach(ac: AsyncContext): number {
  return ac.attach((target: AsyncAdapterTarget): AsyncAdapterHooks => {
    const timer = nodeAdapter(target);
    const release = Spinner.nativeWake();
    return {
      addRead() { /* the spinner's inboxes deliver; the watcher wakes the loop */ },
      delRead() { /* nothing to stop */ },
      scheduleTimer(ms) { timer.scheduleTimer(ms); },
      cleanup() {
        timer.cleanup();
        release();
      },
    };
  });
}

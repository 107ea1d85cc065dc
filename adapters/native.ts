// Native adapter: the node adapter with a different wake. Replies over shm still arrive
// through the spinner worker's inbox, but for this context's channel the worker rings a
// doorbell that a native thread of the addon waits on (BellWatcher: a futex wait that calls
// back through a node-addon-api ThreadSafeFunction), instead of the one the main thread
// awaits with Atomics.waitAsync. Other contexts of the process keep their own wake. The
// socket delivers through net's events, as with node; the timer is node's.
import type { AsyncAdapterHooks, AsyncAdapterTarget } from '../src/async/adapter.js';
import { nodeAdapter } from '../src/async/adapter.js';
import type { AsyncContext } from '../src/async/context.js';

/** hiredis redisXxxAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisNativeAttach(ac: AsyncContext): number {
  return ac.attach((target: AsyncAdapterTarget): AsyncAdapterHooks => ({ ...nodeAdapter(target), shmWake: 'native' }));
}

// Node adapter: the default. The socket delivers through net's events and the shm channel
// through the spinner worker's doorbell, which the main thread awaits with Atomics.waitAsync
// on Node's own loop; the adapter only supplies the context's timer (unref'd setTimeout).
import type { AsyncContext } from '../src/async/context.js';
import { nodeAdapter } from '../src/async/adapter.js';

/** hiredis redisXxxAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisNodeAttach(ac: AsyncContext): number {
  return ac.attach(nodeAdapter);
}

// Poll adapter (hiredis adapters/poll.h): no wake-ups of its own and no Node timers. The
// caller drives the context from its own loop with redisPollTick(), which pulls reply bytes
// and runs the command timeout when it is due. (The socket and the shm doorbell still
// deliver by themselves on Node's loop; what the caller owns is the polling and the timer.)
import type { AsyncAdapterHooks, AsyncAdapterTarget } from '../src/async/adapter.js';
import type { AsyncContext } from '../src/async/context.js';

interface PollHooks extends AsyncAdapterHooks {
  tick(): number;
}

/** hiredis redisPollAttach: REDIS_OK, or REDIS_ERR if the context already has an adapter. */
export function redisPollAttach(ac: AsyncContext): number {
  return ac.attach((target: AsyncAdapterTarget): PollHooks => {
    let reading = false;
    let due = Infinity;
    return {
      addRead() { reading = true; },
      delRead() { reading = false; },
      scheduleTimer(ms) { due = performance.now() + Math.max(0, ms); },
      cleanup() { reading = false; due = Infinity; },
      tick() {
        let did = 0;
        if (reading) {
          target.handleRead();  // pulls this context's shm inbox (ShmChannel.poll)
          did = 1;
        }
        if (performance.now() >= due) {
          due = Infinity;
          target.handleTimeout();
          did = 1;
        }
        return did;
      },
    };
  });
}

/**
 * hiredis redisPollTick: pull whatever replies have arrived and fire a due timeout.
 * Returns 1 if it did something, 0 if not, -1 if `ac` has no poll adapter.
 */
export function redisPollTick(ac: AsyncContext): number {
  const ev = ac.ev as Partial<PollHooks> | undefined;
  if (!ev || typeof ev.tick !== 'function') return -1;
  return ev.tick();
}

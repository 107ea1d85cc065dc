// The client configurations `redis-shm bench` compares, in table order: each redis-shm promise
// row sits next to the async-API (callback context) row with the same transport and adapter.
import type { DriverSpec } from './driver.js';

/** Every configuration compared; those that cannot open (e.g. shm unavailable) are reported and skipped. */
export const DEFAULT_SPECS: DriverSpec[] = [
  { client: 'redis-shm', transport: 'shm', api: 'sync', adapter: null },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'node' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'poll' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'native' },
  { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'busy-poll' },
  { client: 'redis-shm', transport: 'shm', api: 'promise', adapter: 'busy-poll' },
  { client: 'redis-shm', transport: 'unix', api: 'sync', adapter: null },
  { client: 'redis-shm', transport: 'unix', api: 'async', adapter: 'node' },
  { client: 'redis-shm', transport: 'unix', api: 'async', adapter: 'busy-poll' },
  { client: 'redis-shm', transport: 'unix', api: 'promise', adapter: 'busy-poll' },
  { client: 'ioredis', transport: 'shm', api: 'promise', adapter: null },
  { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null },
  { client: 'node-redis', transport: 'unix', api: 'promise', adapter: null },
  { client: 'node-redis', transport: 'unix', api: 'promise-timeout-off', adapter: null },
];

/** Configurations run only when --clients names them: the always-spinning policy keeps the
 *  module's serving thread (shared by every session) and this thread spinning while its
 *  session is open, so beside the defaults it would change every other row's conditions.
 *  Run it on its own: redis-shm bench --clients spin-always,'ioredis unix' */
export const OPT_IN_SPECS: DriverSpec[] = [
  { client: 'redis-shm', transport: 'shm', api: 'promise-spin-always', adapter: 'busy-poll' },
  // the session served by the server's main thread (SHM.OPEN WAKE SOCKET): --clients main-thread
  { client: 'redis-shm', transport: 'shm', api: 'promise-main-thread', adapter: 'busy-poll' },
];

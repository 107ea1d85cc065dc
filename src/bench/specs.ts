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

// Opens a driver for any client configuration.
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { openIoredis } from './driver-ioredis.js';
import { openNodeRedis } from './driver-node-redis.js';
import { openRedisShm } from './driver-redis-shm.js';
import { openRedisShmClient } from './driver-redis-shm-client.js';
import { openRedisShmSync } from './driver-redis-shm-sync.js';

export function openDriver(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  switch (spec.client) {
    case 'ioredis': return openIoredis(spec, eps);
    case 'node-redis': return openNodeRedis(spec, eps);
    case 'redis-shm':
      if (spec.api === 'sync') return openRedisShmSync(spec, eps);
      if (spec.api === 'promise' || spec.api === 'promise-spin-always') return openRedisShmClient(spec, eps);
      return openRedisShm(spec, eps);
  }
}

// Opens a driver for any client configuration. The peer clients' drivers are imported on
// first use (src/bench/peers.ts): the CLI must run where ioredis and redis are not installed.
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { importPeerDriver, PEER_PACKAGES } from './peers.js';
import { openRedisShm } from './driver-redis-shm.js';
import { openRedisShmClient } from './driver-redis-shm-client.js';
import { openRedisShmSync } from './driver-redis-shm-sync.js';

export async function openDriver(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  switch (spec.client) {
    case 'ioredis': return (await importPeerDriver(PEER_PACKAGES.ioredis, () => import('./driver-ioredis.js'))).openIoredis(spec, eps);
    case 'node-redis': return (await importPeerDriver(PEER_PACKAGES['node-redis'], () => import('./driver-node-redis.js'))).openNodeRedis(spec, eps);
    case 'redis-shm':
      if (spec.api === 'sync') return openRedisShmSync(spec, eps);
      if (spec.api === 'promise' || spec.api === 'promise-spin-always' || spec.api === 'promise-main-thread') return openRedisShmClient(spec, eps);
      return openRedisShm(spec, eps);
  }
}

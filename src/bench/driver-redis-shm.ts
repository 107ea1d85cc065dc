// redis-shm's own client, over shm or the socket.
import { RedisError } from '../errors.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';

export async function openRedisShm(_spec: DriverSpec, _eps: Endpoints): Promise<Driver> {
  throw new RedisError('ERR_SHM_UNAVAILABLE', 'the redis-shm client (src/async) has not landed yet');
}

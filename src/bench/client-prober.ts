// PING over the shm transport with redis-shm's own client.
import { RedisError } from '../errors.js';
import type { Target } from '../cli/target.js';
import type { Prober } from './interleave.js';

export async function openShmProber(_t: Target): Promise<Prober> {
  throw new RedisError('ERR_SHM_UNAVAILABLE', 'the redis-shm client (src/async) has not landed yet');
}

// PING with redis-shm's own client (async API, default node adapter), over shm or over
// the socket, for the latency tool's rows.
import { RedisError } from '../errors.js';
import { call, connectAsync } from './async-calls.js';
import type { Prober } from './interleave.js';
import type { Endpoint } from './raw-ping.js';

export async function openClientProber(name: string, ep: Endpoint, transport: 'shm' | 'socket'): Promise<Prober> {
  const ac = await connectAsync(ep, { transport });
  if (ac.transport !== (transport === 'shm' ? 'shm' : 'socket')) {
    ac.free();
    throw new RedisError('ERR_SHM_UNAVAILABLE', `connected over ${ac.transport ?? 'nothing'}${ac.transportReason ? `: ${ac.transportReason}` : ''}`);
  }
  return {
    name,
    ping: async () => { await call(ac, ['PING']); },
    close: () => ac.free(),
  };
}

// The endpoint a driver connects to.
import { RedisError } from '../errors.js';
import type { DriverSpec, Endpoints } from './driver.js';
import type { Endpoint } from './raw-ping.js';

/** tcp and unix: that socket. shm: opened through the Unix socket when there is one (the lifeline), else TCP. */
export function endpointFor(spec: DriverSpec, eps: Endpoints): Endpoint {
  const ep = spec.transport === 'tcp' ? eps.tcp : spec.transport === 'shm' ? eps.unix ?? eps.tcp : eps.unix;
  if (!ep) throw new RedisError('ERR_ARGUMENT', `the server has no ${spec.transport === 'tcp' ? 'TCP port' : 'Unix socket'} to benchmark`);
  return ep;
}

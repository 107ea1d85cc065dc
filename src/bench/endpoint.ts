// The endpoint a socket-based driver connects to.
import { RedisError } from '../errors.js';
import type { DriverSpec, Endpoints } from './driver.js';

export function endpointFor(spec: DriverSpec, eps: Endpoints): { path: string } | { host: string; port: number } {
  const ep = spec.transport === 'tcp' ? eps.tcp : eps.unix;
  if (!ep) throw new RedisError('ERR_ARGUMENT', `the server has no ${spec.transport === 'tcp' ? 'TCP port' : 'Unix socket'} to benchmark`);
  return ep;
}

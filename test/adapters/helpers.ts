// Shared by the adapter tests: connect an async context with an adapter. Commands as
// promises and the wait for the connect callback are test/async's.
import { redisAsyncConnectUnix } from '../../src/async/api.js';
import type { AsyncContext, AsyncOptions } from '../../src/async/context.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { whenConnected } from '../async/helpers.js';

export { cmd } from '../async/helpers.js';

export function connectWith(path: string, attach: (ac: AsyncContext) => number, opts: AsyncOptions = {}): Promise<AsyncContext> {
  const ac = redisAsyncConnectUnix(path, { connectTimeoutMs: 5000, ...opts });
  if (attach(ac) !== REDIS_OK) throw new Error('attach failed');
  return whenConnected(ac);
}

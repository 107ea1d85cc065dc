// Shared by the adapter tests: connect an async context with an adapter, commands as promises.
import { redisAsyncConnectUnix } from '../../src/async/api.js';
import type { AsyncContext, AsyncOptions } from '../../src/async/context.js';
import type { CommandArg } from '../../src/format/argv.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { REDIS_OK } from '../../src/resp/types.js';

export function connectWith(path: string, attach: (ac: AsyncContext) => number, opts: AsyncOptions = {}): Promise<AsyncContext> {
  const ac = redisAsyncConnectUnix(path, { connectTimeoutMs: 5000, ...opts });
  if (attach(ac) !== REDIS_OK) throw new Error('attach failed');
  return new Promise((resolve, reject) => {
    ac.setConnectCallback((c, status) => (status === REDIS_OK ? resolve(c) : reject(new Error(c.errstr))));
  });
}

export function cmd(ac: AsyncContext, ...argv: CommandArg[]): Promise<RedisReply | null> {
  return new Promise((resolve) => { ac.commandArgv((_c, r) => resolve(r), undefined, argv); });
}

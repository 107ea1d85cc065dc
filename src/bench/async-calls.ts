// Promises over redis-shm's callback API, for the benchmark harness and the latency tool.
// (The harness wants one promise per command from every client; this is that wrapper.)
import { AsyncContext, redisAsyncConnect, redisAsyncConnectUnix, type AsyncOptions } from '../async/index.js';
import { RedisError, ReplyError } from '../errors.js';
import { REDIS_OK, REDIS_REPLY_ERROR } from '../resp/types.js';
import type { RedisReply } from '../resp/reply.js';
import type { CommandArg } from '../format/argv.js';
import type { Endpoint } from './raw-ping.js';

/** Connect (attaching an adapter first, if given) and resolve once the connect callback reported success. */
export function connectAsync(ep: Endpoint, options: AsyncOptions, attach?: (ac: AsyncContext) => number): Promise<AsyncContext> {
  return new Promise((resolve, reject) => {
    const ac = 'path' in ep ? redisAsyncConnectUnix(ep.path, options) : redisAsyncConnect(ep.host, ep.port, options);
    if (attach && attach(ac) !== REDIS_OK) { ac.free(); reject(new RedisError('ERR_ARGUMENT', 'adapter attach failed')); return; }
    ac.setConnectCallback((c, status) => {
      if (status === REDIS_OK) resolve(c);
      else reject(c.error ?? new RedisError('ERR_OTHER', c.errstr || 'connect failed'));
    });
  });
}

/** One command; resolves with its reply, rejects with ReplyError or the context's error. */
export function call(ac: AsyncContext, argv: readonly CommandArg[]): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const rc = ac.commandArgv((c, r) => {
      if (r === null) reject(c.error ?? new RedisError('ERR_CLOSED', c.errstr || 'context closed'));
      else if (r.type === REDIS_REPLY_ERROR) reject(new ReplyError(r.str ?? ''));
      else resolve(r);
    }, null, argv);
    if (rc !== REDIS_OK) reject(ac.error ?? new RedisError('ERR_CLOSED', 'the context does not accept commands'));
  });
}

/** Close after pending replies, resolving when the disconnect callback ran. */
export function disconnectAsync(ac: AsyncContext): Promise<void> {
  if (ac.state === 'closed') return Promise.resolve();
  return new Promise((resolve) => {
    ac.setDisconnectCallback(() => resolve());
    ac.disconnect();
    setTimeout(() => { ac.free(); resolve(); }, 2000).unref();
  });
}

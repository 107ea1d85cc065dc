// redis-shm's blocking API (hiredis's redisContext): every call blocks the event loop
// until its reply is there. Wrapped in resolved promises only to fit the Driver shape.
import { RedisError, ReplyError } from '../errors.js';
import type { CommandArg } from '../format/argv.js';
import { REDIS_REPLY_ERROR, REDIS_REPLY_NIL } from '../resp/types.js';
import type { RedisReply } from '../resp/reply.js';
import { redisAppendCommandArgv, redisCommandArgv, redisConnect, redisConnectUnix, redisFree, redisGetReply, type RedisContext } from '../sync/index.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

function check(c: RedisContext, r: RedisReply | null): RedisReply {
  if (r === null) throw c.error ?? new RedisError('ERR_OTHER', c.errstr || 'no reply');
  if (r.type === REDIS_REPLY_ERROR) throw new ReplyError(r.str ?? '');
  return r;
}

export async function openRedisShmSync(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const opts = { transport: spec.transport === 'shm' ? 'shm' as const : 'socket' as const };
  const c = 'path' in ep ? redisConnectUnix(ep.path, opts) : redisConnect(ep.host, ep.port, opts);
  if (c.err) {
    const e = c.error ?? new RedisError('ERR_OTHER', c.errstr);
    redisFree(c);
    throw e;
  }
  const run = (argv: CommandArg[]): RedisReply => check(c, redisCommandArgv(c, argv));
  return {
    spec,
    ping: async () => run(['PING']),
    get: async (k) => run(['GET', k]),
    getBuffer: async (k) => { const r = run(['GET', k]); return r.type === REDIS_REPLY_NIL ? null : r.buf; },
    set: async (k, v) => run(['SET', k, v]),
    pipelineGet: async (keys) => {
      for (const k of keys) redisAppendCommandArgv(c, ['GET', k]);
      const out: RedisReply[] = [];
      for (let i = 0; i < keys.length; i++) {
        const ref = { reply: null as RedisReply | null };
        redisGetReply(c, ref);
        out.push(check(c, ref.reply));
      }
      return out;
    },
    publish: async (ch, m) => run(['PUBLISH', ch, m]).integer,
    subscribe: async () => {
      throw new RedisError('ERR_ARGUMENT', 'not applicable: a blocking context cannot wait for messages without blocking the event loop');
    },
    async close() { redisFree(c); },
  };
}

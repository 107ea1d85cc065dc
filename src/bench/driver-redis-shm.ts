// redis-shm's own client: the async (callback) API with the default node adapter, over
// shm (transport 'shm': fail rather than fall back) or the socket (transport 'socket').
import type { AsyncContext } from '../async/index.js';
import { REDIS_REPLY_NIL } from '../resp/types.js';
import { call, connectAsync, disconnectAsync } from './async-calls.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

export async function openRedisShm(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  // shm is opened through the Unix socket when there is one (the lifeline), else TCP.
  const ep = spec.transport === 'shm' ? (eps.unix ?? eps.tcp ?? endpointFor(spec, eps)) : endpointFor(spec, eps);
  const options = { transport: spec.transport === 'shm' ? 'shm' as const : 'socket' as const };
  const ac = await connectAsync(ep, options);
  let sub: AsyncContext | undefined;
  return {
    spec,
    ping: () => call(ac, ['PING']),
    get: (k) => call(ac, ['GET', k]),
    getBuffer: async (k) => {
      const r = await call(ac, ['GET', k]);
      return r.type === REDIS_REPLY_NIL ? null : r.buf;
    },
    set: (k, v) => call(ac, ['SET', k, v]),
    pipelineGet: (keys) => Promise.all(keys.map((k) => call(ac, ['GET', k]))),
    publish: async (ch, m) => (await call(ac, ['PUBLISH', ch, m])).integer,
    async subscribe(ch, onMessage) {
      sub = await connectAsync(ep, options);
      await new Promise<void>((resolve, reject) => {
        sub!.commandArgv((_c, r) => {
          if (r === null) { reject(new Error('subscriber closed')); return; }
          const kind = r.element?.[0]?.str;
          if (kind === 'subscribe') resolve();
          else if (kind === 'message') onMessage(r.element?.[2]?.str ?? '');
        }, null, ['SUBSCRIBE', ch]);
      });
    },
    async close() {
      await Promise.all([disconnectAsync(ac), sub ? (sub.free(), Promise.resolve()) : Promise.resolve()]);
    },
  };
}

// redis-shm's async (callback) API with one of the event-loop adapters, over shm
// (transport 'shm': fail rather than fall back) or the socket (transport 'socket').
// Adapters: 'node' (the doorbell through Atomics.waitAsync), 'busy-poll', 'poll' (caller-driven:
// this driver ticks it on every turn of the event loop while replies are outstanding, as an
// application with its own loop would), and 'native' (the doorbell through an addon thread).
import { redisBusyPollAttach } from '../../adapters/busy-poll.js';
import { redisNativeAttach } from '../../adapters/native.js';
import { redisNodeAttach } from '../../adapters/node.js';
import { redisPollAttach, redisPollTick } from '../../adapters/poll.js';
import type { AsyncContext } from '../async/index.js';
import { RedisError } from '../errors.js';
import type { CommandArg } from '../format/argv.js';
import { REDIS_REPLY_NIL } from '../resp/types.js';
import { call, connectAsync, disconnectAsync } from './async-calls.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

const ATTACH: Record<string, (ac: AsyncContext) => number> = {
  node: redisNodeAttach,
  'busy-poll': (ac) => redisBusyPollAttach(ac),
  poll: redisPollAttach,
  native: redisNativeAttach,
};

export async function openRedisShm(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const options = { transport: spec.transport === 'shm' ? 'shm' as const : 'socket' as const };
  const attach = ATTACH[spec.adapter ?? 'node'];
  if (!attach) throw new RedisError('ERR_ARGUMENT', `unknown adapter ${String(spec.adapter)}`);
  const ac = await connectAsync(ep, options, attach);

  // The poll adapter does nothing by itself: tick it while replies are outstanding.
  let outstanding = 0;
  let ticking = false;
  const tick = (): void => {
    if (outstanding === 0 || ac.state === 'closed') { ticking = false; return; }
    redisPollTick(ac);
    setImmediate(tick);
  };
  const send = spec.adapter === 'poll'
    ? async (argv: CommandArg[]) => {
      outstanding++;
      if (!ticking) { ticking = true; setImmediate(tick); }
      try { return await call(ac, argv); } finally { outstanding--; }
    }
    : (argv: CommandArg[]) => call(ac, argv);

  let sub: AsyncContext | undefined;
  return {
    spec,
    ping: () => send(['PING']),
    get: (k) => send(['GET', k]),
    getBuffer: async (k) => {
      const r = await send(['GET', k]);
      return r.type === REDIS_REPLY_NIL ? null : r.buf;
    },
    set: (k, v) => send(['SET', k, v]),
    pipelineGet: (keys) => Promise.all(keys.map((k) => send(['GET', k]))),
    publish: async (ch, m) => (await send(['PUBLISH', ch, m])).integer,
    async subscribe(ch, onMessage) {
      // The subscriber waits on its socket (SUBSCRIBE is socket-only); the default adapter.
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

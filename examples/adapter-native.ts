// The native adapter: shm replies wake the main thread through a native thread of the
// addon (a futex wait that calls back through a node-addon-api ThreadSafeFunction) instead
// of Atomics.waitAsync. Same callbacks, same API: only the wake differs.
import { redisNativeAttach } from '../adapters/native.js';
import {
  REDIS_OK, redisAsyncCommand, redisAsyncConnect, redisAsyncConnectUnix, redisAsyncDisconnect, redisAsyncSetDisconnectCallback,
  type AsyncContext, type RedisReply,
} from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export function main(t: Target, log: Log): Promise<void> {
  const ac = t.path ? redisAsyncConnectUnix(t.path) : redisAsyncConnect(t.host ?? '127.0.0.1', t.port ?? 6379);
  if (redisNativeAttach(ac) !== REDIS_OK) throw new Error('attach failed');
  return new Promise((resolve) => {
    redisAsyncSetDisconnectCallback(ac, () => resolve());
    let left = 3;
    const onReply = (c: AsyncContext, r: RedisReply | null): void => {
      if (!r) { log(`no reply: ${c.errstr}`); return; }  // the disconnect callback follows
      log(`INCR over ${c.transport} with the native adapter: ${r.integer}`);
      if (--left > 0) redisAsyncCommand(c, onReply, null, 'INCR example:native');
      else redisAsyncDisconnect(c);
    };
    redisAsyncCommand(ac, null, null, 'DEL example:native');
    redisAsyncCommand(ac, onReply, null, 'INCR example:native');
  });
}

runIfMain(import.meta.url, main);

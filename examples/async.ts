// The asynchronous API with callbacks (hiredis async.h): commands return at once and their
// reply callbacks run on the event loop, in send order.
import {
  REDIS_OK, redisAsyncCommand, redisAsyncConnect, redisAsyncConnectUnix, redisAsyncDisconnect,
  redisAsyncSetConnectCallback, redisAsyncSetDisconnectCallback, type AsyncContext, type RedisReply,
} from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export function main(t: Target, log: Log): Promise<void> {
  const ac: AsyncContext = t.path ? redisAsyncConnectUnix(t.path) : redisAsyncConnect(t.host ?? '127.0.0.1', t.port ?? 6379);
  return new Promise((resolve, reject) => {
    redisAsyncSetConnectCallback(ac, (c, status) => {
      if (status !== REDIS_OK) { reject(new Error(`connect failed: ${c.errstr}`)); return; }
      log(`connected over ${c.transport}`);
    });
    redisAsyncSetDisconnectCallback(ac, (c, status) => {
      log(`disconnected (${status === REDIS_OK ? 'clean' : c.errstr})`);
      if (status === REDIS_OK) resolve(); else reject(new Error(c.errstr));
    });
    // Commands may be issued before the connection is up: they wait for it.
    redisAsyncCommand(ac, null, null, 'SET %s %s', 'example:async', 'world');
    redisAsyncCommand(ac, (_c: AsyncContext, r: RedisReply | null, key: string) => {
      log(`GET ${key}: ${r?.str}`);
    }, 'example:async', 'GET %s', 'example:async');
    redisAsyncCommand(ac, (c: AsyncContext, r: RedisReply | null) => {
      log(`PING: ${r?.str}`);
      // waits for outstanding replies, then closes
      redisAsyncDisconnect(c);
    }, null, 'PING');
  });
}

runIfMain(import.meta.url, main);

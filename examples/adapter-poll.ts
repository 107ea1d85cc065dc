// The poll adapter (hiredis adapters/poll.h): the program drives the context from its own
// loop with redisPollTick(), which pulls replies and fires the command timeout when due.
import { redisPollAttach, redisPollTick } from '../adapters/poll.js';
import { REDIS_OK, redisAsyncCommand, redisAsyncConnect, redisAsyncConnectUnix, redisAsyncFree, type RedisReply } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  const opts = { commandTimeoutMs: 1000 };
  const ac = t.path ? redisAsyncConnectUnix(t.path, opts) : redisAsyncConnect(t.host ?? '127.0.0.1', t.port ?? 6379, opts);
  if (redisPollAttach(ac) !== REDIS_OK) throw new Error('attach failed');
  let reply: RedisReply | null | undefined;
  redisAsyncCommand(ac, (_c, r) => { reply = r; }, null, 'ECHO %s', 'polled');
  // "Our own loop": tick, then yield to Node so sockets and the doorbell can run.
  let ticks = 0;
  while (reply === undefined) {
    redisPollTick(ac);
    ticks++;
    await new Promise((r) => setImmediate(r));
  }
  log(`ECHO over ${ac.transport} with the poll adapter: ${reply?.str} (${ticks > 0 ? 'ticked' : 'no ticks'})`);
  redisAsyncFree(ac);
}

runIfMain(import.meta.url, main);

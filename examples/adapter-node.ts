// The node adapter (the default, attached explicitly here): replies over shm wake the main
// thread through the spinner's doorbell (Atomics.waitAsync on Node's loop).
import { redisNodeAttach } from '../adapters/node.js';
import { REDIS_OK, redisAsyncCommand, redisAsyncConnect, redisAsyncConnectUnix, redisAsyncDisconnect, redisAsyncSetDisconnectCallback } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export function main(t: Target, log: Log): Promise<void> {
  const ac = t.path ? redisAsyncConnectUnix(t.path) : redisAsyncConnect(t.host ?? '127.0.0.1', t.port ?? 6379);
  if (redisNodeAttach(ac) !== REDIS_OK) throw new Error('attach failed');
  return new Promise((resolve) => {
    redisAsyncSetDisconnectCallback(ac, () => resolve());
    redisAsyncCommand(ac, (c, r) => {
      log(`PING over ${c.transport} with the node adapter: ${r?.str}`);
      redisAsyncDisconnect(c);
    }, null, 'PING');
  });
}

runIfMain(import.meta.url, main);

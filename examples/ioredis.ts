// Existing ioredis code over shared memory: one option (or one installShm call) moves a
// connection's commands onto the rings; pub/sub, blocking commands and transactions keep
// working as before (they stay on the socket). Needs ioredis 5 or 6 installed beside redis-shm.
//   npm run build:ts && REDIS_SOCKET=/path/to/redis.sock node dist/examples/ioredis.js
import { Redis } from 'ioredis';
import { installShm, ShmConnector, type TransportInfo } from '../src/ioredis/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  const where = t.path ? { path: t.path } : { host: t.host, port: t.port };
  // one connection with the connector...
  const redis = new Redis({ ...where, Connector: ShmConnector });
  const transport = new Promise<TransportInfo>((resolve) => redis.once('shm', resolve));
  await redis.set('example:ioredis', 'hello');
  log(`transport: ${(await transport).transport}`);
  log(`GET example:ioredis: ${await redis.get('example:ioredis')}`);
  log(`pipeline: ${JSON.stringify(await redis.pipeline().incr('example:n').incr('example:n').exec())}`);

  // ...or every connection of the class, duplicates and Cluster nodes included
  const uninstall = installShm(Redis);
  const sub = new Redis(where);
  const message = new Promise<string>((resolve) => sub.on('message', (ch: string, m: string) => resolve(`${ch} -> ${m}`)));
  await sub.subscribe('example:news');
  await redis.publish('example:news', 'over shm');
  log(`message: ${await message}`);

  await redis.del('example:n');
  sub.disconnect();
  await redis.quit();
  uninstall();
}

runIfMain(import.meta.url, main);

// The sync API inside a worker thread (how a server keeps its own event loop free), over shm
// and the socket. Runs the compiled library (dist/), as a worker needs JavaScript.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startRedis, type RedisServer } from '../helpers/redis-server.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

describe('sync API in a worker thread', () => {
  it('connects over shm and over the socket and answers', async () => {
    const entry = join(ROOT, 'dist', 'src', 'index.js');
    expect(existsSync(entry), 'run npm run build:ts first').toBe(true);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.entry).then(({ redisConnectUnix, redisCommand, redisFree }) => {
        const out = [];
        for (const transport of ['shm', 'socket']) {
          const c = redisConnectUnix(workerData.path, { transport, connectTimeoutMs: 5000 });
          out.push(c.err ? 'ERR ' + c.errstr : c.transport + ' ' + redisCommand(c, 'ECHO %s', 'in-worker').str);
          redisFree(c);
        }
        parentPort.postMessage(out);
      });`;
    const w = new Worker(code, { eval: true, execArgv: [], workerData: { entry: pathToFileURL(entry).href, path: srv.socket } });
    const got = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
    expect(got).toEqual(['shm in-worker', 'socket in-worker']);
  });
});

// Every example runs against a real server (shm available), and its output is checked,
// so none can rot. Each example also runs standalone (see examples/target.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { main as syncMain } from '../../examples/sync.js';
import { main as asyncMain } from '../../examples/async.js';
import { main as promiseMain } from '../../examples/promise.js';
import { main as subscriberMain } from '../../examples/subscriber.js';
import { main as readerMain } from '../../examples/reader.js';
import { main as nodeMain } from '../../examples/adapter-node.js';
import { main as busyPollMain } from '../../examples/adapter-busy-poll.js';
import { main as pollMain } from '../../examples/adapter-poll.js';
import { main as nativeMain } from '../../examples/adapter-native.js';
import { main as clusterMain } from '../../examples/cluster.js';
import { main as ioredisMain } from '../../examples/ioredis.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

async function run(main: (t: { path: string }, log: (...a: unknown[]) => void) => unknown): Promise<string[]> {
  const lines: string[] = [];
  await main({ path: srv.socket }, (...a) => lines.push(a.join(' ')));
  return lines;
}

describe('examples', () => {
  it('sync', async () => {
    expect(await run(syncMain)).toEqual([
      'transport: shm', 'PING: PONG', 'GET example:sync: hello', 'INCR counter: 1', 'LRANGE example:list: a,b',
    ]);
  });

  it('async (callbacks)', async () => {
    expect(await run(asyncMain)).toEqual([
      'connected over shm', 'GET example:async: world', 'PING: PONG', 'disconnected (clean)',
    ]);
  });

  it('ioredis (connector and installShm)', async () => {
    expect(await run(ioredisMain)).toEqual([
      'transport: shm', 'GET example:ioredis: hello', 'pipeline: [[null,1],[null,2]]', 'message: example:news -> over shm',
    ]);
  });

  it('promise', async () => {
    expect(await run(promiseMain)).toEqual([
      'transport: shm', 'GET: value', 'INCR twice: 1', 'MULTI/EXEC: ["OK",2]', 'server error: WRONGTYPE',
    ]);
  });

  it('subscriber', async () => {
    const out = await run(subscriberMain);
    // callbacks and events run as messages arrive, the iterator as it is consumed: their
    // interleaving depends on timing, the order within each does not
    expect(out.filter((l) => !l.startsWith('iterator:')).slice(0, 4).sort()).toEqual([
      'callback: example:news -> first', 'callback: example:news -> second',
      'event: example:* matched example:news -> first', 'event: example:* matched example:news -> second',
    ].sort());
    expect(out.filter((l) => l.startsWith('iterator:'))).toEqual([
      'iterator: message example:news first', 'iterator: pmessage example:news first',
      'iterator: message example:news second', 'iterator: pmessage example:news second',
    ]);
    expect(out.at(-1)).toBe('callback: example:news ended (unsubscribe)');
  });

  it('reader', async () => {
    expect(await run(readerMain)).toEqual([
      'after the first piece: need more bytes', 'array: hello, 42', 'status: OK',
      expect.stringMatching(/^bad input: error: Protocol error/) as unknown as string,
    ]);
  });

  it('adapter: node', async () => {
    expect(await run(nodeMain)).toEqual(['PING over shm with the node adapter: PONG']);
  });

  it('adapter: busy-poll', async () => {
    expect(await run(busyPollMain)).toEqual([expect.stringMatching(/^1000 sequential PINGs over shm with busy-poll: [\d.]+ us each/) as unknown as string]);
  });

  it('adapter: poll', async () => {
    expect(await run(pollMain)).toEqual(['ECHO over shm with the poll adapter: polled (ticked)']);
  });

  it('adapter: native', async () => {
    expect(await run(nativeMain)).toEqual([1, 2, 3].map((n) => `INCR over shm with the native adapter: ${n}`));
  });
});

describe('examples on a cluster', () => {
  let cl: TestCluster;
  beforeAll(async () => { cl = await startTestCluster({ replicas: 0 }); }, 60000);
  afterAll(async () => { await cl?.stop(); });

  it('cluster', async () => {
    const lines: string[] = [];
    await clusterMain(cl.seed, (...a) => lines.push(a.join(' ')));
    expect(lines).toEqual([
      'masters: 3, transports: shm', 'GET {user:1}:name: ada', 'pipeline: ["OK","OK","OK","A","B","C"]',
      'MULTI/EXEC: [1,2]', 'smessage: {user:1}:events -> logged in',
    ]);
  });
});

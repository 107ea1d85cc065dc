// adapters/native.ts: shm replies wake the main thread through the addon's BellWatcher
// (a ThreadSafeFunction) instead of Atomics.waitAsync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisNativeAttach } from '../../adapters/native.js';
import { redisNodeAttach } from '../../adapters/node.js';
import { redisPollAttach } from '../../adapters/poll.js';
import { REDIS_ERR, REDIS_ERR_TIMEOUT } from '../../src/index.js';
import { Spinner } from '../../src/spinner/spinner.js';
import { sleep } from '../async/helpers.js';
import { cmd, connectWith } from './helpers.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

describe.each(['shm', 'socket'] as const)('native adapter over %s', (transport) => {
  it('serves commands and refuses a second attach', async () => {
    const ac = await connectWith(srv.socket, redisNativeAttach, { transport });
    expect(ac.transport).toBe(transport);
    expect((await cmd(ac, 'SET', `nt:${transport}`, 'v'))!.str).toBe('OK');
    expect((await cmd(ac, 'GET', `nt:${transport}`))!.str).toBe('v');
    expect(redisNativeAttach(ac)).toBe(REDIS_ERR);
    expect(redisPollAttach(ac)).toBe(REDIS_ERR);
    ac.free();
  });

  it('runs the command timeout on its timer', async () => {
    const ac = await connectWith(srv.socket, redisNativeAttach, { transport, commandTimeoutMs: 100 });
    const t0 = performance.now();
    expect(await cmd(ac, 'BLPOP', `nt:${transport}:empty`, 5)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
  });
});

describe('native wake path', () => {
  it('wakes its own channel through the watcher; a node context beside it keeps waitAsync', async () => {
    const nat = await connectWith(srv.socket, redisNativeAttach, { transport: 'shm' });
    const node = await connectWith(srv.socket, redisNodeAttach, { transport: 'shm' });
    expect(Spinner.wakeStats.watcher).toBe(true);
    const run = async (ac: typeof nat): Promise<{ native: number; waitAsync: number }> => {
      const before = Spinner.wakeStats;
      for (let i = 0; i < 20; i++) {
        await sleep(2);  // idle between commands: the main thread is parked when the reply comes
        expect((await cmd(ac, 'INCR', 'nt:count'))!.integer).toBeGreaterThan(0);
      }
      const after = Spinner.wakeStats;
      return { native: after.native - before.native, waitAsync: after.waitAsync - before.waitAsync };
    };
    const a = await run(nat);
    expect(a.native).toBeGreaterThanOrEqual(10);
    expect(a.waitAsync).toBe(0);
    const b = await run(node);
    expect(b.native).toBe(0);
    expect(b.waitAsync).toBeGreaterThanOrEqual(10);
    // The watcher thread lives while a native channel is registered.
    nat.free();
    const end = Date.now() + 5000;
    while (Spinner.wakeStats.watcher && Date.now() < end) await sleep(5);
    expect(Spinner.wakeStats.watcher).toBe(false);
    expect((await cmd(node, 'PING'))!.str).toBe('PONG');
    node.free();
  });

  it('many contexts, interleaved replies: each callback runs once, in order', async () => {
    const ctxs = await Promise.all([0, 1, 2].map(() => connectWith(srv.socket, redisNativeAttach, { transport: 'shm' })));
    const seen: string[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const ac = ctxs[i % 3]!;
      all.push(cmd(ac, 'ECHO', `m${i}`).then((r) => { seen.push(r!.str!); }));
    }
    await Promise.all(all);
    expect(seen.length).toBe(200);
    for (const k of [0, 1, 2]) {
      const mine = seen.filter((s) => Number(s.slice(1)) % 3 === k);
      expect(mine).toEqual([...mine].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    }
    for (const ac of ctxs) ac.free();
  });
});

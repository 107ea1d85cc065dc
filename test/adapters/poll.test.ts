// adapters/poll.ts: the caller owns the timer: the command timeout fires only from redisPollTick.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisPollAttach, redisPollTick } from '../../adapters/poll.js';
import { redisNodeAttach } from '../../adapters/node.js';
import { REDIS_ERR, REDIS_ERR_TIMEOUT } from '../../src/index.js';
import { cmd, connectWith } from './helpers.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

describe.each(['shm', 'socket'] as const)('poll adapter over %s', (transport) => {
  it('serves commands with the caller ticking', async () => {
    const ac = await connectWith(srv.socket, redisPollAttach, { transport });
    const ticker = setInterval(() => redisPollTick(ac), 1);
    for (let i = 0; i < 20; i++) expect((await cmd(ac, 'PING'))!.str).toBe('PONG');
    clearInterval(ticker);
    expect(redisPollAttach(ac)).toBe(REDIS_ERR);
    ac.free();
  });

  it('the command timeout fires on the caller\'s tick, not on its own', async () => {
    const ac = await connectWith(srv.socket, redisPollAttach, { transport, commandTimeoutMs: 50 });
    let reply: unknown = 'pending';
    void cmd(ac, 'BLPOP', `pa:${transport}:none`, 5).then((r) => { reply = r; });
    await new Promise((r) => setTimeout(r, 200));
    expect(reply).toBe('pending');
    expect(ac.err).toBe(0);
    expect(redisPollTick(ac)).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(reply).toBeNull();
    expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
  });

  it('redisPollTick refuses a context without the poll adapter', async () => {
    const ac = await connectWith(srv.socket, redisNodeAttach, { transport });
    expect(redisPollTick(ac)).toBe(-1);
    ac.free();
  });
});

// adapters/node.ts: the default adapter, attached explicitly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisNodeAttach } from '../../adapters/node.js';
import { redisBusyPollAttach } from '../../adapters/busy-poll.js';
import { REDIS_ERR, REDIS_ERR_TIMEOUT } from '../../src/index.js';
import { cmd, connectWith } from './helpers.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

describe.each(['shm', 'socket'] as const)('node adapter over %s', (transport) => {
  it('serves commands and refuses a second attach', async () => {
    const ac = await connectWith(srv.socket, redisNodeAttach, { transport });
    expect(ac.transport).toBe(transport);
    expect((await cmd(ac, 'SET', `na:${transport}`, 'v'))!.str).toBe('OK');
    expect((await cmd(ac, 'GET', `na:${transport}`))!.str).toBe('v');
    expect(redisNodeAttach(ac)).toBe(REDIS_ERR);
    expect(redisBusyPollAttach(ac)).toBe(REDIS_ERR);
    ac.free();
  });

  it('runs the command timeout on its timer', async () => {
    const ac = await connectWith(srv.socket, redisNodeAttach, { transport, commandTimeoutMs: 100 });
    const t0 = performance.now();
    expect(await cmd(ac, 'BLPOP', `na:${transport}:empty`, 5)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
  });
});

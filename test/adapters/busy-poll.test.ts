// adapters/busy-poll.ts: polls while replies are outstanding, within its budget, then stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisBusyPollAttach, type BusyPollHooks } from '../../adapters/busy-poll.js';
import { REDIS_ERR, REDIS_ERR_TIMEOUT } from '../../src/index.js';
import { cmd, connectWith } from './helpers.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

describe.each(['shm', 'socket'] as const)('busy-poll adapter over %s', (transport) => {
  it('serves a request/response loop, polling only while a reply is outstanding', async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 50_000 }), { transport });
    const ev = ac.ev as BusyPollHooks;
    for (let i = 0; i < 200; i++) expect((await cmd(ac, 'INCR', `bp:${transport}`))!.integer).toBe(i + 1);
    await cmd(ac, 'DEL', `bp:${transport}`);
    const after = ev.polls;
    await new Promise((r) => setTimeout(r, 50));
    // idle: no reply outstanding, so no polling
    expect(ev.polls).toBe(after);
    expect(redisBusyPollAttach(ac)).toBe(REDIS_ERR);
    ac.free();
  });

  it('stops polling when its budget runs out, and the reply still arrives (doorbell)', async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 1000 }), { transport });
    const ev = ac.ev as BusyPollHooks;
    const key = `bp:${transport}:late`;
    await cmd(ac, 'DEL', key);
    const waiting = cmd(ac, 'BLPOP', key, 5);  // socket-only, answered in ~100 ms
    const before = ev.polls;
    await new Promise((r) => setTimeout(r, 100));
    const during = ev.polls - before;
    const pusher = await connectWith(srv.socket, () => 0);
    await cmd(pusher, 'RPUSH', key, 'x');
    const r = await waiting;
    expect(r!.element!.map((e) => e.str)).toEqual([key, 'x']);
    // 1 ms of budget is at most a few hundred setImmediate turns, never 100 ms of them
    expect(during).toBeLessThan(2000);
    pusher.free();
    ac.free();
  });

  it('backs off after windows that keep running out, leaving requests to the doorbell', async () => {
    // no budget: every window ends before its first poll
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 0 }), { transport });
    const ev = ac.ev as BusyPollHooks;
    for (let i = 0; i < 20; i++) expect((await cmd(ac, 'PING'))!.str).toBe('PONG');
    expect(ev.misses).toBe(3);
    expect(ev.skipped).toBe(17);
    expect(ev.polls).toBe(0);
    ac.free();
  });

  it('runs the command timeout', async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c), { transport, commandTimeoutMs: 100 });
    expect(await cmd(ac, 'BLPOP', `bp:${transport}:none`, 5)).toBeNull();
    expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
  });
});

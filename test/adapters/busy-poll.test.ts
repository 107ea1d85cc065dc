// adapters/busy-poll.ts: polls while replies are outstanding, within its budget, then stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisBusyPollAttach, type BusyPollHooks } from '../../adapters/busy-poll.js';
import { REDIS_ERR, REDIS_ERR_TIMEOUT } from '../../src/index.js';
import { cmd, connectWith } from './helpers.js';
import type { AsyncContext } from '../../src/async/context.js';
import type { ShmChannel } from '../../src/transport/shm.js';
import { Spinner } from '../../src/spinner/spinner.js';
import { readdirSync } from 'node:fs';
import { until } from '../helpers/until.js';
import { redisAsyncConnectUnix } from '../../src/async/index.js';

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

// The direct path: the main thread reads the REP ring itself while it polls, and hands it
// back to the spinner worker (doorbell) when the budget runs out.
describe('busy-poll adapter: direct REP reads over shm', () => {
  const isDirect = (ac: AsyncContext): boolean => (ac as unknown as { shm: ShmChannel }).shm.isDirect;

  it('reads REP on the main thread while polling and gives it back once idle (holdMs 0: at the next loop turn)', async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 50_000, holdMs: 0 }), { transport: 'shm' });
    const ev = ac.ev as BusyPollHooks;
    expect(ac.transport).toBe('shm');
    for (let i = 0; i < 50; i++) expect((await cmd(ac, 'ECHO', `d${i}`))!.str).toBe(`d${i}`);
    expect(isDirect(ac)).toBe(true);  // a request/response loop keeps the ring
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(isDirect(ac)).toBe(false);  // idle for a loop turn: back to the worker
    expect(ev.releases).toBeGreaterThan(0);
    // the worker delivers again (node-adapter path): a reply with nobody polling
    expect(ac.readDirect()).toBe(-1);
    ac.free();
  });

  it('keeps REP across a pause in traffic for the hold, then gives it back', async () => {
    // a fixed hold (the adaptive one follows the gaps, which a loaded host stretches)
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 50_000, holdMs: 1500 }), { transport: 'shm' });
    try {
      const ev = ac.ev as BusyPollHooks;
      for (let i = 0; i < 20; i++) expect((await cmd(ac, 'ECHO', `h${i}`))!.str).toBe(`h${i}`);
      await new Promise((r) => setTimeout(r, 30));
      expect(isDirect(ac)).toBe(true);  // held past the loop turns that used to end it
      expect(ev.releases).toBe(0);
      expect((await cmd(ac, 'ECHO', 'held'))!.str).toBe('held');
      // idle past the hold: back to the worker, which delivers (and watches the session) again
      await until(() => !isDirect(ac), 10000, 20, 'REP handed back after the hold');
      expect(ev.releases).toBe(1);
      expect((await cmd(ac, 'ECHO', 'again'))!.str).toBe('again');
    } finally { ac.free(); }
  });

  it("keeps REP for the whole session with spin: 'always'", async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 50_000 }), { transport: 'shm', spin: 'always' });
    try {
      expect(ac.spin).toBe('always');
      for (let i = 0; i < 20; i++) expect((await cmd(ac, 'ECHO', `a${i}`))!.str).toBe(`a${i}`);
      await new Promise((r) => setTimeout(r, 120));  // more than the longest adaptive hold (50 ms)
      expect(isDirect(ac)).toBe(true);
      expect((await cmd(ac, 'ECHO', 'later'))!.str).toBe('later');
    } finally { ac.free(); }
  });

  it('refuses an unknown spin policy', async () => {
    const ac = redisAsyncConnectUnix(srv.socket, { spin: 'sometimes' as never });
    expect(ac.error?.code).toBe('ERR_ARGUMENT');
    ac.free();
  });

  it('falls back to the doorbell when the budget runs out, and the reply still arrives', async () => {
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 2000 }), { transport: 'shm' });
    const ev = ac.ev as BusyPollHooks;
    await cmd(ac, 'SET', 'bp:paused', '0');
    expect(await srv.command('CLIENT', 'PAUSE', '300', 'WRITE')).toBe('+OK\r\n');
    const r = await cmd(ac, 'INCR', 'bp:paused');  // held by the server for ~300 ms
    expect(r!.integer).toBe(1);
    expect(ev.misses).toBeGreaterThanOrEqual(1);
    expect(ev.releases).toBeGreaterThanOrEqual(1);
    expect(isDirect(ac)).toBe(false);
    ac.free();
  });

  it('keeps send order across handbacks under load (pipelines, a 3 MB value through the 1 MB ring, socket-only commands)', async () => {
    // a small budget: windows run out now and then, so REP changes hands mid-stream
    const ac = await connectWith(srv.socket, (c) => redisBusyPollAttach(c, { budgetUs: 100, spinUs: 10, parkUs: 0 }), { transport: 'shm' });
    const ev = ac.ev as BusyPollHooks;
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    big.write('head', 0);
    big.write('tail', big.length - 4);
    await cmd(ac, 'DEL', 'bp:order');
    await cmd(ac, 'SET', 'bp:big', big);
    const got: string[] = [];
    const want: string[] = [];
    const all: Array<Promise<unknown>> = [];
    for (let round = 0; round < 20; round++) {
      // a held batch: its window surely runs out, so REP goes back to the worker mid-stream
      if (round === 10) expect(await srv.command('CLIENT', 'PAUSE', '50', 'WRITE')).toBe('+OK\r\n');
      for (let i = 0; i < 200; i++) {
        const n = round * 200 + i + 1;
        want.push(String(n));
        all.push(cmd(ac, 'INCR', 'bp:order').then((x) => { got.push(String(x!.integer)); }));
      }
      if (round % 5 === 0) {
        want.push('big');
        all.push(cmd(ac, 'GET', 'bp:big').then((x) => {
          const b = Buffer.from(x!.str!, 'latin1');
          got.push(b.length === big.length && b.subarray(0, 4).toString() === 'head' && b.subarray(-4).toString() === 'tail' ? 'big' : `bad:${b.length}`);
        }));
      }
      if (round % 7 === 0) {
        want.push('client');  // CLIENT ID goes over the socket: the ordering barrier
        all.push(cmd(ac, 'CLIENT', 'ID').then((x) => { got.push(typeof x!.integer === 'number' || typeof x!.integer === 'bigint' ? 'client' : 'bad'); }));
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    expect(got).toEqual(want);
    expect(ev.polls).toBeGreaterThan(0);
    expect(ev.misses).toBeGreaterThan(0);
    expect(ev.releases).toBeGreaterThan(0);
    expect(ac.err).toBe(0);
    ac.free();
  });
});

describe('busy-poll adapter when redis-server dies while the main thread reads REP', () => {
  it('calls every pending callback once with null within 100 ms, stops the worker, leaves nothing in /dev/shm', async () => {
    const victim = await startRedis({ module: true });
    // a long budget: the main thread is still reading REP itself when the server dies
    const ac = await connectWith(victim.socket, (c) => redisBusyPollAttach(c, { budgetUs: 5_000_000 }), { transport: 'shm' });
    const shmNames = (): string[] => readdirSync('/dev/shm').filter((f) => f.startsWith('redis-shm.'));
    const before = shmNames();
    expect((await cmd(ac, 'SET', 'bp:dies', '1'))!.str).toBe('OK');
    expect(await victim.command('CLIENT', 'PAUSE', '10000', 'WRITE')).toBe('+OK\r\n');
    const calls: Array<string | null> = [];
    const pending = [0, 1, 2].map((i) => new Promise<void>((res) => {
      ac.commandArgv((_c, r) => { calls.push(r === null ? null : `reply${i}`); res(); }, undefined, ['INCR', 'bp:dies']);
    }));
    await new Promise((r) => setTimeout(r, 20));
    expect(isDirectOf(ac)).toBe(true);
    const t0 = Date.now();
    await victim.stop({ signal: 'SIGKILL' });
    await Promise.all(pending);
    expect(Date.now() - t0).toBeLessThan(100 + 50);  // + the time stop() takes to see the exit
    expect(calls).toEqual([null, null, null]);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(3);  // once each
    for (let i = 0; i < 200 && Spinner.channelCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(Spinner.channelCount).toBe(0);
    expect(shmNames().filter((n) => !before.includes(n))).toEqual([]);
  });
});

function isDirectOf(ac: AsyncContext): boolean { return (ac as unknown as { shm: ShmChannel }).shm.isDirect; }

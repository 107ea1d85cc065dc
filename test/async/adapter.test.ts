// The adapter hooks (hiredis ac->ev): when the context calls them, and what handleRead does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsyncAdapterHooks, AsyncAdapterTarget } from '../../src/async/adapter.js';
import { REDIS_ERR, REDIS_OK } from '../../src/resp/types.js';
import type { ChannelHandlers } from '../../src/transport/channel.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { cmd, open, plain, TRANSPORTS } from './helpers.js';

function recorder(log: string[]): (t: AsyncAdapterTarget) => AsyncAdapterHooks {
  return () => ({
    addRead: () => log.push('addRead'),
    delRead: () => log.push('delRead'),
    scheduleTimer: (ms) => log.push(`timer:${ms}`),
    cleanup: () => log.push('cleanup'),
  });
}

describe('adapter hooks', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ module: false }); });
  afterAll(async () => { await srv?.stop(); });

  it('addRead when replies become outstanding, delRead when none are, timer, cleanup; one adapter only', async () => {
    const log: string[] = [];
    const ac = open(srv, TRANSPORTS[0]!, { commandTimeoutMs: 5000 });
    expect(ac.attach(recorder(log))).toBe(REDIS_OK);
    expect(ac.attach(recorder([]))).toBe(REDIS_ERR);
    await Promise.all([cmd(ac, 'PING'), cmd(ac, 'PING'), cmd(ac, 'PING')]);
    expect(log).toEqual(['addRead', 'timer:5000', 'delRead']);
    expect(plain(await cmd(ac, 'ECHO', 'x'))).toBe('x');
    expect(log.slice(3)).toEqual(['addRead', 'delRead']); // the timer is still armed
    ac.free();
    expect(log.at(-1)).toBe('cleanup');
  });

  it('a timer fired through the adapter fails a stuck context; an early one re-arms', async () => {
    let target: AsyncAdapterTarget | undefined;
    const timers: number[] = [];
    const ac = open(srv, TRANSPORTS[0]!, { commandTimeoutMs: 60 });
    ac.attach((t) => { target = t; return { addRead() {}, delRead() {}, scheduleTimer: (ms) => timers.push(ms), cleanup() {} }; });
    const r = cmd(ac, 'BLPOP', 'adapter:none', 5);
    await new Promise((res) => setTimeout(res, 20));
    target!.handleTimeout(); // too early: re-arms for the rest
    expect(timers).toHaveLength(2);
    expect(timers[1]).toBeLessThan(60);
    await new Promise((res) => setTimeout(res, 60));
    target!.handleTimeout();
    expect(await r).toBeNull();
    expect(ac.errstr).toMatch(/Timeout/);
  });

  it('handleRead asks a pollable channel for its bytes', async () => {
    let handlers: ChannelHandlers | undefined;
    let polls = 0;
    const pending: Uint8Array[] = [];
    const ac = open(srv, { ...TRANSPORTS[0]!, transport: 'shm' }, {
      shmOpener: async (req) => {
        handlers = req.handlers;
        return {
          kind: 'shm' as const,
          // Replies wait in the channel until polled (as a main-thread ring reader would).
          write: () => { pending.push(Buffer.from('+PONG\r\n')); },
          close: () => undefined,
          poll: () => { polls++; for (const b of pending.splice(0)) handlers!.onData(b); },
        };
      },
    });
    let target: AsyncAdapterTarget | undefined;
    ac.attach((t) => { target = t; return { addRead() {}, delRead() {}, scheduleTimer() {}, cleanup() {} }; });
    await new Promise<void>((res) => ac.setConnectCallback(() => res()));
    expect(ac.transport).toBe('shm');
    let reply: unknown;
    ac.commandArgv((_c, r) => { reply = plain(r); }, 0, ['PING']);
    await new Promise((res) => setTimeout(res, 10));
    expect(reply).toBeUndefined();
    target!.handleRead();
    expect(polls).toBe(1);
    expect(reply).toBe('PONG');
    ac.free();
  });
});

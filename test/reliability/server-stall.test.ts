// The server stops answering while shm commands are in flight: its main thread is stuck in
// a 2 s DEBUG SLEEP sent on another connection, holding the lock the serving threads need.
// (SIGSTOP would be the natural stall, but in this sandbox a stopped redis-server still
// answers, so the test cannot rely on it.) The library's command timeout must fail the
// pending commands (null replies, ERR_TIMEOUT) instead of hanging; once the server runs
// again it cleans up the abandoned session and serves new ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisAsyncConnect } from '../../src/async/api.js';
import type { AsyncContext } from '../../src/async/context.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { RawConn } from './raw-conn.js';
import { assertNoCrash, sleep, waitSessions } from './helpers.js';

function connectShm(port: number, commandTimeoutMs: number): Promise<AsyncContext> {
  const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'shm', connectTimeoutMs: 5000, commandTimeoutMs });
  return new Promise((res, rej) => ac.setConnectCallback((c, st) => (st === REDIS_OK ? res(c) : rej(new Error(c.errstr)))));
}

function command(ac: AsyncContext, ...argv: string[]): Promise<RedisReply | null> {
  return new Promise((res) => { if (ac.commandArgv((_c, r) => res(r), 0, argv) !== REDIS_OK) res(null); });
}

describe('a stalled server', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--enable-debug-command', 'yes'] }); });
  afterAll(async () => { await srv?.stop(); });

  it('pending shm commands time out during the stall; afterwards the server cleans up', async () => {
    const ac = await connectShm(srv.port, 300);
    expect(ac.transport).toBe('shm');
    expect((await command(ac, 'SET', 'stall', '1'))?.str).toBe('OK');
    const blocker = await RawConn.open(srv.port);
    const stalled = blocker.call('DEBUG', 'SLEEP', '2');
    await sleep(50);
    const t0 = performance.now();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => command(ac, 'INCR', `stall:${i}`)));
    const ms = performance.now() - t0;
    expect(replies.map((r) => (r === null ? null : r.str ?? String(r.integer)))).toEqual(replies.map(() => null));
    expect(ac.error?.code).toBe('ERR_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1900);   // before the stall ended
    ac.free();
    expect(await stalled).toBe('+OK\r\n');
    blocker.close();
    await waitSessions(srv, 0);   // the freed client's lifeline closed: the session went with it
    const again = await connectShm(srv.port, 2000);
    expect((await command(again, 'GET', 'stall'))?.str).toBe('1');
    again.free();
    await waitSessions(srv, 0);
    assertNoCrash(srv);
  });
});

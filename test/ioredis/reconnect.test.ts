// Losing the connection and getting it back: CLIENT KILL, a server restart on the same
// port and socket, SIGKILL, a dropped stream; retryStrategy, the offline queue,
// maxRetriesPerRequest, resending unanswered commands, reconnectOnError. Nothing may hang.
import { expect, test } from 'vitest';
import type { RedisServer } from '../helpers/redis-server.js';
import { startRedis } from '../helpers/redis-server.js';
import { describeCells, once, sleep, type CellContext, type Client } from './matrix.js';

const SPIN = "local function now() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end "
  + 'local s = now() repeat until now() - s > tonumber(ARGV[1]) * 1000 return 1';

function recordEvents(r: Client): string[] {
  const seen: string[] = [];
  for (const e of ['connect', 'ready', 'close', 'reconnecting', 'end']) r.on(e, () => seen.push(e));
  return seen;
}

/** Starts `s` (stopped with keepDir) again on its port, socket path and dir. The caller
 *  stops the new one; the dir goes with `s`'s own stop after the test. */
function restart(ctx: CellContext, s: RedisServer): Promise<RedisServer> {
  return startRedis({ module: ctx.cell.transport !== 'fallback', dir: s.dir, port: s.port });
}

describeCells('ioredis reconnects', (ctx) => {
  test('CLIENT KILL: reconnects, keeps the selected db and the transport', async () => {
    const r = ctx.client({ db: 2, retryStrategy: () => 10 });
    await r.select(3);
    await r.set('k', 'db3');
    const seen = recordEvents(r);
    const id = await r.client('ID');
    const ready = once(r, 'ready');
    await ctx.admin().client('KILL', 'ID', String(id));
    await ready;
    expect(seen).toEqual(['close', 'reconnecting', 'connect', 'ready']);
    expect(await r.client('ID')).not.toBe(id);
    expect(await r.get('k')).toBe('db3');
    await ctx.expectTransport(r);
  });

  test('commands issued before ready and during a reconnect are queued and answered in order', async () => {
    const r = ctx.client({ retryStrategy: () => 50 });
    const early = [r.set('q', '1'), r.incr('q'), r.get('q')];
    expect(r.status).not.toBe('ready');
    expect(await Promise.all(early)).toEqual(['OK', 2, '2']);
    const id = await r.client('ID');
    const closed = once(r, 'close');
    await ctx.admin().client('KILL', 'ID', String(id));
    await closed;
    expect(r.status).not.toBe('ready');
    const during = [r.incr('q'), r.incr('q'), r.get('q')];
    expect(await Promise.all(during)).toEqual([3, 4, '4']);
  });

  test('enableOfflineQueue: false rejects commands issued before the connection is ready', async () => {
    const r = ctx.client({ enableOfflineQueue: false });
    await expect(r.get('k')).rejects.toThrow(/Stream isn't writeable|enableOfflineQueue/);
    await once(r, 'ready');
    expect(await r.ping()).toBe('PONG');
  });

  test('an unanswered BLPOP is resent after the reconnect and woken by a later push', async () => {
    const r = ctx.client({ retryStrategy: () => 10 });
    const id = await r.client('ID');
    const pop = r.blpop('jobs', 5);
    await sleep(50);
    const ready = once(r, 'ready');
    await ctx.admin().client('KILL', 'ID', String(id));
    await ready;
    await sleep(50);
    await ctx.admin().rpush('jobs', 'j1');
    expect(await pop).toEqual(['jobs', 'j1']);
  });

  test('reconnectOnError returning 2 reconnects and resends the failed command', async () => {
    const FAIL_ONCE = "if redis.call('SET', KEYS[1], 1, 'NX') then return redis.error_reply('READONLY fake') end return 'second'";
    const reasons: string[] = [];
    const r = ctx.client({
      retryStrategy: () => 10,
      reconnectOnError: (e) => { reasons.push(e.message); return e.message.startsWith('READONLY') ? 2 : false; },
    });
    await r.ping();
    const seen = recordEvents(r);
    expect(await r.eval(FAIL_ONCE, 1, 'failed-once')).toBe('second');
    expect(reasons).toEqual(['READONLY fake']);
    expect(seen).toContain('reconnecting');
  });

  test('a server restart on the same port and socket: the client comes back on its own', async () => {
    const s = await ctx.startServer();
    const r = ctx.client({ retryStrategy: () => 30 }, s);
    await r.set('k', 'before');
    const seen = recordEvents(r);
    await s.stop({ keepDir: true });
    await once(r, 'close');
    const queued = r.set('k', 'after');  // issued while the server is down
    const ready = once(r, 'ready', 8000);  // before the restart: the client may beat its await
    const s2 = await restart(ctx, s);
    try {
      await ready;
      expect(await queued).toBe('OK');
      expect(await r.get('k')).toBe('after');
      expect(seen[0]).toBe('close');
      expect(seen.slice(-2)).toEqual(['connect', 'ready']);
      await ctx.expectTransport(r, s2);
    } finally {
      r.disconnect();
      await s2.stop();
    }
  });

  test('SIGKILL with no retries: in-flight commands reject, close and end follow, nothing hangs', async () => {
    const s = await ctx.startServer();
    const r = ctx.client({ retryStrategy: () => null }, s);
    const other = ctx.client({ retryStrategy: () => null }, s);
    await r.ping();
    await other.ping();
    const seen = recordEvents(r);
    const spinning = r.eval(SPIN, 0, 2000).catch((e: Error) => e);  // a ring command on shm
    const blocked = other.blpop('never', 10).catch((e: Error) => e);  // a socket command
    await sleep(100);
    const t0 = Date.now();
    await s.stop({ signal: 'SIGKILL' });
    const [e1, e2] = await Promise.all([spinning, blocked]);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(String(e1)).toMatch(/Connection is closed/);
    expect(String(e2)).toMatch(/Connection is closed/);
    await until(() => seen.includes('end'));
    expect(seen).toEqual(['close', 'end']);
    expect(r.status).toBe('end');
    await expect(r.get('k')).rejects.toThrow(/Connection is closed/);
  });

  test('SIGKILL with retries: maxRetriesPerRequest fails commands while down; a restart brings it back', async () => {
    const s = await ctx.startServer();
    const r = ctx.client({ retryStrategy: () => 20, maxRetriesPerRequest: 1 }, s);
    await r.set('k', 'v');
    await s.stop({ signal: 'SIGKILL', keepDir: true });
    await once(r, 'close');
    const t0 = Date.now();
    await expect(r.get('k')).rejects.toThrow(/max retries per request/i);
    expect(Date.now() - t0).toBeLessThan(2000);
    const ready = once(r, 'ready', 8000);
    const s2 = await restart(ctx, s);
    try {
      await ready;
      expect(await r.ping()).toBe('PONG');
      await ctx.expectTransport(r, s2);
    } finally {
      r.disconnect();
      await s2.stop();
    }
  });

  test('a dropped stream behaves as a closed socket: error, close, reconnect', async () => {
    const r = ctx.client({ retryStrategy: () => 10 });
    await r.set('k', 'v');
    const seen = recordEvents(r);
    const errors: string[] = [];
    r.on('error', (e: Error) => errors.push(e.message));
    let ready = once(r, 'ready');
    r.stream.destroy();
    await ready;
    expect(seen).toEqual(['close', 'reconnecting', 'connect', 'ready']);
    ready = once(r, 'ready');
    r.stream.destroy(new Error('dropped'));
    await ready;
    expect(errors).toEqual(['dropped']);
    expect(await r.get('k')).toBe('v');
    await ctx.expectTransport(r);
  });
});

async function until(f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not met');
    await sleep(10);
  }
}

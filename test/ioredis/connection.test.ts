// Connection options and lifecycle: connectionName, db and SELECT, password and ACL users,
// lazyConnect, commandTimeout, socketTimeout, quit() and disconnect(), the events and status.
import { expect, test } from 'vitest';
import { describeCells, once, shmSession, sleep, type Client } from './matrix.js';

/** A script that keeps the server busy for ARGV[1] ms without sending anything. */
const SPIN = "local function now() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end "
  + 'local s = now() repeat until now() - s > tonumber(ARGV[1]) * 1000 return 1';

/** SPIN, but only when KEYS[1] did not exist yet (it sets it). */
const SPIN_ONCE = "if not redis.call('SET', KEYS[1], 1, 'NX') then return 1 end " + SPIN;

function recordEvents(r: Client): string[] {
  const seen: string[] = [];
  for (const e of ['connect', 'ready', 'close', 'reconnecting', 'end']) r.on(e, () => seen.push(e));
  return seen;
}

describeCells('ioredis connection options and lifecycle', (ctx) => {
  test('ready, close and end events and status from connecting to end; quit() resolves OK', async () => {
    const r = ctx.client({ retryStrategy: () => 10 });
    const seen = recordEvents(r);
    const statuses: string[] = [r.status];
    await once(r, 'ready');
    statuses.push(r.status);
    expect(seen).toEqual(['connect', 'ready']);
    // Over shm the socket may close in the same turn as QUIT's reply: listen first.
    const ended = once(r, 'end');
    expect(await r.quit()).toBe('OK');
    await ended;
    statuses.push(r.status);
    expect(seen).toEqual(['connect', 'ready', 'close', 'end']);
    expect(statuses).toEqual(['connecting', 'ready', 'end']);
    await expect(r.get('k')).rejects.toThrow(/Connection is closed/);
    await sleep(50);
    expect(seen.includes('reconnecting')).toBe(false);
  });

  test('quit() resolves OK on every connection (the server ends the session as it closes the socket)', async () => {
    const keep = ctx.client();  // keeps the connector's worker up, so each connection is quick
    await keep.ping();
    const results: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = ctx.client();
      await r.ping();
      results.push(await r.quit().catch((e: Error) => e.message));
    }
    expect(results).toEqual(Array.from({ length: 20 }, () => 'OK'));
  });

  test('disconnect() rejects pending commands, ends without reconnecting; disconnect(true) reconnects', async () => {
    const r = ctx.client({ retryStrategy: () => 10 });
    await r.ping();
    const pending = r.blpop('never', 5);
    await sleep(30);
    const t0 = Date.now();
    r.disconnect();
    await expect(pending).rejects.toThrow(/Connection is closed/);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.status).toBe('end');

    const r2 = ctx.client({ retryStrategy: () => 10 });
    await r2.set('k', 'v');
    const seen = recordEvents(r2);
    r2.disconnect(true);
    await once(r2, 'ready');
    expect(seen).toEqual(['close', 'reconnecting', 'connect', 'ready']);
    expect(await r2.get('k')).toBe('v');
  });

  test('connectionName names the connection', async () => {
    const r = ctx.client({ connectionName: 'compat-name' });
    expect(await r.client('GETNAME')).toBe('compat-name');
    const list = String(await ctx.admin().client('LIST'));
    expect(list).toMatch(/name=compat-name/);
  });

  test('the db option and select() move every later command, with a select event', async () => {
    const r = ctx.client({ db: 4 });
    await r.set('k', 'in4');
    const admin = ctx.admin();
    await admin.select(4);
    expect(await admin.get('k')).toBe('in4');
    expect(String(await r.client('INFO'))).toMatch(/\bdb=4\b/);
    const ev = once<[number]>(r, 'select');
    expect(await r.select(5)).toBe('OK');
    expect(await ev).toEqual([5]);
    await r.set('k', 'in5');
    expect(await r.get('k')).toBe('in5');
    await admin.select(5);
    expect(await admin.get('k')).toBe('in5');
    await admin.select(4);
    expect(await admin.get('k')).toBe('in4');
  });

  test('password: the right one connects, a wrong one is an error and commands fail', async () => {
    const s = await ctx.startServer();
    // Set after start: the helper's readiness probe does not authenticate.
    await s.command('CONFIG', 'SET', 'requirepass', 's3cret');
    const r = ctx.client({ password: 's3cret' }, s);
    await r.set('k', 'v');
    expect(await r.get('k')).toBe('v');
    await ctx.expectTransport(r, s, { password: 's3cret' });

    const bad = ctx.client({ password: 'wrong', retryStrategy: () => null }, s);
    const [err] = await once<[Error]>(bad, 'error');
    expect(err.message).toMatch(/WRONGPASS|invalid password/);
    await expect(bad.get('k')).rejects.toThrow();
  });

  test('ACL user: username and password authenticate as that user and its rules apply', async () => {
    const admin = ctx.admin();
    await admin.acl('SETUSER', 'alice', 'reset', 'on', '>pw', '~a:*', '&*', '+@all');
    const r = ctx.client({ username: 'alice', password: 'pw' });
    expect(await r.acl('WHOAMI')).toBe('alice');
    await r.set('a:1', 'x');
    expect(await r.get('a:1')).toBe('x');
    await expect(r.set('b:1', 'x')).rejects.toThrow(/NOPERM/);
    await expect(r.get('b:1')).rejects.toThrow(/NOPERM/);
    if (ctx.cell.transport === 'shm') {
      const session = await shmSession(admin, Number(await r.client('ID')));
      expect(session?.user).toBe('alice');
    }
    const bad = ctx.client({ username: 'alice', password: 'nope', retryStrategy: () => null });
    const [err] = await once<[Error]>(bad, 'error');
    expect(err.message).toMatch(/WRONGPASS/);
  });

  test('lazyConnect: no connection until the first command or connect()', async () => {
    const admin = ctx.admin();
    const clients = async (): Promise<number> => String(await admin.client('LIST')).trim().split('\n').length;
    const before = await clients();
    const r = ctx.client({ lazyConnect: true });
    await sleep(50);
    expect(r.status).toBe('wait');
    expect(await clients()).toBe(before);
    expect(await r.incr('lazy')).toBe(1);
    expect(r.status).toBe('ready');
    expect(await clients()).toBe(before + 1);

    const r2 = ctx.client({ lazyConnect: true });
    await r2.connect();
    expect(r2.status).toBe('ready');
    await ctx.expectTransport(r2);
  });

  test('commandTimeout rejects a slow command; its late reply does not shift later replies', async () => {
    const r = ctx.client({ commandTimeout: 100 });
    // A loaded host (npm pack in test/package beside it) can hold up a new connection's first
    // commands past 100 ms; the timeout under test is the script's, so retry the setup.
    for (let i = 0; ; i++) {
      try { await r.set('k', 'after'); break; } catch (e) { if (i >= 9) throw e; }
    }
    const t0 = Date.now();
    await expect(r.eval(SPIN, 0, 300)).rejects.toThrow(/Command timed out/);
    expect(Date.now() - t0).toBeLessThan(280);
    await sleep(300);
    // The script's reply arrives late, for the timed-out command; GET gets its own.
    expect(await r.get('k')).toBe('after');
    expect(await r.ping()).toBe('PONG');
  });

  test('socketTimeout: no data while a reply is due destroys the stream, and the client reconnects', async () => {
    // The reconnect waits until the script is over, or the handshake would time out too.
    // (200 ms, not less: the reconnect's handshake includes SHM.OPEN, which a loaded host can slow)
    const r = ctx.client({ socketTimeout: 200, retryStrategy: () => 700 });
    await r.ping();
    await sleep(450); // idle: nothing is due, so no timeout
    expect(r.status).toBe('ready');
    const errors: Error[] = [];
    r.on('error', (e: Error) => errors.push(e));
    const seen = recordEvents(r);
    // Spins the first time only: ioredis resends an unanswered command after the reconnect.
    const slow = r.eval(SPIN_ONCE, 1, 'spun', 500);
    await once(r, 'close', 2000);
    expect(errors.map((e) => e.message).join()).toMatch(/Socket timeout/);
    await once(r, 'ready', 3000);
    expect(seen.slice(0, 4)).toEqual(['close', 'reconnecting', 'connect', 'ready']);
    expect(await slow).toBe(1);
    expect(await r.get('spun')).toBe('1');
    expect(await r.ping()).toBe('PONG');
  });
});

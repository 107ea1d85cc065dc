// What only the shm transport has: commands really served by the module's session, session
// state re-captured after routed state changes, no segment left in /dev/shm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsyncContext } from '../../src/async/context.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { cmd, connected, killServer, noNewSegments, plain, segments, sleep, type TransportCase } from './helpers.js';

const SHM: TransportCase = { name: 'shm', transport: 'shm', module: true, unix: true };

/** This context's session in SHM.INFO, as a plain object. */
async function session(ac: AsyncContext): Promise<Record<string, unknown>> {
  const id = plain(await cmd(ac, 'CLIENT', 'ID'));
  const info = plain(await cmd(ac, 'SHM.INFO')) as unknown[];
  const list = info[info.indexOf('list') + 1] as unknown[][];
  for (const s of list) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < s.length; i += 2) o[String(s[i])] = s[i + 1];
    if (o['client-id'] === id) return o;
  }
  throw new Error(`no shm session for client ${String(id)}`);
}

describe('async context over shm', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ module: true }); });
  afterAll(async () => { await srv?.stop(); });

  it('ordinary commands are served by the shm session, routed ones are not', async () => {
    const ac = await connected(srv, SHM);
    const before = Number((await session(ac))['commands-in']);
    await Promise.all(Array.from({ length: 50 }, (_, i) => cmd(ac, 'SET', `served:${i}`, i)));
    expect(plain(await cmd(ac, 'BLPOP', 'served:none', '0.01'))).toBeNull();
    expect(plain(await cmd(ac, 'CLIENT', 'ID'))).toEqual(expect.any(Number));
    const after = Number((await session(ac))['commands-in']);
    expect(after - before).toBe(50);
    ac.free();
  });

  it('SELECT, HELLO and AUTH are re-captured by the session before later commands', async () => {
    const ac = await connected(srv, SHM);
    const admin = await connected(srv, SHM);
    expect(plain(await cmd(admin, 'ACL', 'SETUSER', 'reader', 'on', '>pw', '~*', '+get', '+client', '+hello', '+select', '+shm.sync', '+shm.info', '+ping'))).toBe('OK');
    const r = await Promise.all([
      cmd(ac, 'SELECT', 4), cmd(ac, 'SET', 'cap:k', 'four'), cmd(ac, 'HELLO', 3), cmd(ac, 'HGETALL', 'cap:none'),
      cmd(ac, 'AUTH', 'reader', 'pw'), cmd(ac, 'SET', 'cap:k', 'denied'), cmd(ac, 'GET', 'cap:k'),
    ]);
    expect(plain(r[0])).toBe('OK');
    expect(plain(r[1])).toBe('OK');
    expect(r[3]!.type).toBe(9); // a RESP3 map: the session speaks RESP3 now
    expect(plain(r[4])).toBe('OK');
    expect(plain(r[5])).toEqual({ error: expect.stringMatching(/^NOPERM /) });
    expect(plain(r[6])).toBe('four');
    const s = await session(ac);
    expect([s.db, s.proto, s.user]).toEqual([4, 3, 'reader']);
    ac.free();
    admin.free();
  });

  it('large values stream through the rings', async () => {
    const ac = await connected(srv, SHM);
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    expect(plain(await cmd(ac, 'SET', 'big:k', big))).toBe('OK');
    const got = await cmd(ac, 'GET', 'big:k');
    expect(got!.len).toBe(big.length);
    expect(got!.buf!.equals(big)).toBe(true);
    ac.free();
  });

  it('free leaves nothing in /dev/shm', async () => {
    const before = segments();
    const ac = await connected(srv, SHM);
    expect(plain(await cmd(ac, 'PING'))).toBe('PONG');
    ac.free();
    expect(await noNewSegments(before)).toEqual([]);
  });
});

describe('async context over shm: server death', () => {
  it('pending callbacks get null within 100 ms and nothing stays in /dev/shm', async () => {
    const srv = await startRedis({ module: true });
    try {
      const before = segments();
      const ac = await connected(srv, SHM);
      await cmd(ac, 'SET', 'death:k', 'v');
      const results: unknown[] = [];
      const all = new Promise<void>((resolve) => {
        // shm commands held behind a routed BLPOP, and the BLPOP itself
        ac.commandArgv((_c, r) => results.push(r), 0, ['BLPOP', 'death:q', 0]);
        for (let i = 0; i < 3; i++) ac.commandArgv((_c, r) => { results.push(r); if (results.length === 4) resolve(); }, 0, ['GET', 'death:k']);
      });
      await sleep(30);
      const died = killServer(srv);
      await all;
      expect(performance.now() - await died).toBeLessThan(100);
      expect(results).toEqual([null, null, null, null]);
      expect(ac.err).not.toBe(0);
      expect(await noNewSegments(before)).toEqual([]);
    } finally {
      await srv.stop();
    }
  });

  it('an in-flight shm command gets null within 100 ms', async () => {
    const srv = await startRedis({ module: true, args: ['--enable-debug-command', 'yes'] });
    try {
      const ac = await connected(srv, SHM);
      const got = new Promise<unknown>((resolve) => ac.commandArgv((_c, r) => resolve(r), 0, ['DEBUG', 'SLEEP', 2]));
      await sleep(50);
      const died = killServer(srv);
      expect(await got).toBeNull();
      expect(performance.now() - await died).toBeLessThan(100);
    } finally {
      await srv.stop();
    }
  });
});

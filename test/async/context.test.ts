// One table of behaviours of the async context, run over every transport in TRANSPORTS
// against a real redis-server.
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { REDIS_ERR_EOF, REDIS_ERR_TIMEOUT } from '../../src/errors.js';
import { REDIS_ERR, REDIS_OK, REDIS_REPLY_ARRAY, REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER, REDIS_REPLY_NIL, REDIS_REPLY_STATUS, REDIS_REPLY_STRING } from '../../src/resp/types.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { cmd, connected, killServer, noNewSegments, plain, segments, sleep, TRANSPORTS } from './helpers.js';

for (const tc of TRANSPORTS) {
  describe(`async context over ${tc.name}`, () => {
    let srv: RedisServer;
    beforeAll(async () => { srv = await startRedis({ module: tc.module, args: ['--enable-debug-command', 'yes'] }); });
    afterAll(async () => { await srv?.stop(); });

    it('reports the transport it uses', async () => {
      const ac = await connected(srv, tc);
      expect(ac.transport).toBe(tc.transport === 'socket' ? 'socket' : 'shm');
      expect(ac.state).toBe('connected');
      ac.free();
    });

    it('replies of every RESP2 type, as redisReply objects', async () => {
      const ac = await connected(srv, tc);
      const set = await cmd(ac, 'SET', 'types:s', 'hello');
      expect(set!.type).toBe(REDIS_REPLY_STATUS);
      expect(set!.str).toBe('OK');
      const get = await cmd(ac, 'GET', 'types:s');
      expect([get!.type, get!.str, get!.len]).toEqual([REDIS_REPLY_STRING, 'hello', 5]);
      const incr = await cmd(ac, 'INCRBY', 'types:n', 9007199254740993n);
      expect([incr!.type, incr!.integer]).toEqual([REDIS_REPLY_INTEGER, 9007199254740993n]);
      expect((await cmd(ac, 'GET', 'types:missing'))!.type).toBe(REDIS_REPLY_NIL);
      await cmd(ac, 'RPUSH', 'types:l', 'a', 'b');
      const arr = await cmd(ac, 'LRANGE', 'types:l', 0, -1);
      expect(arr!.type).toBe(REDIS_REPLY_ARRAY);
      expect(plain(arr)).toEqual(['a', 'b']);
      const err = await cmd(ac, 'LPUSH', 'types:s', 'x');
      expect(err!.type).toBe(REDIS_REPLY_ERROR);
      expect(err!.str).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
      const unknown = await cmd(ac, 'NOSUCHCMD', 'a');
      expect(unknown!.str).toMatch(/^ERR unknown command 'NOSUCHCMD'/);
      ac.free();
    });

    it('replies of every RESP3 type with protocol 3', async () => {
      const ac = await connected(srv, tc, { protocol: 3 });
      await cmd(ac, 'HSET', 'r3:h', 'f', 'v');
      expect((await cmd(ac, 'HGETALL', 'r3:h'))!.type).toBe(9);
      expect(plain(await cmd(ac, 'HGETALL', 'r3:h'))).toEqual(['f', 'v']);
      await cmd(ac, 'SADD', 'r3:s', 'm');
      expect((await cmd(ac, 'SMEMBERS', 'r3:s'))!.type).toBe(10);
      await cmd(ac, 'ZADD', 'r3:z', '1.5', 'm');
      const score = await cmd(ac, 'ZSCORE', 'r3:z', 'm');
      expect([score!.type, score!.dval]).toEqual([7, 1.5]);
      const cases: [string, number, unknown][] = [
        ['bignum', 13, '1234567999999999999999999999999999999'], ['true', 8, 1], ['false', 8, 0],
        ['null', 4, null], ['double', 7, 3.141], ['verbatim', 14, 'This is a verbatim\nstring'],
      ];
      for (const [what, type, value] of cases) {
        const r = await cmd(ac, 'DEBUG', 'PROTOCOL', what);
        expect([what, r!.type, plain(r)]).toEqual([what, type, value]);
      }
      const attr = await cmd(ac, 'DEBUG', 'PROTOCOL', 'attrib');
      expect(plain(attr)).toBe('Some real reply following the attribute');
      expect(plain(attr!.attribute!)).toEqual(['key-popularity', ['key:123', 90]]);
      ac.free();
    });

    it('pipelined callbacks fire in send order', async () => {
      const ac = await connected(srv, tc);
      const seen: number[] = [];
      const done = new Promise<void>((resolve) => {
        for (let i = 0; i < 2000; i++) {
          ac.command((_c, r, want: number) => {
            expect(r!.integer).toBe(want + 1);
            seen.push(want);
            if (want === 1999) resolve();
          }, i, 'INCR pipe:%d', process.pid);
        }
      });
      await done;
      expect(seen).toEqual([...Array(2000).keys()]);
      ac.free();
    });

    it('routed commands interleaved with others keep their order and see earlier writes', async () => {
      const ac = await connected(srv, tc);
      const order: string[] = [];
      const replies = new Map<string, unknown>();
      const all = new Promise<void>((resolve) => {
        const note = (tag: string) => (_c: unknown, r: RedisReply | null) => { order.push(tag); replies.set(tag, plain(r)); if (tag === 'end') resolve(); };
        ac.commandArgv(note('rpush'), 0, ['RPUSH', 'route:l', 'x', 'y']);
        ac.commandArgv(note('blpop'), 0, ['BLPOP', 'route:l', 1]);
        ac.commandArgv(note('llen'), 0, ['LLEN', 'route:l']);
        ac.commandArgv(note('clientid'), 0, ['CLIENT', 'ID']);
        ac.commandArgv(note('set'), 0, ['SET', 'route:k', 'v']);
        ac.commandArgv(note('xread'), 0, ['XREAD', 'BLOCK', 10, 'STREAMS', 'route:stream', '$']);
        ac.commandArgv(note('get'), 0, ['GET', 'route:k']);
        ac.commandArgv(note('end'), 0, ['PING']);
      });
      await all;
      expect(order).toEqual(['rpush', 'blpop', 'llen', 'clientid', 'set', 'xread', 'get', 'end']);
      expect(replies.get('blpop')).toEqual(['route:l', 'x']);
      expect(replies.get('llen')).toBe(1);
      expect(typeof replies.get('clientid')).toBe('number');
      expect(replies.get('xread')).toBeNull();
      expect(replies.get('get')).toBe('v');
      ac.free();
    });

    it('SELECT changes the db of every later command', async () => {
      const ac = await connected(srv, tc);
      const r: unknown[] = [];
      const p = [
        cmd(ac, 'SET', 'db:k', 'zero'), cmd(ac, 'SELECT', 3), cmd(ac, 'GET', 'db:k'), cmd(ac, 'SET', 'db:k', 'three'),
        cmd(ac, 'SELECT', 0), cmd(ac, 'GET', 'db:k'),
      ];
      for (const x of p) r.push(plain(await x));
      expect(r).toEqual(['OK', 'OK', null, 'OK', 'OK', 'zero']);
      expect(await srv.command('SELECT', '3')).toBe('+OK\r\n');
      const check = await connected(srv, tc, { db: 3 });
      expect(plain(await cmd(check, 'GET', 'db:k'))).toBe('three');
      check.free();
      ac.free();
    });

    it('MULTI/EXEC runs the queued commands atomically', async () => {
      const ac = await connected(srv, tc);
      const p = [cmd(ac, 'MULTI'), cmd(ac, 'SET', 'tx:k', 1), cmd(ac, 'INCR', 'tx:k'), cmd(ac, 'EXEC'), cmd(ac, 'GET', 'tx:k')];
      const r = await Promise.all(p);
      expect(r.map(plain)).toEqual(['OK', 'QUEUED', 'QUEUED', ['OK', 2], '2']);
      ac.free();
    });

    it('WATCH aborts EXEC when another client changed the key', async () => {
      const ac = await connected(srv, tc);
      const other = await connected(srv, tc);
      await cmd(ac, 'SET', 'watch:k', 'old');
      expect(plain(await cmd(ac, 'WATCH', 'watch:k'))).toBe('OK');
      await cmd(other, 'SET', 'watch:k', 'theirs');
      const r = await Promise.all([cmd(ac, 'MULTI'), cmd(ac, 'SET', 'watch:k', 'mine'), cmd(ac, 'EXEC'), cmd(ac, 'GET', 'watch:k')]);
      expect(r.map(plain)).toEqual(['OK', 'QUEUED', null, 'theirs']);
      ac.free();
      other.free();
    });

    it('BLPOP is served by a later LPUSH from another client; later commands wait for it', async () => {
      const ac = await connected(srv, tc);
      const other = await connected(srv, tc);
      const order: string[] = [];
      const blpop = cmd(ac, 'BLPOP', 'block:q', 5).then((r) => { order.push('blpop'); return r; });
      const get = cmd(ac, 'GET', 'block:after').then((r) => { order.push('get'); return r; });
      await sleep(50);
      expect(order).toEqual([]);
      await cmd(other, 'SET', 'block:after', 'later');
      await cmd(other, 'LPUSH', 'block:q', 'v');
      expect(plain(await blpop)).toEqual(['block:q', 'v']);
      expect(plain(await get)).toBe('later');
      expect(order).toEqual(['blpop', 'get']);
      ac.free();
      other.free();
    });

    it('graceful disconnect: no new commands, pending replies delivered, then REDIS_OK', async () => {
      const ac = await connected(srv, tc);
      const events: string[] = [];
      const done = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, status) => { events.push('disconnect'); resolve(status); }));
      for (let i = 0; i < 3; i++) ac.commandArgv((_c, r) => events.push(`reply:${plain(r)}`), 0, ['ECHO', String(i)]);
      ac.commandArgv((_c, r) => events.push(`blpop:${plain(r)}`), 0, ['BLPOP', 'disc:none', '0.05']);
      ac.disconnect();
      expect(ac.state).toBe('disconnecting');
      expect(ac.commandArgv(() => events.push('late'), 0, ['PING'])).toBe(REDIS_ERR);
      expect(await done).toBe(REDIS_OK);
      expect(events).toEqual(['reply:0', 'reply:1', 'reply:2', 'blpop:null', 'disconnect']);
      expect(ac.state).toBe('closed');
      expect(ac.err).toBe(0);
    });

    it('QUIT disconnects cleanly', async () => {
      const ac = await connected(srv, tc);
      const status = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, s) => resolve(s)));
      expect(plain(await cmd(ac, 'QUIT'))).toBe('OK');
      expect(await status).toBe(REDIS_OK);
      expect(ac.err).toBe(0);
    });

    it('free inside a callback is deferred until the callback returns', async () => {
      const ac = await connected(srv, tc);
      const events: string[] = [];
      const closed = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, s) => { events.push('disconnect'); resolve(s); }));
      ac.commandArgv((c, r) => {
        events.push(`first:${plain(r)}`);
        c.free();
        events.push(`after-free:${c.state}`);
      }, 0, ['PING']);
      ac.commandArgv((_c, r) => events.push(`second:${r === null ? 'null' : plain(r)}`), 0, ['BLPOP', 'free:none', 1]);
      expect(await closed).toBe(REDIS_OK);
      expect(events).toEqual(['first:PONG', 'after-free:connected', 'second:null', 'disconnect']);
      expect(ac.state).toBe('closed');
    });

    it('an exception thrown by a callback is re-thrown on nextTick and does not disturb the context', async () => {
      const ac = await connected(srv, tc);
      const captured: (() => void)[] = [];
      const orig = process.nextTick;
      const spy = vi.spyOn(process, 'nextTick').mockImplementation(((fn: () => void, ...args: unknown[]) => {
        if (fn.name === 'rethrowCallbackError') captured.push(fn);
        else orig(fn, ...args);
      }) as typeof process.nextTick);
      try {
        const boom = new Error('boom from callback');
        const after: unknown[] = [];
        const last = new Promise<void>((resolve) => {
          ac.commandArgv(() => { throw boom; }, 0, ['SET', 'exc:k', 'v']);
          ac.commandArgv((_c, r) => after.push(plain(r)), 0, ['GET', 'exc:k']);
          ac.commandArgv((_c, r) => { after.push(plain(r)); resolve(); }, 0, ['PING']);
        });
        await last;
        expect(after).toEqual(['v', 'PONG']);
        expect(captured).toHaveLength(1);
        expect(() => captured[0]!()).toThrow(boom);
        expect(ac.err).toBe(0);
        expect(plain(await cmd(ac, 'ECHO', 'still fine'))).toBe('still fine');
      } finally {
        spy.mockRestore();
        ac.free();
      }
    });

    it('command timeout fails the context with REDIS_ERR_TIMEOUT', async () => {
      // Another open context keeps the process's shm spinner worker running: the very first
      // shm reply of a process waits for that worker to start, which can exceed 100 ms.
      const warm = await connected(srv, tc);
      expect(plain(await cmd(warm, 'PING'))).toBe('PONG');
      const ac = await connected(srv, tc, { commandTimeoutMs: 100 });
      expect(plain(await cmd(ac, 'PING'))).toBe('PONG');
      onTestFinished(() => warm.free());
      await sleep(150); // idle time does not count
      const status = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, s) => resolve(s)));
      const t0 = performance.now();
      const r = await cmd(ac, 'BLPOP', 'timeout:none', 5);
      const ms = performance.now() - t0;
      expect(r).toBeNull(); // the BLPOP itself would have answered nil after 5 s
      expect(ms).toBeGreaterThanOrEqual(95);
      expect(ms).toBeLessThan(4000);
      expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
      expect(await status).toBe(REDIS_ERR);
    });
  });

  describe(`async context over ${tc.name}: server death`, () => {
    it('every pending callback gets null and err within 100 ms; nothing hangs', async () => {
      const srv = await startRedis({ module: tc.module });
      try {
        const before = segments();
        const ac = await connected(srv, tc);
        expect(plain(await cmd(ac, 'PING'))).toBe('PONG');
        const results: (RedisReply | null)[] = [];
        const all = new Promise<void>((resolve) => {
          for (let i = 0; i < 5; i++) {
            ac.commandArgv((_c, r) => { results.push(r); if (results.length === 5) resolve(); }, 0, ['BLPOP', 'death:q', 0]);
          }
        });
        const status = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, s) => resolve(s)));
        await sleep(30);
        const died = killServer(srv);
        await all;
        const ms = performance.now() - await died;
        expect(results).toEqual([null, null, null, null, null]);
        expect(ms).toBeLessThan(100);
        expect(await status).toBe(REDIS_ERR);
        expect([REDIS_ERR_EOF, 1]).toContain(ac.err);
        expect(ac.errstr).not.toBe('');
        expect(await noNewSegments(before)).toEqual([]);
      } finally {
        await srv.stop();
      }
    });
  });
}

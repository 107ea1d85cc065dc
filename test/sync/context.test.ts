// The synchronous API against a real redis-server, over the socket (TCP and Unix) and over shm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import {
  redisAppendCommand, redisAppendCommandArgv, redisCommand, redisCommandArgv, redisConnect, redisConnectUnix,
  redisConnectWithTimeout, redisFree, redisGetReply, redisReconnect, redisSetPushCallback, redisSetTimeout, type ReplyRef,
} from '../../src/sync/api.js';
import type { RedisContext, SyncOptions } from '../../src/sync/context.js';
import {
  REDIS_ERR, REDIS_ERR_EOF, REDIS_ERR_TIMEOUT, REDIS_OK, REDIS_REPLY_ARRAY, REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER,
  REDIS_REPLY_NIL, REDIS_REPLY_STATUS, REDIS_REPLY_STRING, REDIS_REPLY_MAP, REDIS_REPLY_DOUBLE,
} from '../../src/index.js';

const CASES = [
  { name: 'socket (tcp)', transport: 'socket' as const, unix: false },
  { name: 'socket (unix)', transport: 'socket' as const, unix: true },
  { name: 'shm', transport: 'shm' as const, unix: true },
];

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

function open(c: (typeof CASES)[number], opts: SyncOptions = {}): RedisContext {
  const o = { transport: c.transport, connectTimeoutMs: 5000, ...opts };
  const ctx = c.unix ? redisConnectUnix(srv.socket, o) : redisConnect('127.0.0.1', srv.port, o);
  expect(ctx.errstr).toBe('');
  expect(ctx.err).toBe(0);
  expect(ctx.transport).toBe(c.transport);
  return ctx;
}

describe.each(CASES)('sync API over $name', (tc) => {
  it('runs printf-style and argv commands with the server\'s replies', () => {
    const c = open(tc);
    const key = `sync:${tc.name}:k`;
    expect(redisCommand(c, 'SET %s %b', key, Buffer.from('a\0b'))!.str).toBe('OK');
    const v = redisCommand(c, 'GET %s', key)!;
    expect(v.type).toBe(REDIS_REPLY_STRING);
    expect(v.buf).toEqual(Buffer.from('a\0b'));
    expect(redisCommandArgv(c, ['DEL', key])!.integer).toBe(1);
    expect(redisCommand(c, 'GET %s', key)!.type).toBe(REDIS_REPLY_NIL);
    const e = redisCommand(c, 'INCR %s', 'nope nope')!;
    expect(e.type).toBe(REDIS_REPLY_INTEGER);
    const wrong = redisCommandArgv(c, ['LPUSH', 'nope nope', 'x'])!;
    expect(wrong.type).toBe(REDIS_REPLY_ERROR);
    expect(wrong.str).toMatch(/^WRONGTYPE/);
    redisCommandArgv(c, ['DEL', 'nope nope']);
    redisFree(c);
  });

  it('pipelines appended commands and returns replies in order', () => {
    const c = open(tc);
    const key = `sync:${tc.name}:list`;
    redisCommandArgv(c, ['DEL', key]);
    for (let i = 0; i < 100; i++) expect(redisAppendCommand(c, 'RPUSH %s %d', key, i)).toBe(REDIS_OK);
    expect(redisAppendCommandArgv(c, ['LRANGE', key, 0, -1])).toBe(REDIS_OK);
    const out: ReplyRef = { reply: null };
    for (let i = 0; i < 100; i++) {
      expect(redisGetReply(c, out)).toBe(REDIS_OK);
      expect(out.reply!.integer).toBe(i + 1);
    }
    expect(redisGetReply(c, out)).toBe(REDIS_OK);
    expect(out.reply!.type).toBe(REDIS_REPLY_ARRAY);
    expect(out.reply!.element!.map((r) => r.str)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    redisFree(c);
  });

  it('keeps order across socket-only commands (SELECT, MULTI/EXEC) in one pipeline', () => {
    const c = open(tc);
    const key = `sync:${tc.name}:db`;
    redisAppendCommandArgv(c, ['SET', key, 'in0']);
    redisAppendCommandArgv(c, ['SELECT', 3]);
    redisAppendCommandArgv(c, ['SET', key, 'in3']);
    redisAppendCommandArgv(c, ['MULTI']);
    redisAppendCommandArgv(c, ['GET', key]);
    redisAppendCommandArgv(c, ['EXEC']);
    redisAppendCommandArgv(c, ['SELECT', 0]);
    redisAppendCommandArgv(c, ['GET', key]);
    const got: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = c.getReply()!;
      got.push(r.type === REDIS_REPLY_ARRAY ? `[${r.element!.map((x) => x.str).join(',')}]` : String(r.str));
    }
    expect(got).toEqual(['OK', 'OK', 'OK', 'OK', 'QUEUED', '[in3]', 'OK', 'in0']);
    redisFree(c);
  });

  it('HELLO 3 switches the whole connection to RESP3 (maps, doubles)', () => {
    const c = open(tc);
    const key = `sync:${tc.name}:h3`;
    redisCommandArgv(c, ['DEL', key]);
    redisCommandArgv(c, ['HSET', key, 'f', 'v']);
    expect(redisCommandArgv(c, ['HGETALL', key])!.type).toBe(REDIS_REPLY_ARRAY);
    expect(redisCommandArgv(c, ['HELLO', '3'])!.type).toBe(REDIS_REPLY_MAP);
    const m = redisCommandArgv(c, ['HGETALL', key])!;
    expect(m.type).toBe(REDIS_REPLY_MAP);
    expect(m.element!.map((e) => e.str)).toEqual(['f', 'v']);
    expect(redisCommandArgv(c, ['ZADD', `${key}:z`, '1.5', 'm'])!.integer).toBe(1);
    expect(redisCommandArgv(c, ['ZSCORE', `${key}:z`, 'm'])!.type).toBe(REDIS_REPLY_DOUBLE);
    redisFree(c);
  });

  it('RESP3 tracking invalidations go to pushCallback (or are dropped), never in place of a reply', () => {
    const pushes: string[][] = [];
    const c = open(tc);
    expect(redisSetPushCallback(c, (r) => pushes.push(r.element!.map((e) => e.str ?? e.element?.map((x) => x.str).join(',') ?? '')))).toBeUndefined();
    const quiet = open(tc);
    const key = `sync:${tc.name}:tracked`;
    for (const ctx of [c, quiet]) {
      expect(redisCommandArgv(ctx, ['HELLO', '3'])!.type).toBe(REDIS_REPLY_MAP);
      expect(redisCommandArgv(ctx, ['CLIENT', 'TRACKING', 'ON'])!.str).toBe('OK');
      redisCommandArgv(ctx, ['GET', key]);
    }
    const other = open(tc);
    redisCommandArgv(other, ['SET', key, 'changed']);
    redisFree(other);
    for (const ctx of [c, quiet]) {
      expect(redisCommandArgv(ctx, ['PING'])!.str).toBe('PONG');
      expect(redisCommandArgv(ctx, ['GET', key])!.str).toBe('changed');
    }
    expect(pushes).toEqual([['invalidate', key]]);
    redisFree(c);
    redisFree(quiet);
  });

  it.each([2, 3])('pub/sub (RESP%i): blocks in redisGetReply for the next message', (proto) => {
    const c = open(tc);
    if (proto === 3) expect(redisCommandArgv(c, ['HELLO', '3'])!.type).toBe(REDIS_REPLY_MAP);
    const ch = `sync:${tc.name}:ch${proto}`;
    const s = redisCommand(c, 'SUBSCRIBE %s', ch)!;
    expect(s.element!.map((x) => x.str ?? x.integer)).toEqual(['subscribe', ch, 1]);
    const pub = open(tc);
    expect(redisCommand(pub, 'PUBLISH %s %s', ch, 'hello')!.integer).toBe(1);
    const out: ReplyRef = { reply: null };
    expect(redisGetReply(c, out)).toBe(REDIS_OK);
    expect(out.reply!.element!.map((x) => x.str)).toEqual(['message', ch, 'hello']);
    redisFree(pub);
    redisFree(c);
  });

  it('a reply timeout breaks the context with REDIS_ERR_TIMEOUT', () => {
    const c = open(tc);
    expect(redisSetTimeout(c, { tv_sec: 0, tv_usec: 200_000 })).toBe(REDIS_OK);
    const t0 = performance.now();
    // BLPOP goes over the socket; DEBUG SLEEP would be refused over shm
    expect(redisCommand(c, 'BLPOP %s 5', `sync:${tc.name}:empty`)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(c.err).toBe(REDIS_ERR_TIMEOUT);
    expect(redisCommand(c, 'PING')).toBeNull();
    redisFree(c);
  });

  it('reports a server that goes away as an error, not a hang', () => {
    const c = open(tc);
    const id = redisCommand(c, 'CLIENT ID')!.integer;
    const killer = open(tc);
    expect(redisCommand(killer, 'CLIENT KILL ID %d', Number(id))!.integer).toBe(1);
    redisFree(killer);
    expect(redisCommand(c, 'PING')).toBeNull();
    expect(c.err).toBe(REDIS_ERR_EOF);
    expect(c.errstr).not.toBe('');
    // hiredis redisReconnect: same server, same transport, usable again
    expect(redisReconnect(c)).toBe(REDIS_OK);
    expect(c.err).toBe(0);
    expect(c.transport).toBe(tc.transport);
    expect(redisCommand(c, 'PING')!.str).toBe('PONG');
    redisFree(c);
  });
});

describe('sync API connect', () => {
  it('over shm, GET reads what the socket wrote and shm is really used', () => {
    const c = redisConnectUnix(srv.socket, { transport: 'shm' });
    expect(c.transport).toBe('shm');
    const before = redisCommand(c, 'INFO %s', 'shm')!.str!;
    const n = (s: string): number => Number(/^shm_commands:(\d+)/m.exec(s)?.[1] ?? NaN);
    for (let i = 0; i < 10; i++) redisCommand(c, 'PING');
    const after = redisCommand(c, 'INFO %s', 'shm')!.str!;
    expect(n(after) - n(before)).toBeGreaterThanOrEqual(10);
    redisFree(c);
  });

  it('auto falls back to the socket without the module, saying why', async () => {
    const plain = await startRedis({ module: false });
    try {
      const c = redisConnectUnix(plain.socket);
      expect(c.err).toBe(0);
      expect(c.transport).toBe('socket');
      expect(c.transportReason).toMatch(/module is not loaded/);
      expect(redisCommand(c, 'PING')!.type).toBe(REDIS_REPLY_STATUS);
      redisFree(c);
      const s = redisConnectUnix(plain.socket, { transport: 'shm' });
      expect(s.err).not.toBe(0);
      expect(s.error!.code).toBe('ERR_SHM_UNAVAILABLE');
    } finally {
      await plain.stop();
    }
  });

  it('a refused connect returns a context with err set', () => {
    const c = redisConnectWithTimeout('127.0.0.1', 1, { tv_sec: 2, tv_usec: 0 });
    expect(c.err).not.toBe(0);
    expect(c.errstr).toMatch(/ECONNREFUSED/);
    expect(redisCommand(c, 'PING')).toBeNull();
    expect(redisGetReply(c)).toBe(REDIS_ERR);
  });
});

describe('sync API over shm, large pipelines', () => {
  it('a pipeline larger than both rings completes, replies in order', () => {
    const c = redisConnectUnix(srv.socket, { transport: 'shm', commandTimeoutMs: 20000 });
    expect(c.transport).toBe('shm');
    const big = Buffer.alloc(20000, 'x');
    // 300 x 20 KB each way: 6 MB of requests and of replies through 1 MiB rings
    for (let i = 0; i < 300; i++) redisAppendCommandArgv(c, ['ECHO', big]);
    for (let i = 0; i < 300; i++) {
      const r = c.getReply();
      expect(r, c.errstr).not.toBeNull();
      expect(r!.len).toBe(20000);
      if (i === 299) expect(r!.buf!.equals(big)).toBe(true);
    }
    redisFree(c);
  });
});

describe('sync API over shm, server killed', () => {
  it('a SIGKILLed server fails the waiting call (lifeline closed), no hang', async () => {
    const own = await startRedis({ module: true });
    const c = redisConnectUnix(own.socket, { transport: 'shm' });
    expect(c.transport).toBe('shm');
    expect(redisCommand(c, 'PING')!.str).toBe('PONG');
    await own.stop({ signal: 'SIGKILL' });
    const t0 = performance.now();
    expect(redisCommand(c, 'PING')).toBeNull();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(c.errstr).toMatch(/lifeline|closed/);
    expect(c.err).toBe(REDIS_ERR_EOF);
    redisFree(c);
  });
});

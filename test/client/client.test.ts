// The promise client against a real redis-server, over the socket and over shm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { createClient, type RedisClient } from '../../src/client/index.js';
import type { ClientOptions } from '../../src/client/options.js';
import { RedisError, ReplyError } from '../../src/errors.js';

const CASES = [
  { name: 'socket', transport: 'socket' as const },
  { name: 'shm', transport: 'shm' as const },
];

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterAll(async () => { await srv?.stop(); });

async function client(transport: 'socket' | 'shm', opts: ClientOptions = {}): Promise<RedisClient> {
  const c = createClient({ path: srv.socket, transport, connectTimeout: 5000, ...opts });
  await c.connect();
  return c;
}

describe.each(CASES)('promise client over $name', ({ transport }) => {
  it('resolves JS values and says which transport it uses', async () => {
    const c = await client(transport);
    expect(c.transport).toBe(transport);
    const k = `cl:${transport}:v`;
    expect(await c.set(k, 'héllo')).toBe('OK');
    expect(await c.get(k)).toBe('héllo');
    expect(await c.sendCommand(['STRLEN', k])).toBe(6);
    expect(await c.get(`${k}:none`)).toBeNull();
    await c.del(`${k}:l`);
    await c.rpush(`${k}:l`, 'a', 'b');
    expect(await c.lrange(`${k}:l`, 0, -1)).toEqual(['a', 'b']);
    expect(await c.incrbyfloat(`${k}:f`, '1.5')).toBe('1.5');
    await c.quit();
    expect(c.state).toBe('closed');
  });

  it('returns Buffers on request and Maps under RESP3', async () => {
    const c = await client(transport, { returnBuffers: true, resp: 3 });
    const k = `cl:${transport}:h`;
    await c.del(k);
    await c.hset(k, 'f', Buffer.from([0, 255]));
    expect(await c.hget(k, 'f')).toEqual(Buffer.from([0, 255]));
    const all = await c.hgetall(k);
    expect(all).toBeInstanceOf(Map);
    expect([...(all as Map<unknown, unknown>).entries()]).toEqual([[Buffer.from('f'), Buffer.from([0, 255])]]);
    c.disconnect();
  });

  it('rejects server errors with ReplyError carrying the server text', async () => {
    const c = await client(transport);
    const k = `cl:${transport}:wt`;
    await c.set(k, 'x');
    const e = await c.lpush(k, 'y').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReplyError);
    expect((e as ReplyError).code).toBe('WRONGTYPE');
    expect((e as ReplyError).message).toMatch(/^WRONGTYPE Operation against a key holding the wrong kind of value/);
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('auto-pipelines many commands issued in one tick, replies in order', async () => {
    const c = await client(transport);
    const k = `cl:${transport}:ctr`;
    await c.del(k);
    const rs = await Promise.all(Array.from({ length: 500 }, () => c.incr(k)));
    expect(rs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    c.disconnect();
  });

  it('multi() runs a transaction; pipeline() returns errors as values', async () => {
    const c = await client(transport);
    const k = `cl:${transport}:tx`;
    await c.del(k);
    const r = await c.multi().incr(k).incr(k).get(k).exec();
    expect(r).toEqual([1, 2, '2']);
    const p = await c.pipeline().set(k, 'a').lpush(k, 'b').get(k).exec();
    expect(p![0]).toBe('OK');
    expect(p![1]).toBeInstanceOf(ReplyError);
    expect(p![2]).toBe('a');
    // refused client-side: nothing of the transaction is sent (EXEC must not run the rest)
    const refused = await c.multi().set(k, 'partial').subscribe('ch').exec().catch((e: unknown) => e);
    expect((refused as RedisError).code).toBe('ERR_ARGUMENT');
    expect(await c.get(k)).toBe('a');
    const aborted = await c.multi().set(k, 'z').sendCommand(['NOSUCHCMD']).exec().catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(ReplyError);
    expect((aborted as ReplyError).code).toBe('EXECABORT');
    expect(await c.get(k)).toBe('a');
    c.disconnect();
  });

  it('commandTimeout rejects a command with no reply in time (ERR_TIMEOUT), then reconnects', async () => {
    // keeps the process's spinner worker running: a reconnect that has to boot a new worker
    // first can take longer than a 100 ms command timeout on a loaded host
    const keeper = await client(transport);
    const c = await client(transport, { commandTimeout: 100, reconnect: () => 10 });
    const e = await c.blpop(`cl:${transport}:never`, 5).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisError);
    expect((e as RedisError).code).toBe('ERR_TIMEOUT');
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
    keeper.disconnect();
  });

  it('reconnects after the server kills the connection, restoring db and name', async () => {
    const c = await client(transport, { db: 2, name: `cl-${transport}`, reconnect: () => 20 });
    const k = `cl:${transport}:db`;
    await c.select(5);
    await expect(c.select(99999)).rejects.toThrow(/DB index is out of range/);
    await c.set(k, 'five');
    const id = await c.clientId();
    const admin = await client('socket');
    const reconnecting = new Promise((r) => c.once('reconnecting', r));
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    expect(await admin.clientKill('ID', id as number)).toBe(1);
    await reconnecting;
    await ready;
    expect(c.transport).toBe(transport);
    expect(await c.get(k)).toBe('five');
    expect(await c.clientGetname()).toBe(`cl-${transport}`);
    admin.disconnect();
    c.disconnect();
  });
});

describe('promise client offline behaviour', () => {
  it('fails clearly with ERR_QUEUE_FULL when the offline queue is full', async () => {
    const c = createClient({ port: 1, connectTimeout: 2000, maxOfflineQueue: 2 });
    const conn = c.connect().catch((e: unknown) => e);
    const a = c.ping().catch((e: unknown) => e);
    const b = c.ping().catch((e: unknown) => e);
    const third = await c.ping().catch((e: unknown) => e);
    expect(third).toBeInstanceOf(RedisError);
    expect((third as RedisError).code).toBe('ERR_QUEUE_FULL');
    const ce = await conn;
    expect(ce).toBeInstanceOf(RedisError);
    // the queued ones fail with the connect error, not silently
    expect(await a).toBe(ce);
    expect(await b).toBe(ce);
  });

  it('refuses SUBSCRIBE and MONITOR on a plain client, pointing to the Subscriber', async () => {
    const c = createClient({ path: srv.socket });
    await c.connect();
    for (const p of [c.subscribe('ch'), c.sendCommand(['psubscribe', 'p*']), c.monitor()]) {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RedisError);
      expect((e as RedisError).code).toBe('ERR_ARGUMENT');
      expect((e as Error).message).toMatch(/Subscriber/);
    }
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('refuses CLIENT REPLY OFF/SKIP, whatever the arguments\' type, and lets CLIENT REPLY ON through', async () => {
    const c = createClient({ path: srv.socket });
    await c.connect();
    const enc = (t: string): Uint8Array => new Uint8Array(Buffer.from(t));
    for (const p of [c.clientReply('OFF'), c.sendCommand([Buffer.from('client'), enc('Reply'), enc('Skip')]), c.sendCommand([enc('CLIENT'), 'reply', Buffer.from('off')])]) {
      const e = await p.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RedisError);
      expect((e as RedisError).code).toBe('ERR_ARGUMENT');
      expect((e as Error).message).toMatch(/CLIENT REPLY OFF\/SKIP is not supported/);
    }
    expect(await c.clientReply('ON')).toBe('OK');
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('a MULTI block that does not fit in the offline queue is refused whole', async () => {
    const c = createClient({ port: 1, connectTimeout: 2000, maxOfflineQueue: 3 });
    const conn = c.connect().catch((e: unknown) => e);
    const one = c.ping().catch((e: unknown) => e);
    // MULTI + 2 commands + EXEC = 4 > 3 - 1 free slots: nothing of it is queued
    const tx = await c.multi().set('a', '1').set('b', '2').exec().catch((e: unknown) => e);
    expect((tx as RedisError).code).toBe('ERR_QUEUE_FULL');
    // the single command still queued, and two slots are still free
    const two = c.ping().catch((e: unknown) => e);
    const three = c.ping().catch((e: unknown) => e);
    const ce = await conn;
    expect(await one).toBe(ce);
    expect(await two).toBe(ce);
    expect(await three).toBe(ce);
  });

  it('rejects commands before connect() and after disconnect()', async () => {
    const c = createClient({ path: srv.socket });
    expect(((await c.ping().catch((e: unknown) => e)) as RedisError).code).toBe('ERR_CLOSED');
    await c.connect();
    c.disconnect();
    expect(((await c.ping().catch((e: unknown) => e)) as RedisError).code).toBe('ERR_CLOSED');
  });

  it('disconnect() while connecting rejects connect() and emits end once', async () => {
    const c = createClient({ path: srv.socket, transport: 'shm' });
    let ends = 0;
    c.on('end', () => ends++);
    const p = c.connect().catch((e: unknown) => e);
    const q = c.ping().catch((e: unknown) => e);
    c.disconnect();
    expect(((await p) as RedisError).code).toBe('ERR_CLOSED');
    expect(((await q) as RedisError).code).toBe('ERR_CLOSED');
    expect(ends).toBe(1);
    expect(c.state).toBe('closed');
  });

  it('authenticates as an ACL user over shm; a bad password fails connect with the server text', async () => {
    const admin = createClient({ path: srv.socket });
    await admin.connect();
    await admin.sendCommand(['ACL', 'SETUSER', 'apiuser', 'on', '>s3cret', '~app:*', '+@all']);
    const c = createClient({ path: srv.socket, transport: 'shm', username: 'apiuser', password: 's3cret' });
    await c.connect();
    expect(c.transport).toBe('shm');
    expect(await c.aclWhoami()).toBe('apiuser');
    expect(await c.set('app:x', '1')).toBe('OK');
    const denied = await c.set('other:x', '1').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ReplyError);
    expect((denied as ReplyError).code).toBe('NOPERM');
    await c.quit();
    const bad = createClient({ path: srv.socket, username: 'apiuser', password: 'wrong', reconnect: false });
    const e = await bad.connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisError);
    expect((e as Error).message).toMatch(/WRONGPASS/);
    await admin.sendCommand(['ACL', 'DELUSER', 'apiuser']);
    admin.disconnect();
  });

  it('auto falls back to the socket without the module', async () => {
    const plain = await startRedis({ module: false });
    try {
      const c = createClient({ path: plain.socket });
      await c.connect();
      expect(c.transport).toBe('socket');
      expect(c.transportReason).toMatch(/module/);
      expect(await c.ping()).toBe('PONG');
      await c.quit();
    } finally {
      await plain.stop();
    }
  });
});

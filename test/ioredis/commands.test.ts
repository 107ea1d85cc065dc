// Plain commands, their Buffer variants, reply shapes per protocol, keyPrefix, call(),
// scanStream and duplicate(), in every cell of the matrix.
import { expect, test } from 'vitest';
import { describeCells } from './matrix.js';

describeCells('ioredis commands', (ctx) => {
  test('the client uses the cell transport and answers string, hash, list and zset commands', async () => {
    const r = ctx.client();
    await ctx.expectTransport(r);
    expect(await r.set('s', 'v')).toBe('OK');
    expect(await r.get('s')).toBe('v');
    expect(await r.get('missing')).toBeNull();
    expect(await r.incrby('n', 5)).toBe(5);
    expect(await r.hset('h', 'f1', 'a', 'f2', 'b')).toBe(2);
    expect(await r.hgetall('h')).toEqual({ f1: 'a', f2: 'b' });
    expect(await r.rpush('l', 'x', 'y', 'z')).toBe(3);
    expect(await r.lrange('l', 0, -1)).toEqual(['x', 'y', 'z']);
    await r.zadd('z', 1.5, 'm1', '2', 'm2');
    expect(await r.zscore('z', 'm1')).toBe('1.5');
    expect(await r.zrange('z', '0', '-1', 'WITHSCORES')).toEqual(['m1', '1.5', 'm2', '2']);
    expect(await r.exists('s', 'h', 'nope')).toBe(2);
    expect(await r.del('s', 'h', 'l', 'z', 'n')).toBe(5);
  });

  test('Buffer variants return Buffers and binary values round-trip byte for byte', async () => {
    const r = ctx.client();
    const bin = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80, 0xc3, 0x28]);
    await r.set(Buffer.from([0xfe, 0x01]), bin);
    const got = await r.getBuffer(Buffer.from([0xfe, 0x01]));
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got?.equals(bin)).toBe(true);
    await r.hset('hb', 'f', bin);
    const h = await r.hgetallBuffer('hb');
    expect(Buffer.isBuffer(h.f)).toBe(true);
    expect(h.f?.equals(bin)).toBe(true);
    await r.rpush('lb', bin, 'x');
    const l = await r.lrangeBuffer('lb', 0, -1);
    expect(l.map((b) => b.toString('hex'))).toEqual([bin.toString('hex'), '78']);
    expect(await r.getBuffer('missing')).toBeNull();
  });

  test('a 1 MB value and a 10000-element reply arrive whole', async () => {
    const r = ctx.client();
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
    await r.set('big', big);
    expect((await r.getBuffer('big'))?.equals(big)).toBe(true);
    const items = Array.from({ length: 10000 }, (_, i) => `item-${i}`);
    await r.rpush('many', ...items);
    expect(await r.lrange('many', 0, -1)).toEqual(items);
  });

  test('error replies reject with ReplyError and the connection keeps working', async () => {
    const r = ctx.client();
    await r.set('str', 'x');
    const err: unknown = await r.lpush('str', 'a').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ReplyError');
    expect((err as Error).message).toMatch(/^WRONGTYPE/);
    await expect(r.call('NO-SUCH-COMMAND')).rejects.toThrow(/unknown command/i);
    await expect(r.call('GET')).rejects.toThrow(/wrong number of arguments/i);
    expect(await r.get('str')).toBe('x');
  });

  test('call() sends arbitrary commands and callbacks work beside promises', async () => {
    const r = ctx.client();
    await r.call('SET', 'c', '123');
    expect(await r.call('OBJECT', 'ENCODING', 'c')).toBe('int');
    const viaCallback = await new Promise<unknown>((res, rej) => {
      void r.get('c', (e, v) => (e ? rej(e) : res(v)));
    });
    expect(viaCallback).toBe('123');
  });

  test('the handshake protocol is RESP3 for ioredis 6 and RESP2 for ioredis 5', async () => {
    const r = ctx.client();
    const info = String(await r.client('INFO'));
    expect(info).toMatch(ctx.cell.major === 6 ? /\bresp=3\b/ : /\bresp=2\b/);
    // Legacy reply mapping: RESP3 maps and doubles keep their RESP2 shapes.
    await r.zadd('z', 2.5, 'm');
    expect(await r.zscore('z', 'm')).toBe('2.5');
    expect(await r.config('GET', 'maxmemory')).toEqual(['maxmemory', '0']);
  });

  test('protocol 2 on ioredis 6, and replyMapping resp3 gives objects and numbers', async () => {
    if (ctx.cell.major !== 6) return;
    const r2 = ctx.client({ protocol: 2 });
    expect(String(await r2.client('INFO'))).toMatch(/\bresp=2\b/);
    const r3 = ctx.client({ protocol: 3, replyMapping: 'resp3' });
    await r3.zadd('z', 2.5, 'm');
    expect(await r3.zscore('z', 'm')).toBe(2.5);
    expect(await r3.config('GET', 'maxmemory')).toEqual({ maxmemory: '0' });
    await r3.hset('h', 'a', '1');
    expect(await r3.call('HGETALL', 'h')).toEqual({ a: '1' });
  });

  test('keyPrefix prefixes keys of commands, Buffer variants and multi-key commands', async () => {
    const r = ctx.client({ keyPrefix: 'app:' });
    await r.set('k', 'v');
    await r.mset('a', '1', 'b', '2');
    const admin = ctx.admin();
    expect(await admin.get('app:k')).toBe('v');
    expect((await admin.keys('*')).sort()).toEqual(['app:a', 'app:b', 'app:k']);
    expect(await r.mget('a', 'b', 'k')).toEqual(['1', '2', 'v']);
    expect((await r.getBuffer('k'))?.toString()).toBe('v');
    expect(await r.get('app:k')).toBeNull();
  });

  test('scanStream visits every key', async () => {
    const r = ctx.client();
    const want = Array.from({ length: 250 }, (_, i) => `scan:${i}`);
    await r.mset(...want.flatMap((k) => [k, '1']));
    await r.set('other', '1');
    const seen = new Set<string>();
    await new Promise<void>((res, rej) => {
      const s = r.scanStream({ match: 'scan:*', count: 50 });
      s.on('data', (keys: string[]) => keys.forEach((k) => seen.add(k)));
      s.on('end', () => res());
      s.on('error', rej);
    });
    expect([...seen].sort()).toEqual([...want].sort());
  });

  test('duplicate() opens a second connection with the same options and transport', async () => {
    const r = ctx.client({ keyPrefix: 'd:', db: 2, connectionName: 'dup-src' });
    const d = r.duplicate();
    d.on('error', () => {});
    try {
      await d.set('x', '1');
      expect(await d.client('GETNAME')).toBe('dup-src');
      expect(await r.client('ID')).not.toBe(await d.client('ID'));
      const admin = ctx.admin();
      await admin.select(2);
      expect(await admin.get('d:x')).toBe('1');
      await ctx.expectTransport(d);
    } finally {
      d.disconnect();
    }
  });
});

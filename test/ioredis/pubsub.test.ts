// Pub/sub: channels, patterns, sharded channels, the Buffer events, subscriber mode per
// protocol, publishing from the cell's client, and resubscription after a reconnect.
import { expect, test } from 'vitest';
import { until } from '../helpers/until.js';
import { describeCells, once } from './matrix.js';

describeCells('ioredis pub/sub', (ctx) => {
  test('subscribe: message and messageBuffer carry channel and payload, in publish order', async () => {
    const sub = ctx.client();
    const got: string[] = [];
    const gotBuf: Buffer[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`${ch}=${msg}`));
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => {
      expect(Buffer.isBuffer(ch)).toBe(true);
      gotBuf.push(msg);
    });
    expect(await sub.subscribe('c1', 'c2')).toBe(2);
    const pub = ctx.admin();
    const bin = Buffer.from([0xff, 0x00, 0x80, 0x0a]);
    expect(await pub.publish('c1', 'hello')).toBe(1);
    await pub.publish('c2', bin);
    for (let i = 0; i < 200; i++) void pub.publish('c1', String(i));
    await until(() => got.length === 202, 5000, 10, '202 messages');
    expect(got.slice(0, 1)).toEqual(['c1=hello']);
    expect(gotBuf[1]?.equals(bin)).toBe(true);
    expect(got.slice(2)).toEqual(Array.from({ length: 200 }, (_, i) => `c1=${i}`));
  });

  test('psubscribe: pmessage and pmessageBuffer carry pattern, channel and payload', async () => {
    const sub = ctx.client();
    const pm = once<[string, string, string]>(sub, 'pmessage');
    const pmb = once<[string, Buffer, Buffer]>(sub, 'pmessageBuffer');
    expect(await sub.psubscribe('news.*')).toBe(1);
    await ctx.admin().publish('news.tech', 'x');
    expect(await pm).toEqual(['news.*', 'news.tech', 'x']);
    const [p, ch, m] = await pmb;
    // ioredis passes the pattern as a string, channel and message as Buffers.
    expect(p).toBe('news.*');
    expect([ch, m].every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(ch.toString()).toBe('news.tech');
  });

  test('ssubscribe: smessage and smessageBuffer for SPUBLISH', async () => {
    const sub = ctx.client();
    const sm = once<[string, string]>(sub, 'smessage');
    const smb = once<[Buffer, Buffer]>(sub, 'smessageBuffer');
    expect(await sub.ssubscribe('shard-a')).toBe(1);
    expect(await ctx.admin().spublish('shard-a', 'sharded')).toBe(1);
    expect(await sm).toEqual(['shard-a', 'sharded']);
    expect((await smb)[1].toString()).toBe('sharded');
    expect(await sub.sunsubscribe('shard-a')).toBe(0);
  });

  test('PUBLISH and SPUBLISH from the cell client reach subscribers and count them', async () => {
    const r = ctx.client();
    const sub = ctx.admin();
    await sub.subscribe('from-cell');
    const msg = once<[string, string]>(sub, 'message');
    expect(await r.publish('from-cell', 'hi')).toBe(1);
    expect(await msg).toEqual(['from-cell', 'hi']);
    expect(await r.publish('nobody', 'hi')).toBe(0);
    expect(await r.spublish('nobody', 'hi')).toBe(0);
  });

  test('subscriber mode: RESP2 (ioredis 5) refuses other commands, RESP3 (ioredis 6) serves them', async () => {
    const sub = ctx.client();
    await sub.subscribe('c');
    if (ctx.cell.major === 5) {
      await expect(sub.get('k')).rejects.toThrow(/subscriber mode/);
    } else {
      await ctx.admin().set('k', 'v');
      expect(await sub.get('k')).toBe('v');
      const msg = once<[string, string]>(sub, 'message');
      await ctx.admin().publish('c', 'still-subscribed');
      expect(await msg).toEqual(['c', 'still-subscribed']);
    }
    expect(await sub.unsubscribe()).toBe(0);
    await sub.set('after', '1');
    expect(await sub.get('after')).toBe('1');
  });

  test('after the server kills the subscriber, ioredis resubscribes and messages flow again', async () => {
    const sub = ctx.client({ retryStrategy: () => 20 });
    const id = Number(await sub.client('ID'));
    await sub.subscribe('c');
    await sub.psubscribe('p.*');
    const admin = ctx.admin();
    const ready = once(sub, 'ready');
    await admin.client('KILL', 'ID', String(id));
    await ready;
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`${ch}=${m}`));
    sub.on('pmessage', (_p: string, ch: string, m: string) => got.push(`${ch}=${m}`));
    await until(async () => (await admin.pubsub('NUMSUB', 'c'))[1] === 1 && Number(await admin.pubsub('NUMPAT')) === 1,
      3000, 10, 'resubscribed');
    await admin.publish('c', 'one');
    await admin.publish('p.x', 'two');
    await until(() => got.length === 2, 3000, 10, 'two messages');
    expect(got).toEqual(['c=one', 'p.x=two']);
  });
});

// Pipelines, MULTI/EXEC (errors inside, EXECABORT, WATCH) and autopipelining, in every cell.
import { expect, test } from 'vitest';
import { describeCells } from './matrix.js';

describeCells('ioredis pipelines and transactions', (ctx) => {
  test('a pipeline returns [err, result] pairs in order, an error reply in its slot', async () => {
    const r = ctx.client();
    const res = await r.pipeline().set('a', '1').incr('a').lpush('a', 'x').get('a').getBuffer('a').exec();
    expect(res).toHaveLength(5);
    expect(res?.[0]).toEqual([null, 'OK']);
    expect(res?.[1]).toEqual([null, 2]);
    expect(res?.[2]?.[0]).toBeInstanceOf(Error);
    expect(String(res?.[2]?.[0])).toMatch(/WRONGTYPE/);
    expect(res?.[3]).toEqual([null, '2']);
    expect(Buffer.isBuffer(res?.[4]?.[1])).toBe(true);
  });

  test('a 1000-command pipeline keeps order', async () => {
    const r = ctx.client();
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.rpush('l', String(i));
    p.lrange('l', 0, -1);
    const res = await p.exec();
    expect(res?.[999]).toEqual([null, 1000]);
    expect(res?.[1000]?.[1]).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  test('connection-bound commands inside a pipeline apply in order (SELECT between GETs)', async () => {
    const r = ctx.client();
    await r.set('k', 'db0');
    const res = await r.pipeline().get('k').select(1).get('k').set('k', 'db1').select(0).get('k').exec();
    expect(res?.map(([, v]) => v)).toEqual(['db0', 'OK', null, 'OK', 'OK', 'db0']);
    const admin = ctx.admin();
    await admin.select(1);
    expect(await admin.get('k')).toBe('db1');
  });

  test('multi/exec runs atomically and returns each reply; a runtime error stays in its slot', async () => {
    const r = ctx.client();
    await r.set('s', 'str');
    const res = await r.multi().set('a', '1').incr('a').incr('s').get('a').exec();
    expect(res?.[0]).toEqual([null, 'OK']);
    expect(res?.[1]).toEqual([null, 2]);
    expect(String(res?.[2]?.[0])).toMatch(/not an integer/);
    expect(res?.[3]).toEqual([null, '2']);
  });

  test('a command refused while queuing aborts the transaction with EXECABORT', async () => {
    const r = ctx.client();
    const err = await r.multi().set('a', '1').call('SET', 'only-key').get('a').exec().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^EXECABORT/);
    const prev = (err as Error & { previousErrors?: Error[] }).previousErrors;
    expect(prev?.[0]?.message).toMatch(/wrong number of arguments/);
    expect(await r.get('a')).toBeNull();
    expect(await r.ping()).toBe('PONG');
  });

  test('multi({ pipeline: false }) queues command by command and exec returns their replies', async () => {
    const r = ctx.client();
    expect(await r.multi({ pipeline: false })).toBe('OK');
    expect(await r.set('a', 'x')).toBe('QUEUED');
    expect(await r.get('a')).toBe('QUEUED');
    expect(await r.exec()).toEqual([[null, 'OK'], [null, 'x']]);
    expect(await r.multi({ pipeline: false })).toBe('OK');
    await r.set('b', 'y');
    expect(await r.discard()).toBe('OK');
    expect(await r.get('b')).toBeNull();
  });

  test('WATCH: exec returns null when another client changed the key, runs otherwise', async () => {
    const r = ctx.client();
    const other = ctx.admin();
    await r.set('w', '1');
    await r.watch('w');
    await other.set('w', '2');
    expect(await r.multi().set('w', '3').exec()).toBeNull();
    expect(await r.get('w')).toBe('2');
    await r.watch('w');
    expect(await r.multi().set('w', '4').exec()).toEqual([[null, 'OK']]);
    expect(await other.get('w')).toBe('4');
  });

  test('enableAutoPipelining batches concurrent commands and keeps every reply with its caller', async () => {
    const r = ctx.client({ enableAutoPipelining: true });
    await r.ping();
    const sets = Array.from({ length: 500 }, (_, i) => r.set(`ap:${i}`, String(i)));
    expect(r.autoPipelineQueueSize).toBeGreaterThan(0);
    await Promise.all(sets);
    const gets = await Promise.all(Array.from({ length: 500 }, (_, i) => r.get(`ap:${i}`)));
    expect(gets).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    const errs = await Promise.allSettled([r.get('ap:1'), r.lpush('ap:1', 'x'), r.get('ap:2')]);
    expect(errs.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

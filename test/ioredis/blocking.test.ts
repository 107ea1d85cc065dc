// Blocking commands: the server-side timeout, being woken by another client, and the
// connection's order (a command sent after a blocking one waits for it, as on one socket).
import { expect, test } from 'vitest';
import { describeCells, sleep } from './matrix.js';

describeCells('ioredis blocking commands', (ctx) => {
  test('BLPOP with a timeout resolves null after about the timeout', async () => {
    const r = ctx.client();
    const t0 = Date.now();
    expect(await r.blpop('empty', 0.1)).toBeNull();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(90);
    expect(took).toBeLessThan(1500);
  });

  test("BLPOP, BRPOP, BLMOVE and BZPOPMIN are woken by another client's push", async () => {
    const r = ctx.client();
    const other = ctx.admin();
    const blpop = r.blpop('q1', 5);
    await sleep(50);
    await other.rpush('q1', 'a');
    expect(await blpop).toEqual(['q1', 'a']);

    const r2 = ctx.client();
    const brpop = r2.brpop('q2', 'q3', 5);
    const r3 = ctx.client();
    const blmove = r3.blmove('q4', 'dst', 'LEFT', 'RIGHT', 5);
    const r4 = ctx.client();
    const bz = r4.bzpopmin('z', 5);
    await sleep(50);
    await other.rpush('q3', 'b');
    await other.rpush('q4', 'c');
    await other.zadd('z', 3, 'm');
    expect(await brpop).toEqual(['q3', 'b']);
    expect(await blmove).toBe('c');
    expect(await bz).toEqual(['z', 'm', '3']);
    expect(await other.lrange('dst', 0, -1)).toEqual(['c']);
  });

  test('a BLPOP with timeout 0 waits until a push, however long', async () => {
    const r = ctx.client();
    let done = false;
    const p = r.blpop('forever', 0).then((v) => { done = true; return v; });
    await sleep(150);
    expect(done).toBe(false);
    await ctx.admin().lpush('forever', 'x');
    expect(await p).toEqual(['forever', 'x']);
  });

  test('commands sent after a BLPOP on the same client run after it, as on one connection', async () => {
    const r = ctx.client();
    const order: string[] = [];
    const blpop = r.blpop('q', 0.1).then((v) => { order.push('blpop'); return v; });
    // Same connection: this push only runs once BLPOP has timed out, so BLPOP gets null.
    const push = r.rpush('q', 'mine').then((v) => { order.push('rpush'); return v; });
    const get = r.get('q-other').then((v) => { order.push('get'); return v; });
    expect(await blpop).toBeNull();
    expect(await push).toBe(1);
    expect(await get).toBeNull();
    expect(order).toEqual(['blpop', 'rpush', 'get']);
    expect(await r.lrange('q', 0, -1)).toEqual(['mine']);
  });

  test('XREAD BLOCK is woken by XADD from another client', async () => {
    const r = ctx.client();
    await r.ping(); // '$' means entries added after XREAD arrives: be connected first
    const read = r.xread('BLOCK', 5000, 'STREAMS', 's', '$');
    await sleep(50);
    const id = await ctx.admin().xadd('s', '*', 'f', 'v');
    const res = await read;
    expect(res?.[0]?.[0]).toBe('s');
    expect(res?.[0]?.[1]?.[0]).toEqual([id, ['f', 'v']]);
  });
});

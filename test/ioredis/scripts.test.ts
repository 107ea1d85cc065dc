// Lua: eval/evalsha, defineCommand (EVALSHA, falling back to EVAL on NOSCRIPT), the scripts
// option, scripts in pipelines and transactions, in every cell.
import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeCells, type Client } from './matrix.js';

const ADD = "return redis.call('INCRBY', KEYS[1], ARGV[1]) + tonumber(ARGV[2])";
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

interface Scripted extends Client {
  addTo(key: string, by: number, plus: number): Promise<number>;
  getRaw(key: string): Promise<string>;
  getRawBuffer(key: string): Promise<Buffer>;
  echoBack(...args: string[]): Promise<string[]>;
}

describeCells('ioredis Lua scripts', (ctx) => {
  test('eval and evalsha run scripts with keys and arguments; a Lua error rejects', async () => {
    const r = ctx.client();
    expect(await r.eval(ADD, 1, 'n', 5, 10)).toBe(15);
    const sha = String(await r.script('LOAD', ADD));
    expect(sha).toBe(sha1(ADD));
    expect(await r.evalsha(sha, 1, 'n', 1, 0)).toBe(6);
    expect(await r.eval("return {1, 'two', {3}}", 0)).toEqual([1, 'two', [3]]);
    await expect(r.eval("return redis.error_reply('MYERR boom')", 0)).rejects.toThrow(/MYERR boom/);
    await expect(r.evalsha('0'.repeat(40), 0)).rejects.toThrow(/NOSCRIPT/);
  });

  test('defineCommand: the command and its Buffer variant run the script', async () => {
    const r = ctx.client() as Scripted;
    r.defineCommand('addTo', { numberOfKeys: 1, lua: ADD });
    expect(await r.addTo('n', 2, 100)).toBe(102);
    expect(await r.addTo('n', 2, 100)).toBe(104);
    r.defineCommand('echoBack', { lua: 'return ARGV' });
    // Without numberOfKeys the first argument is the key count.
    expect(await r.echoBack('0', 'a', 'b')).toEqual(['a', 'b']);
    r.defineCommand('getRaw', { numberOfKeys: 1, lua: "return redis.call('GET', KEYS[1])" });
    const bin = Buffer.from([0xff, 0x00, 0xc3]);
    await r.set('b', bin);
    const buf = await r.getRawBuffer('b');
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.equals(bin)).toBe(true);
    expect(typeof (await r.getRaw('b'))).toBe('string');
  });

  test('defineCommand falls back to EVAL after SCRIPT FLUSH (NOSCRIPT), reloading the script', async () => {
    const r = ctx.client() as Scripted;
    r.defineCommand('addTo', { numberOfKeys: 1, lua: ADD });
    expect(await r.addTo('n', 1, 0)).toBe(1);
    const admin = ctx.admin();
    await admin.script('FLUSH');
    expect(await admin.script('EXISTS', sha1(ADD))).toEqual([0]);
    expect(await r.addTo('n', 1, 0)).toBe(2);
    // Only EVAL loads a script into the cache: EVALSHA alone would have left it empty.
    expect(await admin.script('EXISTS', sha1(ADD))).toEqual([1]);
  });

  test('scripts in a pipeline, and in multi/exec of a fresh client, survive a flushed script cache', async () => {
    const r = ctx.client({ scripts: { addTo: { numberOfKeys: 1, lua: ADD } } }) as Scripted;
    await ctx.admin().script('FLUSH');
    const p = r.pipeline() as unknown as { addTo(...a: unknown[]): unknown; exec(): Promise<[Error | null, unknown][]> };
    p.addTo('n', 1, 0);
    p.addTo('n', 1, 0);
    expect(await p.exec()).toEqual([[null, 1], [null, 2]]);
    // A client that has not sent the script yet loads it ahead of MULTI. (One that already
    // sent it does not: a flush between its pipeline and its MULTI gives NOSCRIPT, in ioredis
    // itself too.)
    await ctx.admin().script('FLUSH');
    const r2 = ctx.client({ scripts: { addTo: { numberOfKeys: 1, lua: ADD } } });
    const m = r2.multi() as unknown as { addTo(...a: unknown[]): unknown; exec(): Promise<[Error | null, unknown][]> };
    m.addTo('n', 10, 0);
    expect(await m.exec()).toEqual([[null, 12]]);
  });

  test('keyPrefix applies to script keys', async () => {
    const r = ctx.client({ keyPrefix: 'p:', scripts: { addTo: { numberOfKeys: 1, lua: ADD } } }) as Scripted;
    expect(await r.addTo('n', 7, 0)).toBe(7);
    expect(await ctx.admin().get('p:n')).toBe('7');
  });
});

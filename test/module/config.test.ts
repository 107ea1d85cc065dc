// Configuration: module arguments and CONFIG GET/SET shm.*; limits are enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line, runCli } from './cli.js';

describe('shm.* configs', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ moduleArgs: ['threads', '2', 'max-batch', '8', 'spin-us', '50'] }); });
  afterAll(async () => { await srv.stop(); });

  it('module arguments set the values CONFIG GET shows', async () => {
    const r = await srv.command('CONFIG', 'GET', 'shm.*');
    const flat = r.split('\r\n').filter((x) => x && !/^[*$]/.test(x));
    const cfg: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) cfg[flat[i]!] = flat[i + 1]!;
    expect(cfg).toEqual({
      'shm.threads': '2', 'shm.max-batch': '8', 'shm.spin-us': '50', 'shm.min-ring': '4096',
      'shm.max-ring': String(64 << 20), 'shm.max-sessions': '256',
    });
    expect(await srv.command('SHM.INFO')).toContain('$7\r\nthreads\r\n:2\r\n');
  });

  it('threads is load-time only; bounds and min<=max are checked', async () => {
    expect(await srv.command('CONFIG', 'SET', 'shm.threads', '3')).toMatch(/^-ERR CONFIG SET failed .*can't set immutable config/);
    expect(await srv.command('CONFIG', 'SET', 'shm.max-batch', '0')).toMatch(/^-ERR CONFIG SET failed/);
    expect(await srv.command('CONFIG', 'SET', 'shm.min-ring', String(1 << 30))).toMatch(/min-ring must not exceed max-ring/);
    expect(await srv.command('CONFIG', 'SET', 'shm.spin-us', '0')).toBe('+OK\r\n');
    expect(await srv.command('CONFIG', 'GET', 'shm.spin-us')).toBe('*2\r\n$11\r\nshm.spin-us\r\n$1\r\n0\r\n');
  });

  it('ring sizes outside min-ring/max-ring are refused at SHM.OPEN', async () => {
    expect(await srv.command('CONFIG', 'SET', 'shm.min-ring', '65536')).toBe('+OK\r\n');
    const { cli } = await runCli(srv, ['open'], { req: 4096, rep: 4096 });
    expect(cli.tagged('O')[0]!.bytes.toString()).toBe('-ERR SHM segment size is out of bounds\r\n');
    expect(await srv.command('CONFIG', 'SET', 'shm.min-ring', '4096')).toBe('+OK\r\n');
    expect(await srv.command('CONFIG', 'SET', 'shm.max-ring', '8192')).toBe('+OK\r\n');
    const { cli: big } = await runCli(srv, ['open'], { req: 16384, rep: 4096 });
    expect(big.tagged('O')[0]!.bytes.toString()).toBe('-ERR SHM segment size is out of bounds\r\n');
    expect(await srv.command('CONFIG', 'SET', 'shm.max-ring', String(64 << 20))).toBe('+OK\r\n');
  });

  it('sessions spread over both threads; a small max-batch still serves long pipelines in order', async () => {
    const a = new Cli(srv);
    const b = new Cli(srv);
    const cmds = Array.from({ length: 200 }, (_, i) => line('cmd', 'RPUSH', 'order', String(i)));
    a.send('open', ...cmds, 'wait');
    b.send('open', line('cmd', 'PING'), 'wait');
    await a.waitTag('R', 200);
    await b.waitTag('R', 1);
    const info = await srv.command('SHM.INFO');
    expect(info).toMatch(/\$6\r\nthread\r\n:0\r\n/);
    expect(info).toMatch(/\$6\r\nthread\r\n:1\r\n/);
    expect(a.tagged('R').map((r) => r.bytes.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `:${i + 1}\r\n`));
    await a.end();
    await b.end();
  });

  it('replies waiting for a slow reader count in used_memory, like a socket output buffer', async () => {
    const mem = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await srv.command('INFO', 'memory'))![1]);
    expect(await srv.command('SET', 'tenmb', 'y'.repeat(10 << 20))).toBe('+OK\r\n');
    const base = await mem();
    const cli = new Cli(srv, { rep: 4096 });
    cli.send('open', 'raw *2\\r\\n$3\\r\\nGET\\r\\n$5\\r\\ntenmb\\r\\n', 'sleep 3000');
    await cli.waitTag('O', 1);
    let grown = 0;
    for (let i = 0; i < 50 && grown < 9 << 20; i++) {
      await new Promise((r) => setTimeout(r, 20));
      grown = (await mem()) - base;
    }
    expect(grown).toBeGreaterThanOrEqual(9 << 20);
    cli.kill();
    await cli.exited;
    expect(await srv.command('DEL', 'tenmb')).toBe(':1\r\n');
  });

  it('a small REP ring still delivers a reply larger than the ring', async () => {
    const big = 'x'.repeat(100000);
    const { cli, code } = await runCli(srv, ['open', line('cmd', 'SET', 'big', big), line('cmd', 'GET', 'big'), line('cmd', 'STRLEN', 'big'), 'wait'], { req: 4096, rep: 4096 });
    expect(code, cli.stderr).toBe(0);
    const r = cli.tagged('R');
    expect(r[1]!.bytes.toString()).toBe(`$100000\r\n${big}\r\n`);
    expect(r[2]!.bytes.toString()).toBe(':100000\r\n');
  });
});

// CLIENT PAUSE: commands over the ring are held (not run) while clients are paused and
// run once the pause ends. A propagated write from a thread during a pause would crash 7.0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';

describe('CLIENT PAUSE', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv.stop(); });

  it('holds writes during CLIENT PAUSE WRITE, then runs them in order', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'SET', 'p', '0'), 'wait');
    await cli.waitTag('R', 1);
    expect(await srv.command('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('+OK\r\n');
    cli.send(line('cmd', 'SET', 'p', '1'), line('cmd', 'INCR', 'p'));
    await new Promise((r) => setTimeout(r, 300));
    expect(cli.tagged('R').length).toBe(1);             // nothing ran yet
    expect(await srv.command('GET', 'p')).toBe('$1\r\n0\r\n');
    expect(await srv.command('INFO', 'shm')).toMatch(/shm_held_while_paused:[1-9]/);
    expect(await srv.command('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    cli.send('wait');
    const r = await cli.waitTag('R', 3);
    expect(r.slice(1).map((x) => x.bytes.toString())).toEqual(['+OK\r\n', ':2\r\n']);
    expect(await srv.command('GET', 'p')).toBe('$1\r\n2\r\n');
    expect(await cli.end()).toBe(0);
    expect(srv.log()).not.toMatch(/ASSERTION|crashed/);
  });
});

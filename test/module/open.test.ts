// SHM.OPEN per docs/protocol.md §4: the handshake, its checks, and the reply map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line, parseOpenReply, runCli } from './cli.js';

const shmNames = (): string[] => readdirSync('/dev/shm').filter((n) => n.startsWith('redis-shm.'));

describe('SHM.OPEN', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ moduleArgs: ['max-sessions', '3'] }); });
  afterAll(async () => { await srv.stop(); });

  it('claims the segment, unlinks it, and replies with the accepted geometry', async () => {
    const cli = new Cli(srv, { req: 8192, rep: 16384 });
    cli.send('open', 'state');
    const [open] = await cli.waitTag('O', 1);
    const name = cli.tagged('N')[0]!.text;
    const m = parseOpenReply(open!.bytes);
    expect(m).toMatchObject({ version: 1, 'req-capacity': 8192, 'rep-capacity': 16384, 'server-pid': srv.pid });
    expect(m.session).toBeGreaterThan(0);
    const [st] = await cli.waitTag('T', 1);
    expect(st!.text).toBe('1 0');   // CLAIMED, no close reason
    expect(existsSync('/dev/shm' + name)).toBe(false);
    expect(await cli.end()).toBe(0);
  });

  it('refuses a wrong token and leaves the segment unclaimed', async () => {
    const { cli } = await runCli(srv, ['open badtoken', 'state']);
    expect(cli.tagged('O')[0]!.bytes.toString()).toBe('-ERR SHM token mismatch\r\n');
    expect(cli.tagged('T')[0]!.text).toBe('0 0');
  });

  it('validates name, token, version and options before touching anything', async () => {
    const cases: [string[], string][] = [
      [['SHM.OPEN', '1', '/redis-shm.../../etc/passwd000000000000000000', '00'.repeat(16)], '-ERR SHM invalid segment name\r\n'],
      [['SHM.OPEN', '1', '/redis-shm.' + 'A'.repeat(32), '00'.repeat(16)], '-ERR SHM invalid segment name\r\n'],
      [['SHM.OPEN', '1', '/redis-shm.' + 'a'.repeat(32), 'zz'.repeat(16)], '-ERR SHM invalid token\r\n'],
      [['SHM.OPEN', '2', '/redis-shm.' + 'a'.repeat(32), '00'.repeat(16)], '-ERR SHM unsupported layout version (this server speaks 1)\r\n'],
      [['SHM.OPEN', '1', '/redis-shm.' + 'a'.repeat(32), '00'.repeat(16), 'opt', 'x'], '-ERR SHM unknown option\r\n'],
      [['SHM.OPEN', '1', '/redis-shm.' + 'a'.repeat(32), '00'.repeat(16)], '-ERR SHM cannot open segment: No such file or directory\r\n'],
      [['SHM.OPEN', '1'], "-ERR wrong number of arguments for 'shm.open' command\r\n"],
    ];
    for (const [args, want] of cases) expect(await srv.command(...args)).toBe(want);
  });

  it('allows one session per connection and enforces shm.max-sessions', async () => {
    const a = new Cli(srv);
    a.send('open', 'open');
    const opens = await a.waitTag('O', 2);
    expect(opens[1]!.bytes.toString()).toBe('-ERR SHM a session is already open on this connection\r\n');
    const b = new Cli(srv);
    const c = new Cli(srv);
    b.send('open');
    c.send('open');
    await b.waitTag('O', 1);
    await c.waitTag('O', 1);
    const d = new Cli(srv);
    d.send('open');
    const [dOpen] = await d.waitTag('O', 1);
    expect(dOpen!.bytes.toString()).toBe('-ERR SHM too many sessions (shm.max-sessions)\r\n');
    for (const x of [a, b, c, d]) expect(await x.end()).toBe(0);
  });

  it('leaves nothing in /dev/shm after sessions come and go', async () => {
    const before = shmNames().length;
    const { code } = await runCli(srv, ['open', line('cmd', 'PING'), 'wait']);
    expect(code).toBe(0);
    expect(shmNames().length).toBeLessThanOrEqual(before);
    expect(await srv.command('PING')).toBe('+PONG\r\n');
  });
});

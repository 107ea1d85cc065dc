// ACL over the ring: the session runs as the socket client's user, and denials get the
// NOPERM text a socket client gets (processCommand's wording, not RM_Call's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';

describe('ACL over the ring', () => {
  let srv: RedisServer;
  beforeAll(async () => {
    srv = await startRedis();
    // may GET/SET keys app:*, PUBLISH to news only, CONFIG GET but not CONFIG SET
    await srv.command('ACL', 'SETUSER', 'app', 'on', '>pw', '~app:*', '&news', '+get', '+set', '+publish', '+ping',
      '+config|get', '+acl|whoami', '+select', '+shm.open', '+shm.sync');
  });
  afterAll(async () => { await srv.stop(); });

  const TABLE: string[][] = [
    ['GET', 'app:1'], ['SET', 'app:1', 'x'], ['GET', 'other'], ['SET', 'other', 'x'], ['DEL', 'app:1'],
    ['PUBLISH', 'news', 'm'], ['PUBLISH', 'sports', 'm'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '0'],
    ['ACL', 'WHOAMI'], ['FLUSHALL'], ['GET'], ['NOSUCH'],
  ];

  it('denials are byte-identical to the socket, allowed commands run as the user', async () => {
    const script = [line('sock', 'AUTH', 'app', 'pw'), 'open'];
    for (const c of TABLE) script.push(line('sock', ...c), line('cmd', ...c), 'wait');
    const { cli, code } = await runCli(srv, script);
    expect(code, cli.stderr).toBe(0);
    const sock = cli.tagged('S').slice(1);
    const ring = cli.tagged('R');
    for (let i = 0; i < TABLE.length; i++) expect(ring[i]!.bytes.toString(), TABLE[i]!.join(' ')).toBe(sock[i]!.bytes.toString());
    expect(ring[2]!.bytes.toString()).toBe('-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
    expect(ring[4]!.bytes.toString()).toBe("-NOPERM this user has no permissions to run the 'del' command\r\n");
    expect(ring[6]!.bytes.toString()).toBe('-NOPERM this user has no permissions to access one of the channels used as arguments\r\n');
    expect(ring[8]!.bytes.toString()).toBe("-NOPERM this user has no permissions to run the 'config|set' command\r\n");
    expect(ring[9]!.bytes.toString()).toBe('$3\r\napp\r\n');
  });

  it('a ring denial is logged in ACL LOG under the session user with the offending object', async () => {
    expect(await srv.command('ACL', 'LOG', 'RESET')).toBe('+OK\r\n');
    const { code } = await runCli(srv, [line('sock', 'AUTH', 'app', 'pw'), 'open', line('cmd', 'GET', 'secret:9'), 'wait']);
    expect(code).toBe(0);
    const log = await srv.command('ACL', 'LOG', '1');
    expect(log).toContain('$6\r\nreason\r\n$3\r\nkey\r\n');
    expect(log).toContain('$6\r\nobject\r\n$8\r\nsecret:9\r\n');
    expect(log).toContain('$8\r\nusername\r\n$3\r\napp\r\n');
  });

  it('ACL changes apply to the next command; ACL DELUSER ends the session', async () => {
    await srv.command('ACL', 'SETUSER', 'tmp', 'on', '>pw', 'allkeys', '+@all');
    const { Cli } = await import('./cli.js');
    const cli = new Cli(srv);
    cli.send(line('sock', 'AUTH', 'tmp', 'pw'), 'open', line('cmd', 'SET', 'a', '1'), 'wait');
    await cli.waitTag('R', 1);
    await srv.command('ACL', 'SETUSER', 'tmp', '-set');
    cli.send(line('cmd', 'SET', 'a', '1'), 'wait');
    const r = await cli.waitTag('R', 2);
    expect(r[1]!.bytes.toString()).toBe("-NOPERM this user has no permissions to run the 'set' command\r\n");
    await srv.command('ACL', 'DELUSER', 'tmp');
    cli.send('waitclosed');
    const [st] = await cli.waitTag('T', 1);
    expect(st!.text.startsWith('2 ')).toBe(true);   // CLOSED
    await cli.end();
    expect(await srv.command('PING')).toBe('+PONG\r\n');
  });
});

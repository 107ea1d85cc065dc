// Session state: user, db and protocol are captured at SHM.OPEN and again by SHM.SYNC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';

describe('SHM.SYNC', () => {
  let srv: RedisServer;
  beforeAll(async () => {
    srv = await startRedis();
    await srv.command('ACL', 'SETUSER', 'bob', 'on', '>pw', 'allkeys', '+@all');
  });
  afterAll(async () => { await srv.stop(); });

  it('re-captures db, user and protocol from the socket client', async () => {
    const cli = new Cli(srv);
    cli.send(line('sock', 'SELECT', '2'), 'open', line('cmd', 'SET', 'where', 'two'), line('cmd', 'ACL', 'WHOAMI'),
      line('cmd', 'HGETALL', 'nohash'), 'wait');
    let r = await cli.waitTag('R', 3);
    expect(r.map((x) => x.bytes.toString())).toEqual(['+OK\r\n', '$7\r\ndefault\r\n', '*0\r\n']);
    // routed state changes happen on the socket; without SYNC the session keeps its state
    cli.send(line('sock', 'SELECT', '3'), line('sock', 'AUTH', 'bob', 'pw'), line('sock', 'HELLO', '3'),
      line('cmd', 'ACL', 'WHOAMI'), 'wait');
    r = await cli.waitTag('R', 4);
    expect(r[3]!.bytes.toString()).toBe('$7\r\ndefault\r\n');
    cli.send(line('sock', 'SHM.SYNC'), line('cmd', 'SET', 'where', 'three'), line('cmd', 'ACL', 'WHOAMI'),
      line('cmd', 'HGETALL', 'nohash'), 'wait');
    r = await cli.waitTag('R', 7);
    expect(r.slice(4).map((x) => x.bytes.toString())).toEqual(['+OK\r\n', '$3\r\nbob\r\n', '%0\r\n']);
    const s = cli.tagged('S');
    expect(s[s.length - 1]!.bytes.toString()).toBe('+OK\r\n');
    expect(await cli.end()).toBe(0);
    const db2 = await srv.command('EVAL', 'redis.call("select", 2) return redis.call("get", "where")', '0');
    const db3 = await srv.command('EVAL', 'redis.call("select", 3) return redis.call("get", "where")', '0');
    expect([db2, db3]).toEqual(['$3\r\ntwo\r\n', '$5\r\nthree\r\n']);
  });

  it('SHM.SYNC and SHM.CLOSE without a session', async () => {
    expect(await srv.command('SHM.SYNC')).toBe('-ERR SHM no session on this connection\r\n');
    expect(await srv.command('SHM.CLOSE')).toBe(':0\r\n');
  });

  it('SHM.CLOSE ends the session with reason CLIENT', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('sock', 'SHM.CLOSE'), 'waitclosed');
    const [st] = await cli.waitTag('T', 1);
    expect(st!.text).toBe('2 1');
    expect(cli.tagged('S')[0]!.bytes.toString()).toBe(':1\r\n');
    await cli.end();
  });
});

// Fidelity: a command over the ring gets exactly the bytes the same command gets over
// the socket of the same connection (same user, db and protocol), RESP2 and RESP3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';

const SETUP: string[][] = [
  ['SET', 'k', 'v'], ['SET', 'n', '10'], ['HSET', 'h', 'f', 'v', 'g', 'w'], ['RPUSH', 'l', 'a', 'b', 'c'],
  ['ZADD', 'z', '1.5', 'a', '2', 'b'], ['SADD', 's', 'x'], ['XADD', 'st', '1-0', 'f', 'v'],
];

// Each command must give the same reply when run twice in a row (socket, then ring).
const TABLE: (string | Buffer)[][] = [
  ['PING'], ['PING', 'hello'], ['ECHO', Buffer.from([0, 13, 10, 255])], ['GET', 'k'], ['GET', 'missing'],
  ['SET', 'k', 'v'], ['SET', 'k', 'v', 'GET'], ['EXISTS', 'k', 'h', 'nope'], ['STRLEN', 'k'], ['GETRANGE', 'k', '0', '-1'],
  ['HGETALL', 'h'], ['HGET', 'h', 'nope'], ['HMGET', 'h', 'f', 'x'], ['LRANGE', 'l', '0', '-1'], ['LPOS', 'l', 'b'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'a'], ['ZSCORE', 'z', 'nope'], ['SMEMBERS', 's'], ['SISMEMBER', 's', 'x'],
  ['XRANGE', 'st', '-', '+'], ['XREAD', 'COUNT', '1', 'STREAMS', 'st', '0'], ['TYPE', 'l'], ['TTL', 'k'], ['OBJECT', 'ENCODING', 'l'],
  ['DBSIZE'], ['ACL', 'WHOAMI'], ['CONFIG', 'GET', 'maxmemory-policy'], ['COMMAND', 'COUNT'],
  ['EVAL', 'return {1, 2, {3, "x"}, false}', '0'], ['EVAL', 'return redis.call("get", KEYS[1])', '1', 'k'],
  ['PUBLISH', 'chan', 'msg'],
  // errors
  ['GET'], ['NOSUCH', 'a', 'b'], ['OBJECT', 'NOSUCH', 'x'], ['CONFIG', 'NOSUCH'], ['INCR', 'k'], ['LPUSH', 'k', 'x'],
  ['SET', 'k', 'v', 'EX', '0'], ['XADD', 'st', '0-1', 'f', 'v'], ['EVAL', 'return redis.call("nosuch")', '0'],
  ['DEBUG', 'SLEEP', '0'], ['MODULE', 'LIST'], ['MODULE', 'LOAD', '/nonexistent.so'], ['ZADD', 'z', 'nan', 'x'], ['HSET', 'h'],
  [Buffer.from('PI\0G'), 'a', Buffer.from('b\0c')], ['NOSUCH', 'x'.repeat(200), 'y'],
];

async function compare(srv: RedisServer, resp3: boolean): Promise<void> {
  const script = [
    ...(resp3 ? [line('sock', 'HELLO', '3')] : []),
    line('sock', 'SELECT', '5'),
    ...SETUP.map((c) => line('sock', ...c)),
    'open',
  ];
  for (const c of TABLE) script.push(line('sock', ...c), line('cmd', ...c), 'wait');
  const { cli, code } = await runCli(srv, script);
  expect(code, cli.stderr).toBe(0);
  const sock = cli.tagged('S').slice(2 + SETUP.length - (resp3 ? 0 : 1));
  const ring = cli.tagged('R');
  expect(ring.length).toBe(TABLE.length);
  for (let i = 0; i < TABLE.length; i++) {
    const what = TABLE[i]!.map(String).join(' ');
    expect(ring[i]!.bytes.toString('latin1'), what).toBe(sock[i]!.bytes.toString('latin1'));
  }
}

describe('fidelity: ring replies equal socket replies', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv.stop(); });

  it('RESP2', async () => { await compare(srv, false); });
  it('RESP3', async () => { await compare(srv, true); });

  it('writes land in the session db, visible over the socket', async () => {
    const { code } = await runCli(srv, [line('sock', 'SELECT', '7'), 'open', line('cmd', 'SET', 'only7', 'yes'), 'wait']);
    expect(code).toBe(0);
    expect(await srv.command('GET', 'only7')).toBe('$-1\r\n');
    const { cli } = await runCli(srv, [line('sock', 'SELECT', '7'), line('sock', 'GET', 'only7')]);
    expect(cli.tagged('S')[1]!.bytes.toString()).toBe('$3\r\nyes\r\n');
  });

  it('deny-oom commands get the socket\'s OOM error over maxmemory, reads still work', async () => {
    expect(await srv.command('CONFIG', 'SET', 'maxmemory', '1')).toBe('+OK\r\n');
    try {
      const c = [['SET', 'oom', 'x'], ['GET', 'k'], ['DEL', 'nothing']];
      const script = ['open'];
      for (const x of c) script.push(line('sock', ...x), line('cmd', ...x), 'wait');
      const { cli } = await runCli(srv, script);
      const sock = cli.tagged('S').map((r) => r.bytes.toString());
      const ring = cli.tagged('R').map((r) => r.bytes.toString());
      expect(ring).toEqual(sock);
      expect(ring[0]).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    } finally {
      expect(await srv.command('CONFIG', 'SET', 'maxmemory', '0')).toBe('+OK\r\n');
    }
  });

  it('inline requests and pipelines over the ring', async () => {
    const { cli, code } = await runCli(srv, ['open', 'raw SET\\sa\\s"x\\\\x41"\\r\\nGET\\sa\\r\\n\\r\\nPING\\n', 'expect 3', 'wait']);
    expect(code, cli.stderr).toBe(0);
    expect(cli.tagged('R').map((r) => r.bytes.toString())).toEqual(['+OK\r\n', '$2\r\nxA\r\n', '+PONG\r\n']);
  });
});

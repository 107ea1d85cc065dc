// Commands bound to the connection are refused over the ring with the SHM-ROUTE error
// (the client library sends them on the socket); none of them reaches RM_Call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';

const ROUTED: [string[], string][] = [
  [['SUBSCRIBE', 'c'], 'pub/sub'], [['PSUBSCRIBE', 'c*'], 'pub/sub'], [['SSUBSCRIBE', 'c'], 'pub/sub'],
  [['UNSUBSCRIBE'], 'pub/sub'], [['PUNSUBSCRIBE'], 'pub/sub'], [['SUNSUBSCRIBE'], 'pub/sub'],
  [['MONITOR'], 'connection command'], [['RESET'], 'connection command'], [['QUIT'], 'connection command'],
  [['SHUTDOWN'], 'connection command'], [['SYNC'], 'connection command'], [['PSYNC', '?', '-1'], 'connection command'],
  [['REPLCONF', 'ack', '0'], 'connection command'], [['SELECT', '1'], 'connection command'], [['AUTH', 'x'], 'connection command'],
  [['HELLO', '3'], 'connection command'], [['CLIENT', 'ID'], 'connection command'],
  [['ASKING'], 'connection command'], [['READONLY'], 'connection command'], [['READWRITE'], 'connection command'],
  [['MULTI'], 'transaction'], [['EXEC'], 'transaction'], [['DISCARD'], 'transaction'], [['WATCH', 'k'], 'transaction'], [['UNWATCH'], 'transaction'],
  [['BLPOP', 'l', '0'], 'blocking command'], [['BRPOP', 'l', '0'], 'blocking command'], [['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'], 'blocking command'],
  [['BRPOPLPUSH', 'a', 'b', '0'], 'blocking command'], [['BLMPOP', '0', '1', 'l', 'LEFT'], 'blocking command'],
  [['BZPOPMIN', 'z', '0'], 'blocking command'], [['BZPOPMAX', 'z', '0'], 'blocking command'], [['BZMPOP', '0', '1', 'z', 'MIN'], 'blocking command'],
  [['WAIT', '1', '0'], 'blocking command'], [['WAITAOF', '1', '1', '0'], 'blocking command'],
  [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], 'blocking command'], [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], 'blocking command'],
  [['SHM.OPEN', '1', 'x', 'y'], 'shm session command'], [['SHM.INFO'], 'shm session command'],
];

describe('routing rule', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv.stop(); });

  it('answers every routed command with -ERR SHM-ROUTE and keeps serving', async () => {
    const script = ['open', ...ROUTED.map(([c]) => line('cmd', ...c)), line('cmd', 'PING'), 'wait'];
    const { cli, code } = await runCli(srv, script);
    expect(code, cli.stderr).toBe(0);
    const r = cli.tagged('R').map((x) => x.bytes.toString());
    ROUTED.forEach(([c, why], i) => {
      expect(r[i]).toBe(`-ERR SHM-ROUTE '${c[0]!.toLowerCase()}' is served on the socket only (${why})\r\n`);
    });
    expect(r[ROUTED.length]).toBe('+PONG\r\n');
    // WAIT over RM_Call would crash 7.0; SHUTDOWN would stop it: the server is fine
    expect(await srv.command('PING')).toBe('+PONG\r\n');
  });

  it('serves non-blocking XREAD and PUBLISH', async () => {
    const { cli } = await runCli(srv, ['open', line('cmd', 'XREAD', 'COUNT', '1', 'STREAMS', 's', '0'), line('cmd', 'PUBLISH', 'c', 'm'), 'wait']);
    expect(cli.tagged('R').map((x) => x.bytes.toString())).toEqual(['*-1\r\n', ':0\r\n']);
  });
});

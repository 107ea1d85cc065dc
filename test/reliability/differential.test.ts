// Differential fuzzing of fidelity: thousands of seeded random commands (right and wrong
// types, bad arities, out-of-range numbers, binary values, scripts) run once over the
// socket against db 0 and once over a shm session against db 1 of the same server. Both dbs
// see the same commands in the same order, so every reply must be byte-identical.
// Commands whose reply depends on time, randomness, the connection or the whole keyspace's
// hash order are left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, Rng } from './helpers.js';

const KEYS = ['k1', 'k2', 'k3', 'l1', 's1', 'h1', 'z1', 'x1', 'b1', 'p1'];

function gen(rng: Rng): string[] {
  const key = (): string => KEYS[rng.int(KEYS.length)]!;
  const num = (): string => rng.pick(['0', '1', '-1', '7', '100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', 'nan', 'inf', '-inf', 'abc', '', '00', ' 1', '3e2']);
  const val = (): string => rng.pick(['v', '', 'x'.repeat(rng.int(300)), 'héllo', '\u0000\r\n', String(rng.int(1000)), '-0', '1e3', 'a b']);
  const any = (): string => rng.int(3) ? val() : num();
  const T: (() => string[])[] = [
    () => ['SET', key(), val()], () => ['SET', key(), val(), rng.pick(['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX'])], () => ['GET', key()],
    () => ['APPEND', key(), val()], () => ['INCR', key()], () => ['INCRBY', key(), num()], () => ['INCRBYFLOAT', key(), num()],
    () => ['DECRBY', key(), num()], () => ['GETRANGE', key(), num(), num()], () => ['SETRANGE', key(), num(), val()], () => ['STRLEN', key()],
    () => ['MSET', key(), val(), key(), val()], () => ['MGET', key(), key(), key()], () => ['MSETNX', key(), val()], () => ['GETDEL', key()],
    () => ['GETEX', key(), rng.pick(['PERSIST', 'EX', 'FOO'])], () => ['SETNX', key(), val()], () => ['DEL', key(), key()], () => ['EXISTS', key(), key()],
    () => ['TYPE', key()], () => ['UNLINK', key()], () => ['RENAME', key(), key()], () => ['RENAMENX', key(), key()], () => ['COPY', key(), key(), ...(rng.int(2) ? ['REPLACE'] : [])],
    () => ['OBJECT', 'ENCODING', key()], () => ['PERSIST', key()], () => ['EXPIRE', key(), rng.pick(['100000', '-1', 'x'])], () => ['DUMP', key()],
    () => ['LPUSH', key(), any(), any()], () => ['RPUSH', key(), any()], () => ['LPOP', key(), ...(rng.int(2) ? [num()] : [])], () => ['RPOP', key()],
    () => ['LRANGE', key(), num(), num()], () => ['LLEN', key()], () => ['LINDEX', key(), num()], () => ['LSET', key(), num(), val()],
    () => ['LREM', key(), num(), val()], () => ['LINSERT', key(), rng.pick(['BEFORE', 'AFTER', 'X']), val(), val()], () => ['LPOS', key(), val()],
    () => ['LTRIM', key(), num(), num()], () => ['LMOVE', key(), key(), rng.pick(['LEFT', 'RIGHT']), rng.pick(['LEFT', 'RIGHT', 'UP'])],
    () => ['LMPOP', '2', key(), key(), rng.pick(['LEFT', 'RIGHT'])],
    () => ['SADD', key(), any(), any()], () => ['SREM', key(), any()], () => ['SISMEMBER', key(), any()], () => ['SMISMEMBER', key(), any(), any()],
    () => ['SCARD', key()], () => ['SMEMBERS', key()], () => ['SINTERCARD', '2', key(), key()], () => ['SMOVE', key(), key(), any()],
    () => ['HSET', key(), val(), any()], () => ['HGET', key(), val()], () => ['HDEL', key(), val()], () => ['HLEN', key()], () => ['HGETALL', key()],
    () => ['HINCRBY', key(), val(), num()], () => ['HINCRBYFLOAT', key(), val(), num()], () => ['HMGET', key(), val(), val()], () => ['HSTRLEN', key(), val()],
    () => ['HSETNX', key(), val(), val()], () => ['HKEYS', key()], () => ['HEXISTS', key(), val()],
    () => ['ZADD', key(), num(), val()], () => ['ZADD', key(), rng.pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']), num(), val()], () => ['ZSCORE', key(), val()],
    () => ['ZINCRBY', key(), num(), val()], () => ['ZRANGE', key(), num(), num(), ...(rng.int(2) ? ['WITHSCORES'] : [])], () => ['ZRANK', key(), val()],
    () => ['ZREM', key(), val()], () => ['ZCARD', key()], () => ['ZCOUNT', key(), num(), num()], () => ['ZRANGEBYSCORE', key(), rng.pick(['-inf', '(1', '0']), rng.pick(['+inf', '5', '(7'])],
    () => ['ZPOPMIN', key()], () => ['ZMSCORE', key(), val(), val()], () => ['ZMPOP', '1', key(), rng.pick(['MIN', 'MAX'])],
    () => ['SETBIT', key(), num(), rng.pick(['0', '1', '2'])], () => ['GETBIT', key(), num()], () => ['BITCOUNT', key()], () => ['BITPOS', key(), rng.pick(['0', '1'])],
    () => ['BITOP', rng.pick(['AND', 'OR', 'XOR', 'NOT']), key(), key()], () => ['BITFIELD', key(), 'INCRBY', 'u8', num(), num()],
    () => ['PFADD', key(), val(), val()], () => ['PFCOUNT', key()], () => ['PFMERGE', key(), key()],
    () => ['XADD', key(), `${1 + rng.int(50)}-${rng.int(3)}`, 'f', val()], () => ['XRANGE', key(), '-', '+'], () => ['XLEN', key()], () => ['XDEL', key(), '1-0'],
    () => ['XTRIM', key(), 'MAXLEN', num()], () => ['XINFO', 'STREAM', key()], () => ['XGROUP', 'CREATE', key(), 'g', '0'],
    () => ['SORT', key(), ...(rng.int(2) ? ['ALPHA'] : []), ...(rng.int(2) ? ['DESC'] : [])], () => ['SORT_RO', key(), 'BY', 'nosort'],
    () => ['EVAL', "return redis.call('GET', KEYS[1])", '1', key()], () => ['EVAL', "return {1, 'two', {3}, redis.call('TYPE', KEYS[1])}", '1', key()],
    () => ['EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return redis.status_reply('FINE')", '1', key(), val()], () => ['EVAL', "return redis.error_reply('MY err')", '0'],
    () => ['EVAL', 'return 3.99', '0'], () => ['EVAL', 'syntax error here', '0'], () => ['EVAL_RO', "return redis.call('SET', 'a', 'b')", '0'],
    () => ['ECHO', val()], () => ['PING', ...(rng.int(2) ? [val()] : [])], () => ['DBSIZE'], () => ['LCS', key(), key()], () => ['SUBSTR', key(), num(), num()],
    () => ['NOSUCHCMD', val()], () => [rng.pick(['GET', 'SET', 'LPUSH', 'HSET', 'ZADD', 'EVAL', 'OBJECT', 'XADD'])], () => ['OBJECT', 'NOSUCH', key()],
  ];
  return T[rng.int(T.length)]!();
}

describe('differential fidelity: random commands, shm vs socket', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv?.stop(); });

  for (const proto of [2, 3] as const) {
    it(`2,000 seeded commands, RESP${proto}: byte-identical replies`, async () => {
      const h = new Hostile(srv.port, { timeoutMs: 5000 });
      await h.ask('S', line('sock', 'FLUSHALL'));
      if (proto === 3) await h.ask('S', line('sock', 'HELLO', '3'));
      await h.ask('S', line('sock', 'SELECT', '1'));
      await h.open();                                  // the session works on db 1
      await h.ask('S', line('sock', 'SELECT', '0'));   // the socket on db 0
      const rng = new Rng(proto === 2 ? 0xd1ff : 0xd1ff3);
      const diffs: string[] = [];
      const kinds = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        const c = gen(rng);
        const viaSocket = (await h.ask('S', line('sock', ...c))).bytes.toString('latin1');
        const n = h.tagged('R').length + 1;
        h.send(line('cmd', ...c), 'wait');
        const viaShm = (await h.nth('R', n)).bytes.toString('latin1');
        kinds.set(viaSocket[0]!, (kinds.get(viaSocket[0]!) ?? 0) + 1);
        if (viaShm !== viaSocket) diffs.push(`#${i} ${JSON.stringify(c).slice(0, 200)}\n  socket: ${JSON.stringify(viaSocket).slice(0, 300)}\n  shm:    ${JSON.stringify(viaShm).slice(0, 300)}`);
        if (diffs.length >= 10) break;
      }
      // the two dbs went through the same history: same keys, same serialized values
      const dumps = async (db: string): Promise<string[]> => {
        await h.ask('S', line('sock', 'SELECT', db));
        const out: string[] = [];
        for (const k of KEYS) out.push((await h.ask('S', line('sock', 'DUMP', k))).bytes.toString('latin1'));
        return out;
      };
      const db0 = await dumps('0');
      const db1 = await dumps('1');
      await h.end();
      expect(diffs, diffs.join('\n')).toEqual([]);
      expect(db1).toEqual(db0);
      expect(db0.filter((d) => d !== '$-1\r\n').length).toBeGreaterThan(3);   // the history left data behind
      // the table reached every kind of reply, errors included
      console.log(`differential RESP${proto}: 2000 commands, reply kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
      for (const k of ['+', '-', ':', '$', '*']) expect(kinds.get(k) ?? 0).toBeGreaterThan(20);
      assertNoCrash(srv);
    });
  }
});

// The random command generator of the differential suites (test/reliability/differential.test.ts):
// right and wrong types, bad arities, out-of-range numbers, binary values, scripts, over a
// small set of keys so that commands meet each other's data. Commands whose reply depends
// on time, randomness, the connection or the whole keyspace's hash order are left out.
import type { Rng } from './helpers.js';

export const KEYS = ['k1', 'k2', 'k3', 'l1', 's1', 'h1', 'z1', 'x1', 'b1', 'p1'];

export function gen(rng: Rng, keys: readonly string[] = KEYS): string[] {
  const key = (): string => keys[rng.int(keys.length)]!;
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

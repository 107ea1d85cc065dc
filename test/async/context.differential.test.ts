// Differential test of the async context: the same random command stream (ordinary commands
// mixed with routed ones: SELECT, HELLO, CLIENT, MULTI/EXEC/DISCARD, WATCH, BLPOP, errors),
// pipelined in random bursts, over the socket to one server and over shm to another server
// in the same initial state. Every reply must be the same, type included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AsyncContext } from '../../src/async/context.js';
import type { CommandArg } from '../../src/format/argv.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Rng } from '../resp/gen.js';
import { cmd, connected, type TransportCase } from './helpers.js';

/** A reply with its type codes, for exact comparison. */
function typed(r: RedisReply | null): unknown {
  if (r === null) return null;
  if (r.element) return [r.type, r.element.map(typed)];
  return [r.type, r.str ?? r.integer ?? r.dval];
}

function script(seed: number, n: number): CommandArg[][][] {
  const rng = new Rng(seed);
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)]!;
  const key = (p: string): string => `${p}${rng.int(4)}`;
  const plainCmd = (): CommandArg[] => pick<() => CommandArg[]>([
    () => ['SET', key('k'), `v${rng.int(100)}`], () => ['GET', key('k')], () => ['INCR', key('n')], () => ['DEL', key('k')],
    () => ['LPUSH', key('l'), `x${rng.int(10)}`], () => ['RPOP', key('l')], () => ['LRANGE', key('l'), 0, -1],
    () => ['HSET', key('h'), `f${rng.int(3)}`, 'v'], () => ['HGETALL', key('h')], () => ['SADD', key('s'), `m${rng.int(5)}`],
    () => ['SCARD', key('s')], () => ['ZADD', key('z'), rng.int(10), `m${rng.int(5)}`], () => ['ZRANGE', key('z'), 0, -1, 'WITHSCORES'],
    () => ['ZSCORE', key('z'), `m${rng.int(5)}`], () => ['DBSIZE'], () => ['EXISTS', key('k'), key('l')], () => ['TYPE', key('k')],
    () => ['LPUSH', key('k'), 'wrongtype?'], () => ['NOSUCHCOMMAND', 'x'], () => ['GET'], () => ['ECHO', `e${rng.int(9)}`],
    () => ['PUBLISH', 'diff:ch', 'm'],
  ])();
  const bursts: CommandArg[][][] = [];
  let total = 0;
  while (total < n) {
    const burst: CommandArg[][] = [];
    const len = 1 + rng.int(12);
    for (let i = 0; i < len; i++) {
      const roll = rng.next();
      if (roll < 0.62) burst.push(plainCmd());
      else if (roll < 0.70) burst.push(['SELECT', rng.int(4)]);
      else if (roll < 0.74) burst.push(['HELLO', pick([2, 3])]);
      else if (roll < 0.78) burst.push(pick([['CLIENT', 'SETNAME', `c${rng.int(5)}`], ['CLIENT', 'GETNAME']]));
      else if (roll < 0.84) {
        burst.push(['MULTI']);
        for (let j = rng.int(4); j > 0; j--) burst.push(plainCmd());
        burst.push([pick(['EXEC', 'EXEC', 'DISCARD'])]);
      } else if (roll < 0.88) burst.push(pick([['WATCH', key('k')], ['UNWATCH']]));
      else if (roll < 0.93) burst.push(['BLPOP', key('l'), '0.01']);
      else burst.push(['XREAD', 'COUNT', 1, 'STREAMS', key('x'), '0']);
    }
    bursts.push(burst);
    total += burst.length;
  }
  return bursts;
}

async function run(ac: AsyncContext, bursts: CommandArg[][][]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const burst of bursts) {
    const replies = await Promise.all(burst.map((argv) => cmd(ac, ...argv)));
    replies.forEach((r, i) => {
      // HELLO's reply carries the connection id: compare its shape only.
      out.push(String(burst[i]![0]) === 'HELLO' ? r?.type : typed(r));
    });
  }
  return out;
}

describe('async context: shm and socket give the same replies to the same stream', () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => { [a, b] = await Promise.all([startRedis({ module: true }), startRedis({ module: true })]); });
  afterAll(async () => { await Promise.all([a?.stop(), b?.stop()]); });

  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}`, async () => {
      const bursts = script(seed, 400);
      const sock: TransportCase = { name: 'socket', transport: 'socket', module: true, unix: true };
      const shm: TransportCase = { name: 'shm', transport: 'shm', module: true, unix: true };
      const [x, y] = await Promise.all([connected(a, sock), connected(b, shm)]);
      expect(y.transport).toBe('shm');
      const [rx, ry] = await Promise.all([run(x, bursts), run(y, bursts)]);
      expect(ry.length).toBe(rx.length);
      for (let i = 0; i < rx.length; i++) {
        expect([i, ry[i]]).toEqual([i, rx[i]]);
      }
      x.free();
      y.free();
      for (const s of [a, b]) expect(await s.command('FLUSHALL')).toBe('+OK\r\n');
    });
  }
});

// The other direction: a hostile *server side* scribbles the indices the client library
// loads (REP.tail, REQ.head) of a live session. The library (src/transport/shm.ts through
// the addon) must report ERR_SHM_CORRUPT, fail every pending command with a null reply,
// never read past its ring, and the real server must end the session and stay up.
// The segment is reached through /proc/self/map_files (its name is unlinked at open).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisAsyncConnect } from '../../src/async/api.js';
import type { AsyncContext } from '../../src/async/context.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { assertNoCrash, OFF, sleep, until, waitSessions } from './helpers.js';

function connectShm(port: number): Promise<AsyncContext> {
  const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'shm', connectTimeoutMs: 5000 });
  return new Promise((res, rej) => ac.setConnectCallback((c, st) => (st === REDIS_OK ? res(c) : rej(new Error(c.errstr)))));
}

/** Opens this process's one mapped redis-shm segment for writing. */
function openOwnSegment(): number {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('/dev/shm/redis-shm.'));
  expect(maps).toHaveLength(1);
  const range = maps[0]!.split(' ')[0]!;
  return openSync(`/proc/self/map_files/${range}`, 'r+');
}

function poke64(fd: number, off: number, v: bigint): void {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  writeSync(fd, b, 0, 8, off);
}

function command(ac: AsyncContext, ...argv: (string | Buffer)[]): Promise<RedisReply | null> {
  return new Promise((res) => { if (ac.commandArgv((_c, r) => res(r), 0, argv) !== REDIS_OK) res(null); });
}

describe('client side: hostile indices from the server side', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--enable-debug-command', 'yes'] }); });
  afterAll(async () => { await srv?.stop(); });

  // Each case first puts a command in flight that keeps the server's serving thread busy
  // (DEBUG SLEEP 1 runs on it), so the server cannot overwrite the scribbled index with
  // its own before the client loads it. The client's spinner reloads REP.tail at the latest
  // when its 100 ms park times out; REQ.head is reloaded when REQ (1 MiB) fills up.
  const CASES: [string, (fd: number) => void, boolean][] = [
    ['REP.tail far ahead (more than a ring of replies)', (fd) => poke64(fd, OFF.rep + OFF.tail, 1n << 50n), false],
    ['REP.tail backwards', (fd) => poke64(fd, OFF.rep + OFF.tail, 1n), false],
    ['REQ.head past the client\'s tail (seen when REQ fills)', (fd) => poke64(fd, OFF.req + OFF.head, 1n << 40n), true],
    // backwards from what the client last loaded: a 3 MiB warm-up SET made it load REQ.head often
    ['REQ.head backwards (seen when REQ fills)', (fd) => poke64(fd, OFF.req + OFF.head, 1n), true],
  ];

  for (const [name, scribble, fillReq] of CASES) {
    it(`${name}: ERR_SHM_CORRUPT, pending commands get null, server fine`, async () => {
      const ac = await connectShm(srv.port);
      expect(ac.transport).toBe('shm');
      for (let i = 0; i < 3; i++) expect((await command(ac, 'PING'))?.str).toBe('PONG');   // indices move past 0
      expect((await command(ac, 'SET', 'warm', Buffer.alloc(3 << 20, 0x62)))?.str).toBe('OK');
      const pending = [command(ac, 'DEBUG', 'SLEEP', '1')];
      await sleep(30);
      const fd = openOwnSegment();
      try { scribble(fd); } finally { closeSync(fd); }
      if (fillReq) pending.push(command(ac, 'SET', 'big', Buffer.alloc(3 << 20, 0x61)));
      pending.push(command(ac, 'GET', 'after'));
      const t0 = performance.now();
      const replies = await Promise.all(pending);
      expect(replies, JSON.stringify(replies.map((r) => r?.str ?? r?.type ?? null))).toEqual(replies.map(() => null));
      expect(performance.now() - t0).toBeLessThan(900);   // found before the DEBUG SLEEP reply could come
      expect(ac.error?.code).toBe('ERR_SHM_CORRUPT');
      ac.free();
      await waitSessions(srv, 0);
      await until(() => !readFileSync('/proc/self/maps', 'utf8').includes('/dev/shm/redis-shm.'), 3000, 'segment unmapped in this process');
      expect(await srv.command('PING')).toBe('+PONG\r\n');
      assertNoCrash(srv);
    });
  }

  it('REP carries bytes that are not RESP: ERR_PROTOCOL, pending commands get null, server fine', async () => {
    const ac = await connectShm(srv.port);
    for (let i = 0; i < 3; i++) expect((await command(ac, 'PING'))?.str).toBe('PONG');
    const pending = [command(ac, 'DEBUG', 'SLEEP', '1'), command(ac, 'GET', 'after')];
    await sleep(30);
    // act as the server: put garbage where the next reply would go and publish it
    const fd = openOwnSegment();
    try {
      const hdr = Buffer.alloc(512);
      readSync(fd, hdr, 0, 512, 0);
      const reqCap = Number(hdr.readBigUInt64LE(OFF.reqCap));
      const repCap = Number(hdr.readBigUInt64LE(OFF.repCap));
      const tail = hdr.readBigUInt64LE(OFF.rep + OFF.tail);
      const junk = Buffer.from('?this is not RESP\r\n');
      writeSync(fd, junk, 0, junk.length, 4096 + reqCap + Number(tail % BigInt(repCap)));
      poke64(fd, OFF.rep + OFF.tail, tail + BigInt(junk.length));
    } finally { closeSync(fd); }
    const t0 = performance.now();
    const replies = await Promise.all(pending);
    expect(replies).toEqual([null, null]);
    expect(performance.now() - t0).toBeLessThan(900);
    expect(ac.error?.code).toBe('ERR_PROTOCOL');
    ac.free();
    await waitSessions(srv, 0);
    expect(await srv.command('PING')).toBe('+PONG\r\n');
    assertNoCrash(srv);
  });
});

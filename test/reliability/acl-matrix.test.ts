// The ACL matrix: for users with and without +@write, with key patterns (~foo:*, and a
// read-only %R~bar:*), with channel patterns (&chan:*), and an admin, every command of a
// table (reads, writes, keys inside and outside the patterns, PUBLISH to allowed and denied
// channels, admin commands, scripts) gets byte-identical replies over shm and over the
// socket, from the same starting data. Run under RESP2, and RESP3 for some users; on a
// single server and on a master of a real cluster (where the keys of other masters' slots
// meet the ACL: NOPERM comes first, then MOVED / CROSSSLOT, as processCommand orders them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../helpers/redis-server.js';
import { startTestCluster } from '../helpers/cluster.js';
import { slotOf } from '../helpers/slot.js';
import { RawConn } from './raw-conn.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash } from './helpers.js';

const USERS: Record<string, string[]> = {
  admin: ['on', '>pw', '~*', '&*', '+@all'],
  readonly: ['on', '>pw', '~*', '&*', '+@read', '+@connection', '+shm.open', '+shm.sync'],
  writer: ['on', '>pw', '~*', '&*', '+@read', '+@write', '+@connection', '+@pubsub', '+@scripting', '+shm.open', '+shm.sync'],
  keys: ['on', '>pw', '~foo:*', '&*', '+@all', '-@dangerous', '+shm.open', '+shm.sync'],
  chans: ['on', '>pw', '~*', 'resetchannels', '&chan:*', '+@all', '-@dangerous'],
  mixed: ['on', '>pw', '~foo:*', '%R~bar:*', 'resetchannels', '&chan:*', '+@read', '+@write', '+publish', '+spublish', '+@connection', '+eval', '+shm.open', '+shm.sync'],
  nothing: ['on', '>pw', 'resetkeys', 'resetchannels', '-@all', '+auth', '+hello', '+shm.open', '+shm.sync'],
  noshm: ['on', '>pw', '~*', '&*', '+@all', '-shm.open'],   // may do everything, but not open a session
};

const TABLE: string[][] = [
  ['GET', 'foo:1'], ['GET', 'bar:1'], ['GET', 'other'],
  ['SET', 'foo:1', 'v'], ['SET', 'bar:1', 'v'], ['SET', 'other', 'v'],
  ['INCR', 'foo:n'], ['DEL', 'foo:1'], ['DEL', 'other'], ['EXISTS', 'foo:1', 'other'],
  ['MSET', 'foo:a', '1', 'foo:b', '2'], ['MSET', 'foo:a', '1', 'other', '2'], ['MGET', 'foo:1', 'bar:1'], ['MGET', 'foo:1', 'other'],
  ['COPY', 'bar:1', 'foo:copy'], ['COPY', 'foo:1', 'bar:copy'], ['RENAME', 'foo:1', 'other2'],
  ['LPUSH', 'foo:l', 'a', 'b'], ['LRANGE', 'foo:l', '0', '-1'], ['SORT', 'foo:l', 'BY', 'nosort', 'GET', 'other'],
  ['HSET', 'foo:h', 'f', 'v'], ['OBJECT', 'ENCODING', 'foo:1'], ['TYPE', 'bar:1'],
  ['PUBLISH', 'chan:a', 'm'], ['PUBLISH', 'news', 'm'], ['SPUBLISH', 'chan:x', 'm'], ['SPUBLISH', 'other', 'm'],
  ['KEYS', 'foo:*'], ['SCAN', '0', 'MATCH', 'foo:*'], ['DBSIZE'],
  ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory-samples', '5'], ['FLUSHDB'], ['ACL', 'WHOAMI'], ['ACL', 'USERS'],
  ['DEBUG', 'OBJECT', 'foo:1'], ['SLOWLOG', 'LEN'], ['LATENCY', 'LATEST'], ['MEMORY', 'USAGE', 'foo:1'],
  ['EVAL', "return redis.call('GET', KEYS[1])", '1', 'foo:1'], ['EVAL', "return redis.call('GET', KEYS[1])", '1', 'other'],
  ['EVAL', "return redis.call('SET', 'other', 'x')", '0'], ['EVAL', "return redis.call('PUBLISH', 'news', 'x')", '0'],
  ['FCALL', 'nosuch', '0'], ['NOSUCHCOMMAND', 'x'], ['GET'], ['SET', 'foo:1'],
];

// Start every command from the same data, so that a write on one side does not change
// what the other side sees.
const SEED: string[][] = [['FLUSHALL'], ['SET', 'foo:1', 'one'], ['SET', 'bar:1', 'bar'], ['SET', 'other', 'o'], ['RPUSH', 'foo:l', 'x']];

/** The server under test: its port, a crash check, and how to stop it. */
interface Target { port: number; healthy(): void | Promise<void>; stop(): Promise<void> }

const TARGETS: [string, () => Promise<Target>][] = [
  ['a server', async () => {
    const srv = await startRedis();
    return { port: srv.port, healthy: () => assertNoCrash(srv), stop: () => srv.stop() };
  }],
  ['a cluster master', async () => {
    const c = await startTestCluster({ replicas: 0 });
    const port = await c.ownerOf(slotOf('foo:1'));   // foo:1 is local, some other keys are not
    return {
      port,
      healthy: async () => { expect(await c.command(port, 'PING')).toEqual(['PONG']); },
      stop: () => c.stop(),
    };
  }],
];

for (const [where, start] of TARGETS) describe(`ACL matrix on ${where}: shm replies are byte-identical to socket replies`, () => {
  let srv: Target;
  let admin: RawConn;
  let compared = 0;
  let denied = 0;
  let redirected = 0;

  beforeAll(async () => {
    srv = await start();
    admin = await RawConn.open(srv.port);
    for (const [u, rules] of Object.entries(USERS)) expect(await admin.call('ACL', 'SETUSER', u, 'reset', ...rules)).toBe('+OK\r\n');
  }, 60000);
  afterAll(async () => { admin?.close(); await srv?.stop(); });

  const runs: [string, 2 | 3][] = [...Object.keys(USERS).map((u) => [u, 2] as [string, 2]), ['admin', 3], ['mixed', 3], ['readonly', 3]];
  for (const [user, proto] of runs) {
    it(`${user} (RESP${proto})`, async () => {
      const h = new Hostile(srv.port, { timeoutMs: 5000 });
      const auth = await h.ask('S', line('sock', 'AUTH', user, 'pw'));
      expect(auth.bytes.toString()).toBe('+OK\r\n');
      if (proto === 3) expect((await h.ask('S', line('sock', 'HELLO', '3'))).bytes[0]).toBe('%'.charCodeAt(0));
      await admin.pipeline(SEED);   // (SHM.OPEN itself needs the +shm.open the user may lack)
      const o = await h.ask('O', 'open');
      if (user === 'noshm' || !o.bytes.toString().startsWith(proto === 3 ? '%5' : '*10')) {
        // a user without +shm.open is refused like any other command, identically each time
        expect(o.bytes.toString()).toBe("-NOPERM this user has no permissions to run the 'shm.open' command\r\n");
        await h.end();
        return;
      }
      const diffs: string[] = [];
      for (const c of TABLE) {
        await admin.pipeline(SEED);
        const viaSocket = (await h.ask('S', line('sock', ...c))).bytes.toString('latin1');
        await admin.pipeline(SEED);
        const n = h.tagged('R').length + 1;
        h.send(line('cmd', ...c), 'wait');
        const viaShm = (await h.nth('R', n)).bytes.toString('latin1');
        compared++;
        if (viaSocket.startsWith('-NOPERM')) denied++;
        if (/^-(MOVED|CROSSSLOT) /.test(viaSocket)) redirected++;
        if (viaShm !== viaSocket) diffs.push(`${c.join(' ')}\n  socket: ${JSON.stringify(viaSocket)}\n  shm:    ${JSON.stringify(viaShm)}`);
      }
      await h.end();
      expect(diffs, diffs.join('\n')).toEqual([]);
      await srv.healthy();
    });
  }

  it('counts: the matrix really compared allowed and denied commands', () => {
    console.log(`acl-matrix on ${where}: ${compared} commands compared over shm and socket, ${denied} of them denials, ${redirected} MOVED/CROSSSLOT, all byte-identical`);
    expect(compared).toBeGreaterThan(300);
    expect(denied).toBeGreaterThan(50);
    if (where.includes('cluster')) expect(redirected).toBeGreaterThan(50);
  });

  // ACL LOG is part of ACL behaviour: a denial over shm must be logged for the same user,
  // reason and object as over the socket. (The context field says "module" for entries a
  // module adds; that much Redis 7.0 does not let a module change.)
  const DENIALS: [string, string[], string][] = [
    ['keys', ['GET', 'other'], 'key'],
    ['chans', ['PUBLISH', 'news', 'm'], 'channel'],
    ['readonly', ['SET', 'foo:1', 'x'], 'command'],
  ];
  for (const [user, c, reason] of DENIALS) {
    it(`ACL LOG names user "${user}" for a ${reason} denial over shm, as over the socket`, async () => {
      const h = new Hostile(srv.port, { timeoutMs: 5000 });
      await h.ask('S', line('sock', 'AUTH', user, 'pw'));
      await h.open();
      const entry = async (): Promise<Record<string, string>> => {
        const log = await admin.call('ACL', 'LOG', '1');
        const parts = log.split('\r\n');
        const o: Record<string, string> = {};
        for (const k of ['reason', 'object', 'username', 'context']) {
          const i = parts.indexOf(k);
          o[k] = i >= 0 ? (parts[i + 2] ?? parts[i + 1] ?? '') : '';
        }
        return o;
      };
      expect(await admin.call('ACL', 'LOG', 'RESET')).toBe('+OK\r\n');
      await h.ask('S', line('sock', ...c));
      const viaSocket = await entry();
      expect(await admin.call('ACL', 'LOG', 'RESET')).toBe('+OK\r\n');
      h.send(line('cmd', ...c), 'wait');
      await h.ask('W');
      const viaShm = await entry();
      await h.end();
      expect(viaSocket).toMatchObject({ reason, username: user });
      expect({ reason: viaShm.reason, object: viaShm.object, username: viaShm.username })
        .toEqual({ reason: viaSocket.reason, object: viaSocket.object, username: viaSocket.username });
    });
  }
});

// Administrative and debugging commands sent over the ring, where they run on a serving
// thread through RM_Call rather than from a socket client: persistence (SAVE, BGSAVE,
// BGREWRITEAOF, DEBUG RELOAD, appendonly on/off), replication role changes, SWAPDB, FLUSHALL
// ASYNC, functions and scripts, memory and latency tools, DEBUG subcommands, OOM. The
// server must survive each, and where the reply is deterministic it must equal the socket's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { RawConn } from './raw-conn.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, until } from './helpers.js';

const LIB = "#!lua name=rel\nredis.register_function('relf', function(keys, args) return #keys end)";

// [command, compare with the socket's reply?] (DEBUG PROTOCOL push is left out: it answers
// with two replies, a push and a string, which this request/reply driver cannot pair up)
const CASES: [string[], boolean][] = [
  [['SAVE'], true], [['BGSAVE'], false], [['BGREWRITEAOF'], false], [['DEBUG', 'RELOAD'], true],
  [['CONFIG', 'SET', 'appendonly', 'yes'], true], [['CONFIG', 'SET', 'appendonly', 'no'], true],
  [['SWAPDB', '0', '1'], true], [['FLUSHALL', 'ASYNC'], true], [['FLUSHDB', 'SYNC'], true],
  [['FUNCTION', 'LOAD', 'REPLACE', LIB], true], [['FCALL', 'relf', '2', 'a', 'b'], true], [['FUNCTION', 'DUMP'], true],
  [['FUNCTION', 'FLUSH'], true], [['SCRIPT', 'LOAD', 'return 1'], true], [['SCRIPT', 'FLUSH'], true],
  [['MEMORY', 'PURGE'], true], [['MEMORY', 'MALLOC-STATS'], false], [['LATENCY', 'RESET'], true], [['SLOWLOG', 'RESET'], true],
  [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], true], [['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], true], [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'], true],
  [['DEBUG', 'STRINGMATCH-LEN'], true], [['DEBUG', 'CHANGE-REPL-ID'], true], [['DEBUG', 'SLEEP', '0'], true],
  [['DEBUG', 'PROTOCOL', 'attrib'], true], [['DEBUG', 'PROTOCOL', 'bignum'], true], [['DEBUG', 'PROTOCOL', 'verbatim'], true],
[['DEBUG', 'PROTOCOL', 'map'], true], [['DEBUG', 'PROTOCOL', 'double'], true],
  [['DEBUG', 'OBJECT', 'nokey'], true], [['DEBUG', 'LISTPACK', 'nokey'], true], [['DEBUG', 'DIGEST'], true],
  // the socket's call changes what the ring's call finds: no comparison for these
  [['REPLICAOF', '127.0.0.1', '1'], false], [['REPLICAOF', 'NO', 'ONE'], true], [['FAILOVER'], true],
  [['ACL', 'SETUSER', 'tmpuser', 'on', '>x', '+@all'], true], [['ACL', 'DELUSER', 'tmpuser'], false],
  [['CONFIG', 'SET', 'maxmemory', '1'], true], [['SET', 'oom', 'x'], true], [['CONFIG', 'SET', 'maxmemory', '0'], true],
  [['CONFIG', 'SET', 'shm.max-sessions', '5'], true], [['CONFIG', 'GET', 'shm.*'], true], [['CONFIG', 'RESETSTAT'], true],
  [['OBJECT', 'HELP'], true], [['COMMAND', 'COUNT'], true], [['LASTSAVE'], false], [['ROLE'], true], [['INFO', 'keyspace'], true],
];

describe('admin and debug commands over the ring', () => {
  let srv: RedisServer;
  let admin: RawConn;
  beforeAll(async () => {
    srv = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    admin = await RawConn.open(srv.port);
  });
  afterAll(async () => { admin?.close(); await srv?.stop(); });

  async function quiet(): Promise<void> {
    // no background save or rewrite in flight, so that both sides find the same state
    await until(async () => /rdb_bgsave_in_progress:0[\s\S]*aof_rewrite_in_progress:0/.test(await admin.call('INFO', 'persistence')), 10000, 'no background job');
  }

  for (const proto of [2, 3] as const) {
    it(`${CASES.length} commands, RESP${proto}: the server survives each, deterministic replies equal the socket's`, async () => {
      const h = new Hostile(srv.port, { timeoutMs: 10000 });
      if (proto === 3) await h.ask('S', line('sock', 'HELLO', '3'));
      await h.open();
      const diffs: string[] = [];
      for (const [c, compare] of CASES) {
        await quiet();
        const viaSocket = (await h.ask('S', line('sock', ...c))).bytes.toString('latin1');
        await quiet();
        const n = h.tagged('R').length + 1;
        h.send(line('cmd', ...c), 'wait');
        expect((await h.ask('W')).text, c.join(' ')).toBe('ok');
        const viaShm = (await h.nth('R', n)).bytes.toString('latin1');
        if (compare && viaShm !== viaSocket) diffs.push(`${c.join(' ').slice(0, 60)}\n  socket: ${JSON.stringify(viaSocket.slice(0, 300))}\n  shm:    ${JSON.stringify(viaShm.slice(0, 300))}`);
        expect(await admin.call('PING'), `after ${c.join(' ')}`).toBe('+PONG\r\n');
        assertNoCrash(srv);
      }
      await h.end();
      expect(diffs, diffs.join('\n')).toEqual([]);
    });
  }
});

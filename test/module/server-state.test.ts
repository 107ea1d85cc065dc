// Differential server-state suite: the same script runs over a socket and over an shm
// session, each against a fresh server with the same settings; afterwards the servers must
// be in the same state: the keys and, per key, type, OBJECT ENCODING and MEMORY USAGE;
// DBSIZE; INFO stats, commandstats, errorstats and keyspace; SLOWLOG; the AOF; keyspace
// notifications and client-side-caching invalidations in order; and, per maxmemory policy,
// the same writes succeed and keys are evicted.
import { describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, resp, replyLength, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';

type Cmd = string[];
type Mode = 'socket' | 'shm';
type Value = string | number | null | Value[] | Error;

/** A raw connection that pipelines commands and splits the reply stream. */
class Conn {
  private buf = Buffer.alloc(0);
  readonly replies: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly s: Socket) {
    s.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      let n: number;
      while (this.buf.length && (n = replyLength(this.buf)) > 0) {
        this.replies.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res(new Conn(s)));
      s.on('error', rej);
    });
  }
  /** Resolves once `count` replies in all arrived. */
  async until(count: number, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count) {
      if (Date.now() > deadline) throw new Error(`timeout: ${this.replies.length}/${count} replies`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }
  async send(cmds: Cmd[]): Promise<Buffer[]> {
    const from = this.replies.length;
    this.s.write(cmds.map((c) => resp(...c)).join(''), 'latin1');
    await this.until(from + cmds.length);
    return this.replies.slice(from, from + cmds.length);
  }
  close(): void { this.s.destroy(); }
}

/** A RESP2 reply as a JS value (enough for SLOWLOG and INFO). */
function parse(b: Buffer): Value {
  let at = 0;
  const one = (): Value => {
    const nl = b.indexOf('\r\n', at, 'latin1');
    const t = String.fromCharCode(b[at]!);
    const head = b.toString('latin1', at + 1, nl);
    at = nl + 2;
    if (t === '+') return head;
    if (t === '-') return new Error(head);
    if (t === ':') return Number(head);
    if (t === '$') {
      const n = Number(head);
      if (n < 0) return null;
      const v = b.toString('latin1', at, at + n);
      at += n + 2;
      return v;
    }
    const n = Number(head);
    if (n < 0) return null;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(one());
    return out;
  };
  return one();
}

/** Runs the script over the socket or over an shm session; returns each command's reply bytes. */
async function runOver(mode: Mode, srv: RedisServer, script: Cmd[]): Promise<Buffer[]> {
  if (mode === 'socket') {
    const c = await Conn.open(srv.port);
    const r = await c.send(script);
    c.close();
    return r;
  }
  const { cli, code } = await runCli(srv, ['open', ...script.map((a) => line('cmd', ...a)), 'wait'], { timeoutMs: 30000 });
  expect(code, cli.stderr).toBe(0);
  return cli.tagged('R').map((o) => o.bytes);
}

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0 && !l.startsWith('#')) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

const STAT_FIELDS = ['keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'total_error_replies',
  'unexpected_error_replies', 'total_commands_processed'];

/** The server's state, read over a fresh socket after the script (the same reads on both). */
async function snapshot(srv: RedisServer): Promise<Record<string, unknown>> {
  const c = await Conn.open(srv.port);
  const [slowRaw] = await c.send([['SLOWLOG', 'GET', '1000000']]);
  const [infoRaw] = await c.send([['INFO', 'everything']]);
  const info = infoFields(parse(infoRaw!) as string);
  const shmOpens = Number(/calls=(\d+)/.exec(info.get('cmdstat_shm.open') ?? '')?.[1] ?? 0);
  const stats: Record<string, string> = {};
  for (const f of STAT_FIELDS) stats[f] = info.get(f) ?? '';
  // SHM.OPEN is the one command only the shm run sends
  stats.total_commands_processed = String(Number(stats.total_commands_processed) - shmOpens);
  for (const [k, v] of info) {
    if (k.startsWith('cmdstat_') && !k.startsWith('cmdstat_shm.')) {
      stats[k] = v.split(',').filter((p) => /^(calls|rejected_calls|failed_calls)=/.test(p)).join(',');
    }
    if (k.startsWith('errorstat_') || /^db\d+$/.test(k)) stats[k] = k.startsWith('db') ? v.replace(/,avg_ttl=\d+/, '') : v;
  }
  const slowlog = (parse(slowRaw!) as Value[]).reverse().map((e) => ((e as Value[])[3] as string[]).join(' '))
    .filter((a) => !/^shm\.open /i.test(a));
  const keys = ((parse((await c.send([['KEYS', '*']]))[0]!) as string[])).sort();
  const perKey = await c.send(keys.flatMap((k) => [['TYPE', k], ['OBJECT', 'ENCODING', k], ['MEMORY', 'USAGE', k, 'SAMPLES', '0']]));
  const objects: Record<string, string> = {};
  keys.forEach((k, i) => {
    const [type, enc, mem] = perKey.slice(3 * i, 3 * i + 3).map((b) => String(parse(b)));
    // a skiplist node's size depends on its random level: two socket runs differ too
    objects[k] = `${type} ${enc} ${enc === 'skiplist' ? '-' : mem}`;
  });
  const [dbsize, latency] = await c.send([['DBSIZE'], ['LATENCY', 'LATEST']]);
  c.close();
  const latencyEvents = (parse(latency!) as Value[][]).map((e) => e[0] as string).sort();
  return { stats, slowlog, objects, dbsize: parse(dbsize!), latencyEvents };
}

/** The AOF's incremental file, with absolute expiry times (PXAT, PEXPIREAT: 13-digit ms) masked. */
function aofText(srv: RedisServer): string {
  const dir = join(srv.dir, 'appendonlydir');
  const incr = readdirSync(dir).filter((f) => f.endsWith('.incr.aof')).sort();
  return incr.map((f) => readFileSync(join(dir, f), 'latin1')).join('')
    .replace(/\$13\r\n\d{13}\r\n/g, '$13\r\n<t>\r\n');
}

const big = (n: number, c = 'x'): string => c.repeat(n);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every type and encoding, reads that hit and miss, errors, expiry, and pipelined writes. */
const TYPES_SCRIPT: Cmd[] = [
  ['SET', 's:int', '1'], ['SET', 's:int2', '12345678901'], ['SET', 's:neg', '-5'], ['SET', 's:emb', 'hello'],
  ['SET', 's:raw', big(60)], ['SET', 's:big', big(100_000, 'b')], ['SET', 's:ex', '99', 'EX', '100000'],
  ['MSET', 'm:1', '42', 'm:2', 'abc'], ['GETSET', 's:emb', '7'], ['APPEND', 's:app', 'foo'], ['APPEND', 's:app', 'bar'],
  ['INCR', 'c'], ['INCRBY', 'c', '10'], ['INCRBYFLOAT', 'f', '1.5'], ['SETRANGE', 'r', '5', 'xyz'], ['SETBIT', 'b', '100', '1'],
  ['SETNX', 's:int', '2'], ['SET', 's:2k', big(2000, 'k')],
  ['RPUSH', 'l:small', 'a', 'b', 'c', '1', '2'], ['RPUSH', 'l:big', ...range(300).map((i) => `item-${i}`)],
  ['LPUSH', 'l:int', '1', '2', '3'], ['RPUSH', 'l:long', big(10_000, 'l')],
  ['HSET', 'h:small', 'f1', 'v1', 'f2', '2'], ['HSET', 'h:big', ...range(200).flatMap((i) => [`f${i}`, `v${i}`])],
  ['HSET', 'h:wide', 'f', big(100, 'w')], ['HINCRBY', 'h:small', 'n', '5'],
  ['SADD', 'set:int', '1', '2', '3'], ['SADD', 'set:str', 'a', 'b', 'c'], ['SADD', 'set:big', ...range(600).map(String)],
  ['ZADD', 'z:small', '1', 'a', '2', 'b'], ['ZADD', 'z:big', ...range(200).flatMap((i) => [String(i), `m${i}`])],
  ['XADD', 'st', '1-1', 'f', 'v'], ['XADD', 'st', '2-1', 'g', 'w'], ['PFADD', 'hll', 'a', 'b', 'c'],
  ['GEOADD', 'geo', '13.361389', '38.115556', 'palermo'],
  ['GET', 's:int'], ['GET', 'missing'], ['HGET', 'h:small', 'f1'], ['HGET', 'nohash', 'f'], ['LRANGE', 'l:small', '0', '-1'],
  ['ZRANGE', 'z:small', '0', '-1'], ['EXISTS', 's:emb', 'missing'], ['STRLEN', 's:big'], ['SMEMBERS', 'set:int'],
  ['INCR', 's:raw'], ['LPUSH', 's:int', 'x'], ['GET', 'l:small'], ['GET'], ['CONFIG'], ['NOSUCHCMD', 'x'],
  ['DEL', 'm:2'], ['EXPIRE', 'l:small', '100000'], ['PERSIST', 'l:small'], ['RENAME', 's:neg', 's:neg2'],
  ['COPY', 's:int2', 's:copy'], ['GETDEL', 's:copy'], ['UNLINK', 'r'], ['DEBUG', 'SLEEP', '0.02'],
];

/** Setup on other connections: a subscriber for keyspace events and invalidations, and a
 * tracker (default mode: invalidations are sent when a key it read changes, in line with
 * the keyspace events; BCAST would batch them per event-loop iteration instead). */
async function watchEvents(srv: RedisServer, keys: string[]): Promise<{ sub: Conn; tracker: Conn }> {
  const sub = await Conn.open(srv.port);
  const [id] = await sub.send([['CLIENT', 'ID']]);
  await sub.send([['SUBSCRIBE', '__redis__:invalidate', 'zz-done'], ['PSUBSCRIBE', '__key*__:*']]);
  await sub.until(4);   // the CLIENT ID reply, then three subscribe confirmations
  const tracker = await Conn.open(srv.port);
  await tracker.send([['CLIENT', 'TRACKING', 'on', 'REDIRECT', String(parse(id!))], ['EXISTS', ...keys]]);
  return { sub, tracker };
}

async function stateAfter(mode: Mode, script: Cmd[]): Promise<{ replies: string[]; state: Record<string, unknown>; events: string[]; aof: string }> {
  const srv = await startRedis({
    args: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000', '--notify-keyspace-events', 'KEA',
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--latency-monitor-threshold', '5', '--enable-debug-command', 'yes'],
  });
  try {
    const keys = [...new Set(script.flatMap((c) => (c.length > 1 ? [c[1]!] : []))), 'm:2', 's:neg2', 's:copy'];
    const { sub, tracker } = await watchEvents(srv, keys);
    const replies = (await runOver(mode, srv, script)).map((b) => b.toString('latin1'));
    // the marker is published after every reply arrived: whatever the script caused is before it
    const before = sub.replies.length;
    const c = await Conn.open(srv.port);
    await c.send([['PUBLISH', 'zz-done', 'x']]);
    c.close();
    for (let n = before + 1; !sub.replies.slice(before).some((r) => r.includes('zz-done')); n++) await sub.until(n);
    const events = sub.replies.slice(4).map((r) => r.toString('latin1'));
    sub.close();
    tracker.close();
    const state = await snapshot(srv);
    return { replies, state, events, aof: aofText(srv) };   // a socket round trip above: the AOF was written
  } finally {
    await srv.stop();
  }
}

describe('server state after a script: socket vs shm', () => {
  it('every type: replies, keys, encodings, MEMORY USAGE, INFO, SLOWLOG, AOF, events', async () => {
    const sock = await stateAfter('socket', TYPES_SCRIPT);
    const shm = await stateAfter('shm', TYPES_SCRIPT);
    expect(shm.replies).toEqual(sock.replies);
    expect(shm.state.objects).toEqual(sock.state.objects);
    expect((sock.state.objects as Record<string, string>)['s:int']).toMatch(/^string int /);
    expect(shm.state.dbsize).toEqual(sock.state.dbsize);
    expect(shm.state.stats).toEqual(sock.state.stats);
    expect(shm.state.slowlog).toEqual(sock.state.slowlog);
    // DEBUG SLEEP 0.02 passes the 5 ms threshold: LATENCY records the 'command' event on both
    // (other events, like aof-write, depend on the host's load at that moment)
    expect(sock.state.latencyEvents).toContain('command');
    expect(shm.state.latencyEvents).toContain('command');
    expect(shm.events).toEqual(sock.events);
    expect(sock.events.some((e) => e.includes('__redis__:invalidate'))).toBe(true);
    expect(shm.aof).toEqual(sock.aof);
    expect(sock.aof).toContain('SET');
  }, 60000);
});

/** A cache's write load: 1 KB values, every other one with a TTL (for the volatile policies). */
const FILL: Cmd[] = range(6000).map((i) => (i % 2 ? ['SET', `key:${i}`, big(1000, 'v'), 'EX', '100000'] : ['SET', `key:${i}`, big(1000, 'v')]));

async function fillOver(mode: Mode, policy: string): Promise<{ ok: number; errors: string[]; evicted: number; dbsize: number; setStats: number[] }> {
  const srv = await startRedis({ args: ['--maxmemory', '3mb', '--maxmemory-policy', policy] });
  try {
    const replies = (await runOver(mode, srv, FILL)).map((b) => b.toString('latin1'));
    const info = infoFields(await srv.command('INFO', 'everything'));
    const dbsize = Number((await srv.command('DBSIZE')).slice(1));
    const set = /calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/.exec(info.get('cmdstat_set') ?? '')!;
    return {
      ok: replies.filter((r) => r === '+OK\r\n').length,
      errors: [...new Set(replies.filter((r) => r !== '+OK\r\n'))].sort(),
      evicted: Number(info.get('evicted_keys')),
      dbsize,
      // commandstats: SETs run, rejected (OOM), failed; and the OOM errors counted
      setStats: [Number(set[1]), Number(set[2]), Number(set[3]), Number(/count=(\d+)/.exec(info.get('errorstat_OOM') ?? 'count=0')![1])],
    };
  } finally {
    await srv.stop();
  }
}

// Eviction samples keys at random, and the two runs' buffers differ a little (an shm
// session's private request buffer counts in used_memory like a socket's query buffer),
// so counts are compared within a tolerance; the kind of outcome must be the same.
const near = (a: number, b: number): boolean => Math.abs(a - b) <= 40 + 0.06 * Math.max(a, b);

describe('maxmemory: the same writes succeed and keys are evicted', () => {
  const POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu',
    'volatile-random', 'volatile-ttl'];
  for (const policy of POLICIES) {
    it(policy, async () => {
      const sock = await fillOver('socket', policy);
      const shm = await fillOver('shm', policy);
      expect(shm.errors).toEqual(sock.errors);
      if (policy === 'noeviction') expect(sock.errors).toEqual(["-OOM command not allowed when used memory > 'maxmemory'.\r\n"]);
      else expect(sock.evicted).toBeGreaterThan(1000);
      expect((shm.evicted > 0)).toBe(sock.evicted > 0);
      expect(near(shm.ok, sock.ok), `ok: shm ${shm.ok} socket ${sock.ok}`).toBe(true);
      expect(near(shm.evicted, sock.evicted), `evicted: shm ${shm.evicted} socket ${sock.evicted}`).toBe(true);
      expect(near(shm.dbsize, sock.dbsize), `dbsize: shm ${shm.dbsize} socket ${sock.dbsize}`).toBe(true);
      // every SET is counted once, as run or as rejected, and each rejection as an OOM error
      for (const st of [sock.setStats, shm.setStats]) {
        expect(st[0]! + st[1]!).toBe(FILL.length);
        expect(st[3]).toBe(st[1]);
      }
      expect(near(shm.setStats[1]!, sock.setStats[1]!), `rejected: shm ${shm.setStats[1]} socket ${sock.setStats[1]}`).toBe(true);
    }, 60000);
  }
});

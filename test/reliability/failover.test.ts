// Replication and failover under shm traffic: a replica receives the writes made over shm;
// then, while an shm client keeps writing, CLIENT PAUSE WRITE on the master, promote the
// replica (REPLICAOF NO ONE), demote the old master (REPLICAOF new-master), unpause.
// Nothing may crash (7.0 asserts on a propagated write from a thread during a pause), and
// every write the client saw acknowledged must be on the new master.
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisAsyncConnect } from '../../src/async/api.js';
import type { AsyncContext } from '../../src/async/context.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { RawConn } from './raw-conn.js';
import { assertNoCrash, sleep, until } from './helpers.js';

function connectShm(port: number): Promise<AsyncContext> {
  const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'shm', connectTimeoutMs: 5000 });
  return new Promise((res, rej) => ac.setConnectCallback((c, st) => (st === REDIS_OK ? res(c) : rej(new Error(c.errstr)))));
}

async function replInfo(c: RawConn): Promise<string> { return c.call('INFO', 'replication'); }
function field(info: string, name: string): string { return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim() ?? ''; }

interface Writer { acked: number[]; refused: string[]; failed: number; issued: number; stop(): Promise<void> }

/** Keeps `depth` RPUSHes in flight on `list` until stopped. */
function writer(ac: AsyncContext, list: string, depth: number): Writer {
  let stopping = false;
  let outstanding = 0;
  let settle: (() => void) | undefined;
  const w: Writer = {
    acked: [], refused: [], failed: 0, issued: 0,
    stop: () => { stopping = true; return outstanding === 0 ? Promise.resolve() : new Promise<void>((r) => { settle = r; }); },
  };
  const issue = (): void => {
    while (!stopping && outstanding < depth) {
      const i = w.issued++;
      outstanding++;
      ac.commandArgv((_c, r) => {
        outstanding--;
        if (r === null) w.failed++;
        else if (r.type === 3) w.acked.push(i);
        else w.refused.push(r.str ?? `type ${r.type}`);
        if (stopping && outstanding === 0) settle?.();
        else if (!stopping) setImmediate(issue);
      }, 0, ['RPUSH', list, String(i)]);
    }
  };
  issue();
  return w;
}

/** Which of the `acked` indices the list `list` on the server behind `c` lacks. */
async function missing(c: RawConn, list: string, acked: number[]): Promise<number[]> {
  const items = await c.call('LRANGE', list, '0', '-1');
  const present = new Set(items.split('\r\n').filter((_l, i) => i > 0 && i % 2 === 0).map(Number));
  return acked.filter((i) => !present.has(i));
}

describe('replica and failover under shm traffic', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => { for (const s of servers) await s.stop(); });

  /** A master `a` and its replica `b` (diskless sync, no delay), a raw connection to each, the link up. */
  async function startPair(): Promise<{ a: RedisServer; b: RedisServer; ca: RawConn; cb: RawConn }> {
    const a = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    servers.push(a);
    const b = await startRedis({ args: ['--repl-diskless-sync-delay', '0', '--replicaof', '127.0.0.1', String(a.port)] });
    servers.push(b);
    const ca = await RawConn.open(a.port);
    const cb = await RawConn.open(b.port);
    await until(async () => field(await replInfo(cb), 'master_link_status') === 'up', 10000, 'replica link up');
    return { a, b, ca, cb };
  }

  it('the replica gets shm writes; a paused failover loses no acknowledged write and crashes nothing', async () => {
    const { a, b, ca, cb } = await startPair();

    // 1. shm writes reach the replica
    const ac = await connectShm(a.port);
    expect(ac.transport).toBe('shm');
    const w1 = writer(ac, 'before', 16);
    // enough acknowledged writes to mean something, however slow the host is right now
    await until(async () => w1.acked.length >= 100, 10000, '100 acknowledged shm writes');
    await w1.stop();
    expect(w1.failed + w1.refused.length).toBe(0);
    await until(async () => (await cb.call('LLEN', 'before')) === `:${w1.acked.length}\r\n`, 5000, 'replica has every shm write');

    // a session opened on the replica before the switch: read-only now, a master after
    const onB = await connectShm(b.port);
    const cmdB = (...argv: string[]): Promise<string | null> => new Promise((res) => onB.commandArgv((_c, r) => res(r ? (r.str ?? String(r.integer)) : null), 0, argv));
    expect(await cmdB('SET', 'on-b', 'early')).toBe("READONLY You can't write against a read only replica.");

    // 2. failover while the shm client keeps writing
    const w2 = writer(ac, 'during', 16);
    await sleep(100);
    expect(await ca.call('CLIENT', 'PAUSE', '10000', 'WRITE')).toBe('+OK\r\n');
    await until(async () => field(await replInfo(ca), 'master_repl_offset') === field(await replInfo(cb), 'master_repl_offset'), 5000, 'replica caught up');
    expect(await cb.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await ca.call('REPLICAOF', '127.0.0.1', String(b.port))).toBe('+OK\r\n');
    expect(await ca.call('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    await sleep(300);   // held writes now meet a replica
    await w2.stop();
    ac.free();

    // every acknowledged write is on the new master; the rest were refused as on a socket
    const lost = await missing(cb, 'during', w2.acked);
    console.log(`failover: acknowledged=${w2.acked.length} lost=${lost.length} refused=${w2.refused.length} failed=${w2.failed}`);
    expect(w2.acked.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    for (const r of w2.refused) expect(r).toBe("READONLY You can't write against a read only replica.");
    expect(w2.refused.length).toBeGreaterThan(0);   // the writer did run into the demoted master

    // the session opened on the replica writes once it is the master
    expect(await cmdB('SET', 'on-b', 'late')).toBe('OK');
    onB.free();

    // the old master follows the new one, and both still serve shm sessions
    await until(async () => field(await replInfo(ca), 'master_link_status') === 'up', 10000, 'old master now a replica');
    const nb = await connectShm(b.port);
    await new Promise<void>((res) => nb.commandArgv(() => res(), 0, ['SET', 'after', 'failover']));
    await until(async () => (await ca.call('GET', 'after')) === '$8\r\nfailover\r\n', 5000, 'write after failover replicated');
    nb.free();
    ca.close();
    cb.close();
    assertNoCrash(a);
    assertNoCrash(b);
  });

  it('FAILOVER (the 7.0 command) during shm traffic: no crash, no acknowledged write lost', async () => {
    const { a, b, ca, cb } = await startPair();
    const ac = await connectShm(a.port);
    const w = writer(ac, 'fo', 16);
    await sleep(100);
    expect(await ca.call('FAILOVER', 'TIMEOUT', '5000')).toBe('+OK\r\n');
    await until(async () => field(await replInfo(cb), 'role') === 'master', 10000, 'replica promoted');
    await sleep(300);
    await w.stop();
    ac.free();
    const lost = await missing(cb, 'fo', w.acked);
    expect(w.acked.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    for (const r of w.refused) expect(r).toBe("READONLY You can't write against a read only replica.");
    ca.close();
    cb.close();
    assertNoCrash(a);
    assertNoCrash(b);
  });
});

// SIGKILL redis-server while writes stream over shm with appendonly yes + appendfsync always.
// After a restart on the same data dir every acknowledged write must be there (lost writes:
// 0), and the client must have seen an error (a null reply, a failed context) for every
// command still pending when the server died.
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startRedis } from '../helpers/redis-server.js';
import { redisAsyncConnect } from '../../src/async/api.js';
import type { AsyncContext } from '../../src/async/context.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { RawConn } from './raw-conn.js';
import { assertNoCrash, sleep, until } from './helpers.js';

const AOF = ['--appendonly', 'yes', '--appendfsync', 'always'];

function connectShm(port: number): Promise<AsyncContext> {
  const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'shm', connectTimeoutMs: 5000 });
  return new Promise((res, rej) => ac.setConnectCallback((c, st) => (st === REDIS_OK ? res(c) : rej(new Error(c.errstr)))));
}

interface Writer { list: string; issued: number; acked: Set<number>; errors: number; done: Promise<void> }

/** Keeps up to `depth` RPUSHes in flight until the context fails. */
function stream(ac: AsyncContext, list: string, depth: number): Writer {
  const w: Writer = { list, issued: 0, acked: new Set(), errors: 0, done: Promise.resolve() };
  w.done = new Promise((resolve) => {
    let outstanding = 0;
    let failed = false;
    const issue = (): void => {
      while (!failed && outstanding < depth) {
        const i = w.issued++;
        outstanding++;
        const rc = ac.commandArgv((_c, r) => {
          outstanding--;
          if (r && r.type === 3) w.acked.add(i);    // :<length>, the write is acknowledged
          else w.errors++;                           // null: the context failed with it pending
          if (r === null) failed = true;
          if (failed && outstanding === 0) resolve();
          else if (!failed) issue();
        }, 0, ['RPUSH', list, String(i)]);
        if (rc !== REDIS_OK) { outstanding--; w.issued--; failed = true; if (outstanding === 0) resolve(); }
      }
    };
    issue();
  });
  return w;
}

describe('durability: SIGKILL during shm writes, appendfsync always', () => {
  it('3 kills at different moments: every acknowledged write survives, every pending one errors', async () => {
    let totalAcked = 0;
    let totalLost = 0;
    let totalPendingErrors = 0;
    let dir: string | undefined;
    let port: number | undefined;
    for (let round = 0; round < 3; round++) {
      const srv = await startRedis({ args: AOF, ...(dir ? { dir, port } : {}) });
      dir = srv.dir;
      port = srv.port;
      const acs = [await connectShm(srv.port), await connectShm(srv.port)];
      expect(acs.map((a) => a.transport)).toEqual(['shm', 'shm']);
      const writers = acs.map((ac, k) => stream(ac, `durable:${round}:${k}`, 64));
      // kill once some writes are acknowledged, at a different point each round
      await until(() => writers.every((w) => w.acked.size >= 10 + 15 * round), 15000, 'acknowledged writes before the kill');
      await sleep(7 * round);
      srv.proc.kill('SIGKILL');
      await Promise.all(writers.map((w) => w.done));
      await srv.stop({ keepDir: true });
      for (const ac of acs) expect(ac.err).not.toBe(0);
      for (const w of writers) {
        expect(w.acked.size + w.errors).toBe(w.issued);   // every command got exactly one answer
        expect(w.acked.size).toBeGreaterThan(0);
        expect(w.errors).toBeGreaterThan(0);               // the kill caught commands in flight
        totalPendingErrors += w.errors;
      }
      // restart on the same AOF and count what is missing
      const again = await startRedis({ args: AOF, dir, port });
      const conn = await RawConn.open(again.port);
      for (const w of writers) {
        const raw = await conn.call('LRANGE', w.list, '0', '-1');
        const present = new Set(raw.split('\r\n').filter((_l, i) => i > 0 && i % 2 === 0).map(Number));
        let lost = 0;
        for (const i of w.acked) if (!present.has(i)) lost++;
        totalLost += lost;
        totalAcked += w.acked.size;
        // nothing appears that was never sent
        for (const v of present) expect(v).toBeLessThan(w.issued);
      }
      conn.close();
      assertNoCrash(again);
      await again.stop({ keepDir: true });
    }
    rmSync(dir!, { recursive: true, force: true });
    console.log(`durability: acknowledged=${totalAcked} lost=${totalLost} pending-at-kill errors=${totalPendingErrors}`);
    expect(totalAcked).toBeGreaterThan(100);
    expect(totalLost).toBe(0);
  });
});

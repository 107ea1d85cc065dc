// ASKING and READONLY through our clients on a real cluster: the module cannot apply them
// (RM_Call in 7.0 takes them from its own context), so the clients send them, and the
// commands they govern, on the socket: ASKING + the next command, and everything while the
// connection is READONLY. What the ring serves afterwards stays byte-identical (MOVED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { redisCommandArgv, redisConnect, redisFree } from '../../src/sync/api.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { until } from '../helpers/until.js';

const ringCommands = async (c: TestCluster, port: number): Promise<number> =>
  Number(/shm_commands:(\d+)/.exec((await c.command(port, 'INFO', 'shm'))[0]!)![1]);

describe('ASKING / READONLY through the clients', () => {
  let c: TestCluster;
  let master: number;
  let other: number;
  let replica: number;
  let mine: string;   // a key of `master`'s slots

  beforeAll(async () => {
    c = await startTestCluster();
    const t = await c.topology();
    const m = t.find((n) => n.role === 'master')!;
    master = m.port;
    other = t.find((n) => n.role === 'master' && n.port !== master)!.port;
    replica = t.find((n) => n.role === 'replica' && n.masterId === m.id)!.port;
    for (let i = 0; ; i++) {
      if (await c.ownerOf(await c.keyslot(`ro${i}`)) === master) { mine = `ro${i}`; break; }
    }
    await c.command(master, 'SET', mine, 'v1');
    await until(async () => (await c.command(replica, 'DBSIZE'))[0] === '1', 5000, 20, 'replication');
  }, 60000);
  afterAll(async () => { await c?.stop(); });

  it('promise client on a replica: READONLY reads served (on the socket), READWRITE back to the ring', async () => {
    const cl = await createClient({ port: replica, transport: 'shm' }).connect();
    try {
      expect(cl.transport).toBe('shm');
      await expect(cl.sendCommand(['GET', mine])).rejects.toThrow(new RegExp(`^MOVED \\d+ 127.0.0.1:${master}$`));
      const before = await ringCommands(c, replica);
      expect(await cl.sendCommand(['READONLY'])).toBe('OK');
      expect(await cl.sendCommand(['GET', mine])).toBe('v1');
      expect(await cl.sendCommand(['PING'])).toBe('PONG');
      expect(await ringCommands(c, replica)).toBe(before);   // none of them went over the ring
      expect(await cl.sendCommand(['READWRITE'])).toBe('OK');
      await expect(cl.sendCommand(['GET', mine])).rejects.toThrow(/^MOVED /);
      expect(await ringCommands(c, replica)).toBe(before + 1);
    } finally {
      await cl.quit();
    }
  });

  it('promise client: ASKING + the next command on the socket serve an importing slot', async () => {
    const slot = await c.keyslot(mine);
    const mig = await c.beginMigration(slot, other);
    try {
      await mig.migrateKeys([mine]);
      const cl = await createClient({ port: other, transport: 'shm' }).connect();
      try {
        await expect(cl.sendCommand(['GET', mine])).rejects.toThrow(new RegExp(`^MOVED ${slot} 127.0.0.1:${master}$`));
        const [ok, got, after] = await Promise.all([
          cl.sendCommand(['ASKING']), cl.sendCommand(['GET', mine]), cl.sendCommand(['GET', mine]).catch((e: Error) => e.message),
        ]);
        expect([ok, got]).toEqual(['OK', 'v1']);
        expect(after).toMatch(/^MOVED /);   // ASKING covers one command only
      } finally {
        await cl.quit();
      }
      // the old owner answers ASK for the key it no longer has, over the ring as on the socket
      const old = await createClient({ port: master, transport: 'shm' }).connect();
      try {
        await expect(old.sendCommand(['GET', mine])).rejects.toThrow(new RegExp(`^ASK ${slot} 127.0.0.1:${other}$`));
      } finally {
        await old.quit();
      }
    } finally {
      await mig.abort();
      await c.command(other, 'DEL', mine).catch(() => []);
      await c.command(master, 'SET', mine, 'v1');
    }
  });

  it('sync context on a replica: READONLY read served, READWRITE gives MOVED again', () => {
    const ctx = redisConnect('127.0.0.1', replica, { transport: 'shm', connectTimeoutMs: 5000 });
    try {
      expect(ctx.err).toBe(0);
      expect(ctx.transport).toBe('shm');
      expect(redisCommandArgv(ctx, ['READONLY'])!.str).toBe('OK');
      expect(redisCommandArgv(ctx, ['GET', mine])!.str).toBe('v1');
      expect(redisCommandArgv(ctx, ['READWRITE'])!.str).toBe('OK');
      expect(redisCommandArgv(ctx, ['GET', mine])!.str).toMatch(/^MOVED /);
    } finally {
      redisFree(ctx);
    }
  });
});

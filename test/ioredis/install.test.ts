// installShm(Redis) and the 'shm' event, per ioredis major: every new Redis(), duplicate()
// and Cluster node connection of the patched class goes over shm without naming a Connector;
// an explicit Connector wins; uninstalling restores plain ioredis; on a server without the
// module the 'shm' event says why and the connection stays on the socket.
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ShmConnector as ConnectorClass } from '../../src/ioredis/connector.js';
import { installShm, ShmConnector, type TransportInfo } from '../../src/ioredis/index.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { once, shmSession, type Client } from './matrix.js';

const MAJORS = [
  { major: 6, Redis: Redis6, Cluster: Cluster6 },
  { major: 5, Redis: Redis5 as unknown as typeof Redis6, Cluster: Cluster5 as unknown as typeof Cluster6 },
] as const;

let withModule: RedisServer;
let plain: RedisServer;
let cluster: TestCluster;
beforeAll(async () => {
  [withModule, plain, cluster] = await Promise.all([startRedis(), startRedis({ module: false }), startTestCluster()]);
}, 60000);
afterAll(async () => {
  await Promise.all([withModule?.stop(), plain?.stop(), cluster?.stop()]);
});

async function onShm(admin: Client, r: Client): Promise<boolean> {
  return (await shmSession(admin, Number(await r.client('ID')))) !== undefined;
}

describe.each(MAJORS)('installShm, ioredis $major', ({ Redis, Cluster }) => {
  test('new Redis() and duplicate() use shm once installed; uninstall restores the socket', async () => {
    const admin = new Redis6({ path: withModule.socket });
    const uninstall = installShm(Redis);
    const made: Client[] = [];
    try {
      const r = new Redis({ path: withModule.socket });
      made.push(r);
      const info = once<[TransportInfo]>(r, 'shm');
      await r.set('k', 'v');
      expect((await info)[0]).toMatchObject({ transport: 'shm' });
      expect(await onShm(admin, r)).toBe(true);
      const d = r.duplicate();
      made.push(d);
      expect(await d.get('k')).toBe('v');
      expect(await onShm(admin, d)).toBe(true);
      uninstall();
      const after = new Redis({ path: withModule.socket });
      made.push(after);
      await after.ping();
      expect(await onShm(admin, after)).toBe(false);
    } finally {
      uninstall();
      for (const c of made) c.disconnect();
      admin.disconnect();
    }
  });

  test('an explicit Connector option wins over the installed one', async () => {
    const uninstall = installShm(Redis);
    let used = 0;
    class Counting extends ConnectorClass {
      override connect(...a: Parameters<ConnectorClass['connect']>): ReturnType<ConnectorClass['connect']> { used++; return super.connect(...a); }
    }
    const r = new Redis({ path: withModule.socket, Connector: Counting as never });
    try {
      await r.ping();
      expect(used).toBe(1);
    } finally {
      uninstall();
      r.disconnect();
    }
  });

  test("the 'shm' event says why a server without the module stays on the socket", async () => {
    const r = new Redis({ path: plain.socket, Connector: ShmConnector as never });
    try {
      const info = once<[TransportInfo]>(r, 'shm');
      await r.set('k', 'v');
      const [i] = await info;
      expect(i.transport).toBe('socket');
      expect(i.reason).toMatch(/module is not loaded/);
      expect(await r.get('k')).toBe('v');
    } finally {
      r.disconnect();
    }
  });

  test('Cluster: every node connection of the installed class goes over shm', async () => {
    const uninstall = installShm(Redis);
    const c = new Cluster([cluster.seed], { scaleReads: 'master' });
    c.on('error', () => {});
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `ck:${i}`);
      for (const k of keys) await c.set(k, k);
      for (const k of keys) expect(await c.get(k)).toBe(k);
      const masters = await cluster.masters();
      for (const m of masters) {
        const info = await cluster.command(m.port, 'SHM.INFO');
        const sessions = Number(info[info.indexOf('sessions') + 1]);
        expect(sessions, `shm sessions on ${m.port}`).toBeGreaterThan(0);
      }
    } finally {
      uninstall();
      c.disconnect();
    }
  });
});

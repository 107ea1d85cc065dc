// ioredis Cluster over shm: with installShm(Redis), the node connections ioredis's Cluster
// makes use the connector, so every node of a local cluster (a real one, on loopback) is
// reached over its rings, and MOVED after a slot migration is followed as on sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { installShm, ShmStream } from '../../src/ioredis/index.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { keySlot } from '../../src/cluster/slot.js';

let tc: TestCluster;
let uninstall: () => void;

beforeAll(async () => {
  tc = await startTestCluster({ masters: 3, replicas: 0 });
  uninstall = installShm(Redis);
}, 60000);

afterAll(async () => {
  uninstall?.();
  await tc?.stop();
});

async function ringCommands(port: number): Promise<number> {
  const [info = ''] = await tc.command(port, 'INFO', 'shm');
  return Number(/^shm_commands:(\d+)/m.exec(info)![1]);
}

describe('ioredis Cluster with installShm', () => {
  it('reaches every master over shm, and follows MOVED after a slot migrates', async () => {
    const masters = await tc.masters();
    const before = await Promise.all(masters.map((m) => ringCommands(m.port)));
    const cluster = new Cluster([tc.seed]);
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`);
      await Promise.all(keys.map((k) => cluster.set(k, k)));
      expect(await Promise.all(keys.map((k) => cluster.get(k)))).toEqual(keys);
      const after = await Promise.all(masters.map((m) => ringCommands(m.port)));
      // each master served its share of the 600 commands over its rings
      for (let i = 0; i < masters.length; i++) expect(after[i]! - before[i]!).toBeGreaterThan(100);
      for (const node of cluster.nodes('master')) {
        const s = (node as unknown as { stream: unknown }).stream;
        expect(s).toBeInstanceOf(ShmStream);
        expect((s as ShmStream).transport).toBe('shm');
      }
      // move key:0's slot to another master: ioredis gets MOVED over the ring and follows it
      const slot = keySlot('key:0');
      const owner = await tc.ownerOf(slot);
      const to = masters.find((m) => m.port !== owner)!.port;
      await tc.moveSlot(slot, to);
      expect(await cluster.get('key:0')).toBe('key:0');
      expect(await cluster.set('key:0', 'moved')).toBe('OK');
      const [v] = await tc.command(to, 'GET', 'key:0');
      expect(v).toBe('moved');
    } finally {
      cluster.disconnect();
    }
  }, 60000);
});

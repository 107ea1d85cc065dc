// The cluster harness itself: six real nodes, three masters covering all 16384 slots,
// each replica linked to a master, the module loaded everywhere; teardown leaves nothing.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

describe('test cluster harness', () => {
  let c: TestCluster;
  beforeAll(async () => { c = await startTestCluster(); }, 60000);
  afterAll(async () => { await c?.stop(); });

  it('has 3 masters covering every slot and 3 linked replicas, module loaded', async () => {
    const t = await c.topology();
    const masters = t.filter((n) => n.role === 'master');
    const replicas = t.filter((n) => n.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    const covered = masters.flatMap((m) => m.slots).reduce((s, [a, b]) => s + b - a + 1, 0);
    expect(covered).toBe(16384);
    for (const r of replicas) expect(masters.map((m) => m.id)).toContain(r.masterId);
    for (const p of c.livePorts()) {
      const mods = await c.command(p, 'MODULE', 'LIST');
      expect(mods.slice(0, 2)).toEqual(['name', 'shm']);
    }
  });

  it('moveSlot moves a slot and its keys to another master', async () => {
    const slot = await c.keyslot('harness-key');
    const from = await c.ownerOf(slot);
    await c.command(from, 'SET', 'harness-key', 'v');
    const to = (await c.masters()).find((m) => m.port !== from)!.port;
    await c.moveSlot(slot, to);
    expect(await c.ownerOf(slot)).toBe(to);
    expect(await c.command(to, 'GET', 'harness-key')).toEqual(['v']);
    await c.moveSlot(slot, from);
    expect(await c.ownerOf(slot)).toBe(from);
  });

  it('stop() ends every process and removes the dirs', async () => {
    const dirs = c.procs.map((p) => p.dir);
    await c.stop();
    for (const p of c.procs) expect(p.exited).toBe(true);
    for (const d of dirs) expect(existsSync(d)).toBe(false);
  });
});

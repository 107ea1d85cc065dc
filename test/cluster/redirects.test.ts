// Redirections on a real cluster whose slots are moved by hand: MOVED after a completed
// migration, ASK while a slot is migrating, TRYAGAIN for multi-key commands split by a
// migration, CLUSTERDOWN while a slot is unassigned, and the redirect limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, ReplyError, type RedisCluster } from '../../src/index.js';
import { keySlot } from '../../src/cluster/slot.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { CLUSTER_TRANSPORTS } from './transports.js';

describe.each(CLUSTER_TRANSPORTS)('cluster redirects over %s', (transport) => {
  let c: TestCluster;
  let cluster: RedisCluster;
  beforeAll(async () => {
    c = await startTestCluster();
    cluster = createCluster({ rootNodes: [c.seed], transport });
    await cluster.connect();
  }, 60000);
  afterAll(async () => { await cluster?.quit(); await c?.stop(); });

  const otherMaster = async (port: number): Promise<number> => (await c.masters()).find((m) => m.port !== port)!.port;
  const shardPort = (slot: number): number => {
    const m = cluster.slotMap!;
    return m.shards[m.slots[slot]!]!.master.port;
  };

  it('MOVED: follows a slot moved behind its back and updates the map', async () => {
    const key = 'moved:{a}';
    const slot = keySlot(key);
    await cluster.set(key, 'before');
    const from = await c.ownerOf(slot);
    const to = await otherMaster(from);
    await c.moveSlot(slot, to);
    expect(shardPort(slot)).toBe(from); // the client has not heard yet
    expect(await cluster.get(key)).toBe('before');
    expect(shardPort(slot)).toBe(to);
    expect(await cluster.set(key, 'after')).toBe('OK');
    expect(await c.command(to, 'GET', key)).toEqual(['after']);
  });

  it('ASK: reads a key already migrated and writes a new key on the importing node', async () => {
    const [k1, k2, k3] = ['{ask}1', '{ask}2', '{ask}new'];
    const slot = keySlot(k1);
    await cluster.mset(k1, 'one', k2, 'two');
    const from = await c.ownerOf(slot);
    const to = await otherMaster(from);
    const mig = await c.beginMigration(slot, to);
    await mig.migrateKeys([k1]);
    expect(await cluster.get(k1)).toBe('one');   // ASK -> ASKING + GET on `to`
    expect(await cluster.get(k2)).toBe('two');   // still on `from`
    expect(await cluster.set(k3, 'three')).toBe('OK');
    expect(await c.command(to, 'ASKING')).toEqual(['OK']);
    expect(shardPort(slot)).toBe(from);          // ASK does not change the map
    await mig.finish();
    expect(await cluster.mget(k1, k2, k3)).toEqual(['one', 'two', 'three']);
  });

  it('TRYAGAIN: a multi-key command split by a migration is retried until the migration ends', async () => {
    const [k1, k2] = ['{try}1', '{try}2'];
    const slot = keySlot(k1);
    await cluster.mset(k1, 'a', k2, 'b');
    const from = await c.ownerOf(slot);
    const mig = await c.beginMigration(slot, await otherMaster(from));
    await mig.migrateKeys([k1]);
    const pending = expect(cluster.mget(k1, k2)).resolves.toEqual(['a', 'b']);
    await new Promise((r) => setTimeout(r, 60));
    await mig.finish();
    await pending;
  });

  it('after maxRedirects the command fails with ERR_CLUSTER_REDIRECTS naming the last reply', async () => {
    const [k1, k2] = ['{lim}1', '{lim}2'];
    const slot = keySlot(k1);
    await cluster.mset(k1, 'a', k2, 'b');
    const from = await c.ownerOf(slot);
    const mig = await c.beginMigration(slot, await otherMaster(from));
    await mig.migrateKeys([k1]);
    const strict = createCluster({ rootNodes: [c.seed], transport, maxRedirects: 2, retryDelay: () => 1 });
    await strict.connect();
    const err = await strict.mget(k1, k2).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CLUSTER_REDIRECTS' });
    expect((err as Error).message).toMatch(/after 2 attempts; last: TRYAGAIN/);
    await strict.quit();
    await mig.finish();
  });

  it('CLUSTERDOWN while a slot is unassigned: retried until it is served again', async () => {
    const key = 'down:{d}';
    const slot = keySlot(key);
    await cluster.set(key, 'x');
    const owner = await c.ownerOf(slot);
    const ports = (await c.masters()).map((m) => m.port);
    for (const p of ports) await c.command(p, 'CLUSTER', 'DELSLOTS', String(slot));
    const got = expect(cluster.get(key)).resolves.toBe('x');
    await new Promise((r) => setTimeout(r, 80));
    await c.command(owner, 'CLUSTER', 'ADDSLOTS', String(slot));
    await got;
    await c.waitReady();
  });

  it('pipeline: results in call order across nodes, commands on a moved slot redirected', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `pipe:${i}`);
    const moved = keys[7]!;
    await c.moveSlot(keySlot(moved), await otherMaster(await c.ownerOf(keySlot(moved))));
    const p = cluster.pipeline();
    keys.forEach((k, i) => p.set(k, String(i)));
    keys.forEach((k) => p.get(k));
    p.incr(keys[0]!);  // an error in place: not an integer? it is "0" -> 1
    p.lpush(keys[1]!, 'x'); // WRONGTYPE, returned as a value
    const r = await p.exec();
    expect(r!.slice(0, 30)).toEqual(keys.map(() => 'OK'));
    expect(r!.slice(30, 60)).toEqual(keys.map((_, i) => String(i)));
    expect(r![60]).toBe(1);
    expect(r![61]).toBeInstanceOf(ReplyError);
    expect((r![61] as ReplyError).code).toBe('WRONGTYPE');
  });

  it('a multi-key command across slots gets the server\'s CROSSSLOT', async () => {
    const err = await cluster.mget('{u1}:a', '{u2}:b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).message).toBe("CROSSSLOT Keys in request don't hash to the same slot");
  });

  it('multi: one slot runs; other slots on the same node fail with CROSSSLOT; a moved slot is run again', async () => {
    const r = await cluster.multi().set('{m}a', '1').incr('{m}n').get('{m}a').exec();
    expect(r).toEqual(['OK', 1, '1']);
    // two slots of the same master
    const first = '{m}a';
    const owner = await c.ownerOf(keySlot(first));
    let other = '';
    for (let i = 0; !other; i++) if (keySlot(`x${i}`) !== keySlot(first) && await c.ownerOf(keySlot(`x${i}`)) === owner) other = `x${i}`;
    const err = await cluster.multi().set(first, '2').set(other, '3').exec().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).message).toBe("CROSSSLOT Keys in request don't hash to the same slot");
    expect(await cluster.get(first)).toBe('1'); // nothing ran
    // the slot moves under the client: the transaction is aborted by MOVED and run on the new owner
    await c.moveSlot(keySlot(first), await otherMaster(owner));
    expect(await cluster.multi().incr('{m}n').get('{m}n').exec()).toEqual([2, '2']);
  });
});

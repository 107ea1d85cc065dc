// Cluster pub/sub on a real cluster: SUBSCRIBE/PSUBSCRIBE on one node receive PUBLISH
// sent to any node; SSUBSCRIBE lives on each channel's shard and follows its slot when
// the slot is migrated; UNSUBSCRIBE ends a subscription's callback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, createClusterSubscriber, type PubSubEnd, type PubSubMessage, type RedisCluster } from '../../src/index.js';
import { keySlot } from '../../src/cluster/slot.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { until } from '../helpers/until.js';
import { CLUSTER_TRANSPORTS } from './transports.js';

describe.each(CLUSTER_TRANSPORTS)('cluster pub/sub over %s', (transport) => {
  let c: TestCluster;
  let cluster: RedisCluster;
  beforeAll(async () => {
    c = await startTestCluster();
    cluster = createCluster({ rootNodes: [c.seed], transport });
    await cluster.connect();
  }, 60000);
  afterAll(async () => { await cluster?.quit(); await c?.stop(); });

  it('SUBSCRIBE and PSUBSCRIBE get messages published on every master', async () => {
    const sub = createClusterSubscriber(cluster);
    const got: string[] = [];
    const ended: string[] = [];
    await sub.subscribe('news', (ev) => ('message' in ev ? got.push(`${ev.channel}:${ev.message}`) : ended.push(ev.channel)));
    await sub.psubscribe('ev.*');
    const p: string[] = [];
    sub.on('pmessage', (m, ch, pat) => p.push(`${pat}|${ch}|${String(m)}`));
    for (const m of await c.masters()) {
      expect(Number((await c.command(m.port, 'PUBLISH', 'news', `from-${m.port}`))[0])).toBeGreaterThanOrEqual(0);
      await c.command(m.port, 'PUBLISH', 'ev.x', 'y');
    }
    await until(() => got.length === 3 && p.length === 3, 5000, 10, 'messages');
    expect(got.sort()).toEqual((await c.masters()).map((m) => `news:from-${m.port}`).sort());
    expect(p).toEqual(['ev.*|ev.x|y', 'ev.*|ev.x|y', 'ev.*|ev.x|y']);
    await sub.unsubscribe('news');
    expect(ended).toEqual(['news']);
    expect(sub.channels).toEqual([]);
    await sub.quit();
  });

  it('SSUBSCRIBE on each channel\'s shard; SPUBLISH through the cluster client reaches it', async () => {
    const sub = createClusterSubscriber(cluster);
    const channels = ['s:{a}', 's:{b}', 's:{c}', 's:{d}', 's:{e}'];
    const got: PubSubMessage[] = [];
    await sub.ssubscribe(channels, (ev) => { if ('message' in ev) got.push(ev); });
    const homes = sub.shardNodes();
    for (const ch of channels) expect(homes.get(ch)).toBe(`127.0.0.1:${await c.ownerOf(keySlot(ch))}`);
    expect(new Set(homes.values()).size).toBeGreaterThan(1);
    for (const ch of channels) expect(await cluster.spublish(ch, `m-${ch}`)).toBe(1);
    await until(() => got.length === channels.length, 5000, 10, 'shard messages');
    expect(got.map((m) => `${m.kind} ${m.channel} ${String(m.message)}`).sort()).toEqual(channels.map((ch) => `smessage ${ch} m-${ch}`).sort());
    await sub.quit();
  });

  it('a shard subscription follows its slot to the new owner', async () => {
    const sub = createClusterSubscriber(cluster);
    const ch = 'follow:{f}';
    const got: string[] = [];
    const ends: PubSubEnd[] = [];
    await sub.ssubscribe(ch, (ev) => { if ('message' in ev) got.push(String(ev.message)); else ends.push(ev); });
    const from = await c.ownerOf(keySlot(ch));
    const to = (await c.masters()).find((m) => m.port !== from)!.port;
    await c.moveSlot(keySlot(ch), to);
    await until(() => sub.shardNodes().get(ch) === `127.0.0.1:${to}`, 10000, 20, 'resubscribed on the new owner');
    expect(await cluster.spublish(ch, 'after-move')).toBe(1);
    await until(() => got.includes('after-move'), 5000, 10, 'message after the move');
    expect(ends).toEqual([]); // the user never saw the subscription end
    await sub.quit();
    expect(ends).toEqual([{ kind: 'sunsubscribe', channel: ch }]);
  });
});

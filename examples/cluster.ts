// The cluster client: commands routed by slot, each node over shm when it is local and has
// the module, pipelines across shards, a one-slot transaction, a sharded channel.
// Start a local cluster with `redis-shm cluster start` (ports 30001-30006), then:
//   npm run build:ts && REDIS_PORT=30001 node dist/examples/cluster.js
import { createCluster, createClusterSubscriber } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  const cluster = createCluster({ rootNodes: [{ host: t.host ?? '127.0.0.1', port: t.port ?? 30001 }] });
  await cluster.connect();
  const masters = cluster.nodes().filter((n) => n.role === 'master');
  log(`masters: ${masters.length}, transports: ${[...new Set(masters.map((n) => n.transport))].join(',')}`);

  await cluster.set('{user:1}:name', 'ada');
  log(`GET {user:1}:name: ${await cluster.get('{user:1}:name')}`);

  // keys of different shards in one pipeline: each node gets its part, results in call order
  const p = cluster.pipeline();
  for (const k of ['a', 'b', 'c']) p.set(`example:${k}`, k.toUpperCase());
  for (const k of ['a', 'b', 'c']) p.get(`example:${k}`);
  log(`pipeline: ${JSON.stringify(await p.exec())}`);

  // a transaction stays in one slot: the {user:1} hash tag
  const tx = await cluster.multi().incr('{user:1}:visits').incr('{user:1}:visits').exec();
  log(`MULTI/EXEC: ${JSON.stringify(tx)}`);

  // a sharded channel lives on the shard that owns its slot
  const sub = createClusterSubscriber(cluster);
  const got = new Promise<string>((resolve) => sub.on('smessage', (m, ch) => resolve(`${ch} -> ${String(m)}`)));
  await sub.ssubscribe('{user:1}:events');
  await cluster.spublish('{user:1}:events', 'logged in');
  log(`smessage: ${await got}`);
  await sub.quit();

  await cluster.del('{user:1}:name', '{user:1}:visits');
  await cluster.quit();
}

runIfMain(import.meta.url, main);

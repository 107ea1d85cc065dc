// A master with the module and a plain replica of it (DEBUG enabled, so a test can make it
// sleep), resolved once the replication link is up. Shared by the WAIT fence tests of
// test/async and test/sync.
import { rawCommand, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { sleep } from './helpers.js';

export async function startWithReplica(): Promise<{ master: RedisServer; replica: RedisServer }> {
  const master = await startRedis({ module: true });
  let replica: RedisServer;
  try {
    replica = await startRedis({
      module: false,
      args: ['--replicaof', '127.0.0.1', String(master.port), '--enable-debug-command', 'yes'],
    });
  } catch (e) {
    await master.stop();
    throw e;
  }
  for (let i = 0; i < 400; i++) {
    if ((await rawCommand({ port: replica.port }, ['INFO', 'replication'])).includes('master_link_status:up')) break;
    await sleep(25);
  }
  return { master, replica };
}

// WAIT after shm writes through the sync API: the context sends SHM.FENCE on the socket
// first, so WAIT counts the ring writes. Without the fence WAIT counts only the socket's own
// writes (none) and reports an acknowledgement the replica never gave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCommand, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { redisCommand, redisConnectUnix, redisFree } from '../../src/sync/api.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WAIT over a sync shm session', () => {
  let master: RedisServer;
  let replica: RedisServer;
  beforeAll(async () => {
    master = await startRedis({ module: true });
    replica = await startRedis({
      module: false,
      args: ['--replicaof', '127.0.0.1', String(master.port), '--enable-debug-command', 'yes'],
    });
    for (let i = 0; i < 400; i++) {
      if ((await rawCommand({ port: replica.port }, ['INFO', 'replication'])).includes('master_link_status:up')) break;
      await sleep(25);
    }
  });
  afterAll(async () => { await replica?.stop(); await master?.stop(); });

  it('counts the replica once it has the shm write, and not while it cannot acknowledge', async () => {
    const c = redisConnectUnix(master.socket, { transport: 'shm', connectTimeoutMs: 5000 });
    expect(c.errstr).toBe('');
    expect(c.transport).toBe('shm');
    expect(redisCommand(c, 'SET wait:a 1')!.str).toBe('OK');
    expect(redisCommand(c, 'WAIT 1 5000')!.integer).toBe(1);
    expect(await replica.command('GET', 'wait:a')).toBe('$1\r\n1\r\n');

    // The replica stays connected but sleeps: it cannot acknowledge the next shm write.
    const asleep = rawCommand({ port: replica.port }, ['DEBUG', 'SLEEP', '1.5'], 10000);
    await sleep(100);
    expect(redisCommand(c, 'SET wait:b 2')!.str).toBe('OK');
    expect(redisCommand(c, 'WAIT 1 300')!.integer).toBe(0);
    await asleep;
    // Awake again, it catches up and acknowledges.
    expect(redisCommand(c, 'WAIT 1 5000')!.integer).toBe(1);
    redisFree(c);
  });
});

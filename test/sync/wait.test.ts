// WAIT after shm writes through the sync API: the context sends SHM.FENCE on the socket
// first, so WAIT counts the ring writes. Without the fence WAIT counts only the socket's own
// writes (none) and reports an acknowledgement the replica never gave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCommand, type RedisServer } from '../helpers/redis-server.js';
import { redisCommand, redisConnectUnix, redisFree } from '../../src/sync/api.js';
import { sleep } from '../async/helpers.js';
import { startWithReplica } from '../async/replica.js';

describe('WAIT over a sync shm session', () => {
  let master: RedisServer;
  let replica: RedisServer;
  beforeAll(async () => { ({ master, replica } = await startWithReplica()); });
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

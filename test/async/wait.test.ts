// WAIT after shm writes: the context sends SHM.FENCE on the socket first, so WAIT counts the
// ring writes too. Without the fence WAIT would count only the socket's own writes (none
// here) and report an acknowledgement that the replica never gave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCommand, type RedisServer } from '../helpers/redis-server.js';
import { cmd, connected, plain, sleep, type TransportCase } from './helpers.js';
import { startWithReplica } from './replica.js';

const SHM: TransportCase = { name: 'shm', transport: 'shm', module: true, unix: true };

describe('WAIT over an shm session', () => {
  let master: RedisServer;
  let replica: RedisServer;
  beforeAll(async () => { ({ master, replica } = await startWithReplica()); });
  afterAll(async () => { await replica?.stop(); await master?.stop(); });

  it('counts the replica once it has the shm write, and not while it cannot acknowledge', async () => {
    const ac = await connected(master, SHM);
    const live = await Promise.all([cmd(ac, 'SET', 'wait:a', '1'), cmd(ac, 'WAIT', 1, 5000)]);
    expect(plain(live[0])).toBe('OK');
    expect(plain(live[1])).toBe(1);
    expect(await replica.command('GET', 'wait:a')).toBe('$1\r\n1\r\n');

    // The replica stays connected but sleeps: it cannot acknowledge the next shm write.
    const asleep = rawCommand({ port: replica.port }, ['DEBUG', 'SLEEP', '1.5'], 10000);
    await sleep(100);
    const stalled = await Promise.all([cmd(ac, 'SET', 'wait:b', '2'), cmd(ac, 'WAIT', 1, 300)]);
    expect(plain(stalled[0])).toBe('OK');
    expect(plain(stalled[1])).toBe(0);
    await asleep;
    // Awake again, it catches up and acknowledges.
    expect(plain(await cmd(ac, 'WAIT', 1, 5000))).toBe(1);
    ac.free();
  });
});

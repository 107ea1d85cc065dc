// The module loads into a stock redis-server and registers its commands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

describe('module load', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv.stop(); });

  it('shows up in MODULE LIST as shm', async () => {
    const r = await srv.command('MODULE', 'LIST');
    expect(r).toContain('$4\r\nname\r\n$3\r\nshm\r\n');
  });

  it('answers SHM.INFO with a map holding the session count', async () => {
    const r = await srv.command('SHM.INFO');
    expect(r.startsWith('*')).toBe(true);
    expect(r).toContain('$8\r\nsessions\r\n:0\r\n');
  });
});

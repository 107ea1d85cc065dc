import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPECS } from '../../src/cli/bench.js';
import { specLabel, type Driver } from '../../src/bench/driver.js';
import { openDriver } from '../../src/bench/drivers.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let srv: RedisServer;
// Peers reply with strings/Buffers, redis-shm with RedisReply objects (str/buf).
const text = (v: unknown): string => (v !== null && typeof v === 'object' && 'str' in v ? String((v as { str: unknown }).str) : String(v));
beforeAll(async () => { srv = await startRedis(); });
afterAll(async () => { await srv.stop(); });

describe('every benchmarked client configuration does what the workloads assume', () => {
  for (const spec of DEFAULT_SPECS) {
    it(specLabel(spec), async () => {
      const d: Driver = await openDriver(spec, { tcp: { host: '127.0.0.1', port: srv.port }, unix: { path: srv.socket } });
      try {
        const key = `drv:${specLabel(spec)}`;
        expect(text(await d.ping())).toBe('PONG');
        await d.set(key, 'value-1');
        expect(text(await d.get(key))).toBe('value-1');
        const big = Buffer.alloc(3 << 20, 0x62);
        await d.set(key, big);
        const back = await d.getBuffer(key);
        expect(back && Buffer.from(back).equals(big)).toBe(true);
        expect(await d.getBuffer(`${key}:missing`)).toBeNull();
        await d.set(`${key}:a`, 'A');
        const replies = (await d.pipelineGet([`${key}:a`, `${key}:a`, `${key}:missing`])) as unknown[];
        expect(replies).toHaveLength(3);
        // ioredis pipelines answer [err, value] pairs.
        expect(replies.slice(0, 2).map((r) => text(Array.isArray(r) ? r[1] : r))).toEqual(['A', 'A']);

        const got: string[] = [];
        if (spec.api === 'sync') {
          await expect(d.subscribe(`${key}:ch`, (m) => got.push(m))).rejects.toThrow(/not applicable/);
          expect(Number(await d.publish(`${key}:ch`, 'hello'))).toBe(0);
        } else {
          await d.subscribe(`${key}:ch`, (m) => got.push(m));
          expect(Number(await d.publish(`${key}:ch`, 'hello'))).toBe(1);
          for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
          expect(got).toEqual(['hello']);
        }

        // What a shm configuration measures is shm, and a socket one the socket.
        if (spec.transport === 'shm') expect(await srv.command('INFO', 'shm')).toMatch(/shm_sessions:[1-9]/);
      } finally {
        await d.close();
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { benchMarkdown } from '../../src/bench/markdown.js';
import { makeRow } from '../../src/bench/rows.js';
import type { DriverSpec } from '../../src/bench/driver.js';

const shm: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'node' };
const io: DriverSpec = { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null };

describe('benchMarkdown', () => {
  it('pivots rows into one table per question and condition, a line per configuration', () => {
    const md = benchMarkdown([
      makeRow(shm, 'idle', 'ping-seq', { p50: 8.44, p99: 20, ops: 1e5 }),
      makeRow(io, 'idle', 'ping-seq', { p50: 80, p99: 212.5, ops: 1e4 }),
      makeRow(shm, 'idle', 'pubsub-delivery', { p50: null, p99: null }),
      makeRow(io, 'idle', 'get-2-threads', { ops: 251_234 }),
      makeRow(shm, 'loaded', 'idle-cpu-1s', { cpu: 0.55 }),
    ]);
    expect(md).toBe([
      '#### idle host: Latency, microseconds, p50 / p99',
      '',
      '| configuration | ping-seq | pubsub-delivery |',
      '|---|---:|---:|',
      '| redis-shm shm async node | 8.4 / 20 | n/a |',
      '| ioredis unix promise | 80 / 213 |  |',
      '',
      '#### idle host: Throughput, commands/s',
      '',
      '| configuration | get-2-threads |',
      '|---|---:|',
      '| redis-shm shm async node |  |',
      '| ioredis unix promise | 251k |',
      '',
      '#### loaded host: CPU while idle, % of one core (client process; `-server`: redis-server)',
      '',
      '| configuration | idle-cpu-1s |',
      '|---|---:|',
      '| redis-shm shm async node | 0.6 |',
      '',
    ].join('\n'));
  });
});

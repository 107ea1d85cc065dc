import { describe, expect, it } from 'vitest';
import { benchMarkdown } from '../../src/bench/markdown.js';
import { makeRow } from '../../src/bench/rows.js';
import type { DriverSpec } from '../../src/bench/driver.js';

const shm: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'async', adapter: 'node' };
const io: DriverSpec = { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null };

describe('benchMarkdown', () => {
  it('one round: pivots rows into one table per question and condition, a line per configuration', () => {
    const md = benchMarkdown([
      makeRow(shm, 'idle', 'ping-seq', { p50: 8.44, p99: 20, ops: 1e5 }),
      makeRow(io, 'idle', 'ping-seq', { p50: 80, p99: 212.5, ops: 1e4 }),
      makeRow(shm, 'idle', 'pubsub-delivery', { p50: null, p99: null }),
      makeRow(io, 'idle', 'get-2-threads', { ops: 251_234 }),
      makeRow(shm, 'loaded', 'idle-cpu-1s', { cpu: 0.55 }),
    ]);
    expect(md).toBe([
      '#### idle host: Latency p50, microseconds, 1 round',
      '',
      '| configuration | ping-seq | pubsub-delivery |',
      '|---|---:|---:|',
      '| redis-shm shm async node | 8.4 | n/a |',
      '| ioredis unix promise | 80 |  |',
      '',
      '#### idle host: Latency p99, microseconds, 1 round',
      '',
      '| configuration | ping-seq | pubsub-delivery |',
      '|---|---:|---:|',
      '| redis-shm shm async node | 20 | n/a |',
      '| ioredis unix promise | 213 |  |',
      '',
      '#### idle host: Throughput, commands/s, 1 round',
      '',
      '| configuration | get-2-threads |',
      '|---|---:|',
      '| redis-shm shm async node |  |',
      '| ioredis unix promise | 251k |',
      '',
      '#### idle host: shm / peer, p50 ratio per round (below 1: shm faster), 1 round',
      '',
      '| configuration | ping-seq |',
      '|---|---:|',
      '| redis-shm shm async node / ioredis unix promise | 0.11x |',
      '',
      '#### idle host: shm / peer, p99 ratio per round (below 1: shm faster), 1 round',
      '',
      '| configuration | ping-seq |',
      '|---|---:|',
      '| redis-shm shm async node / ioredis unix promise | 0.094x |',
      '',
      '#### loaded host: CPU while idle, % of one core (client process; `-server`: redis-server), 1 round',
      '',
      '| configuration | idle-cpu-1s |',
      '|---|---:|',
      '| redis-shm shm async node | 0.6 |',
      '',
    ].join('\n'));
  });

  it('several rounds: median (worst round) per cell, ratios per round, a failed round counted', () => {
    const md = benchMarkdown([
      makeRow(shm, 'busy', 'burst-1ms', { p50: 10, p99: 40 }, 1),
      makeRow(io, 'busy', 'burst-1ms', { p50: 100, p99: 200 }, 1),
      makeRow(shm, 'busy', 'get-4-threads', { ops: 3e5 }, 1),
      makeRow(io, 'busy', 'get-4-threads', { ops: 1e5 }, 1),
      makeRow(shm, 'busy', 'burst-1ms', { p50: 30, p99: 90 }, 2),
      makeRow(io, 'busy', 'burst-1ms', { p50: 50, p99: 100 }, 2),
      makeRow(shm, 'busy', 'get-4-threads', { ops: 1e5 }, 2),
      makeRow(io, 'busy', 'get-4-threads', { ops: 2e5 }, 2),
      makeRow(shm, 'busy', 'burst-1ms', { p50: 20, p99: 60 }, 3),
      makeRow(io, 'busy', 'burst-1ms', { p50: 100, p99: 300 }, 3),
      makeRow(io, 'busy', 'get-4-threads', { ops: 1e5 }, 3),
      // shm get-4-threads failed in round 3
      makeRow(shm, 'busy', 'get-4-threads', { ops: null }, 3),
    ]);
    const section = (title: string): string => md.split('#### ').find((s) => s.startsWith(`busy host: ${title}`))!;
    expect(section('Latency p50')).toContain('median (worst) of 3 rounds');
    expect(section('Latency p50')).toContain('| redis-shm shm async node | 20 (30) |');
    expect(section('Latency p99')).toContain('| ioredis unix promise | 200 (300) |');
    expect(section('Throughput')).toContain('| redis-shm shm async node | 200k (100k) [2/3] |');
    expect(section('Throughput')).toContain('| ioredis unix promise | 100k (100k) |');
    // p50 per round 0.1, 0.6, 0.2; throughput per round 3, 0.5 (round 3 has no shm value)
    expect(section('shm / peer, p50')).toContain('| redis-shm shm async node / ioredis unix promise | 0.2x (0.6x) |');
    expect(section('shm / peer, throughput')).toContain('| redis-shm shm async node / ioredis unix promise | 1.8x (0.5x) [2/3] |');
  });
});

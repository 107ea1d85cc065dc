import { describe, expect, it } from 'vitest';
import { benchCharts } from '../../src/bench/charts.js';
import { makeRow, type BenchRow } from '../../src/bench/rows.js';
import type { DriverSpec } from '../../src/bench/driver.js';
import { checkSvg } from './well-formed.js';

const shm: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'promise', adapter: 'node' };
const io: DriverSpec = { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null };

describe('benchCharts', () => {
  const rows: BenchRow[] = [
    makeRow(shm, 'idle', 'ping-seq', { p50: 8, p99: 20, ops: 1e5 }),
    makeRow(io, 'idle', 'ping-seq', { p50: 80, p99: 200, ops: 1e4 }),
    makeRow(io, 'idle', 'get-2-threads', { ops: 250_000 }),
    makeRow(shm, 'loaded', 'idle-cpu-1s', { cpu: 0.5 }),
  ];
  const charts = benchCharts(rows, 'test');

  it('makes one chart per question and condition that has data', () => {
    expect([...charts.keys()].sort()).toEqual(['idle-cpu-loaded.svg', 'latency-p50-idle.svg', 'latency-p99-idle.svg', 'throughput-idle.svg']);
    for (const svg of charts.values()) expect(checkSvg(svg)).toEqual([]);
  });

  it('puts each configuration in its own series with its values', () => {
    const p50 = charts.get('latency-p50-idle.svg')!;
    expect(p50).toContain('<title>ping-seq redis-shm shm promise node: 8 microseconds</title>');
    expect(p50).toContain('<title>ping-seq ioredis unix promise: 80 microseconds</title>');
    const tput = charts.get('throughput-idle.svg')!;
    expect(tput).toContain('>get-2-threads<');
    expect(tput).toContain('<title>get-2-threads ioredis unix promise: 250k commands/s</title>');
    expect(tput).toContain('>n/a<'); // redis-shm has no get-2-threads row
  });

  it('draws the median round when there are several', () => {
    const svg = benchCharts([
      makeRow(io, 'busy', 'burst-1ms', { p50: 100, p99: 300 }, 1),
      makeRow(io, 'busy', 'burst-1ms', { p50: 60, p99: 200 }, 2),
      makeRow(io, 'busy', 'burst-1ms', { p50: 70, p99: 900 }, 3),
    ], 'test').get('latency-p50-busy.svg')!;
    expect(svg).toContain('<title>burst-1ms ioredis unix promise: 70 microseconds</title>');
    expect(svg).not.toContain('<title>burst-1ms ioredis unix promise: 100 microseconds</title>');
  });
});

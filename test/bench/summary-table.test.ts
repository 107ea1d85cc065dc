import { describe, expect, it } from 'vitest';
import type { DriverSpec } from '../../src/bench/driver.js';
import { makeRow } from '../../src/bench/rows.js';
import { benchTable } from '../../src/bench/summary-table.js';

const shm: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'promise', adapter: 'busy-poll' };
const io: DriverSpec = { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null };

describe('benchTable', () => {
  it('one line per cell with median and worst round, then the per-round shm/peer ratios', () => {
    const t = benchTable([
      makeRow(shm, 'idle', 'ping-seq', { p50: 5, p99: 50, ops: 2e5 }, 1),
      makeRow(io, 'idle', 'ping-seq', { p50: 80, p99: 200, ops: 1.25e4 }, 1),
      makeRow(shm, 'idle', 'ping-seq', { p50: 12, p99: 90, ops: 8e4 }, 2),
      makeRow(io, 'idle', 'ping-seq', { p50: 60, p99: 300, ops: 1.6e4 }, 2),
      makeRow(shm, 'idle', 'idle-cpu-1s', { cpu: 0.3 }, 1),
      makeRow(shm, 'idle', 'idle-cpu-1s', { cpu: 0.5 }, 2),
    ]);
    expect(t).toBe([
      'condition  workload     configuration                    rounds  p50_us  worst  p99_us  worst   ops/s  worst  cpu%  worst',
      '---------  -----------  -------------------------------  ------  ------  -----  ------  -----  ------  -----  ----  -----',
      'idle       ping-seq     redis-shm shm promise busy-poll  2/2        8.5   12.0    70.0   90.0  140000  80000     -      -',
      'idle       ping-seq     ioredis unix promise             2/2       70.0   80.0   250.0  300.0   14250  12500     -      -',
      'idle       idle-cpu-1s  redis-shm shm promise busy-poll  2/2          -      -       -      -       -      -   0.4    0.5',
      '',
      'shm / peer, ratio per round (median, worst):',
      'condition  workload  shm                              peer                   p50  worst   p99  worst  ops/s  worst',
      '---------  --------  -------------------------------  --------------------  ----  -----  ----  -----  -----  -----',
      'idle       ping-seq  redis-shm shm promise busy-poll  ioredis unix promise  0.13   0.20  0.28   0.30      -      -',
      '',
    ].join('\n'));
  });
});

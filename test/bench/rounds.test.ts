import { describe, expect, it } from 'vitest';
import type { DriverSpec } from '../../src/bench/driver.js';
import { aggregate, cellValues, median, medianRows, pairRatio, ratioPairs, ratioPerRound, roundOrder, roundsOf } from '../../src/bench/rounds.js';
import { makeRow, type BenchRow } from '../../src/bench/rows.js';

const shmPromise: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'promise', adapter: 'busy-poll' };
const unixPromise: DriverSpec = { client: 'redis-shm', transport: 'unix', api: 'promise', adapter: 'busy-poll' };
const shmSync: DriverSpec = { client: 'redis-shm', transport: 'shm', api: 'sync', adapter: null };
const io: DriverSpec = { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null };
const nodeRedis: DriverSpec = { client: 'node-redis', transport: 'unix', api: 'promise', adapter: null };

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('aggregate', () => {
  it('takes the worst round: the highest for latency and CPU, the lowest for throughput (never the best)', () => {
    expect(aggregate([10, 30, 20], true)).toEqual({ median: 20, worst: 30, rounds: 3, of: 3 });
    expect(aggregate([10, 30, 20], false)).toEqual({ median: 20, worst: 10, rounds: 3, of: 3 });
  });
  it('skips failed rounds but counts them, and is null when no round gave a value', () => {
    expect(aggregate([null, 4, 8], true)).toEqual({ median: 6, worst: 8, rounds: 2, of: 3 });
    expect(aggregate([null, null], true)).toBeNull();
  });
});

describe('ratioPerRound', () => {
  it('divides round by round, null where either side is missing or the peer is 0', () => {
    expect(ratioPerRound([2, 6, null, 1], [4, 3, 5, 0])).toEqual([0.5, 2, null, null]);
    expect(ratioPerRound([1, 2], [1])).toEqual([1, null]);
  });
  it('is not the ratio of the medians: each round compares what ran side by side', () => {
    const shm = [1, 2, 3];
    const peer = [3, 1, 2];
    // Per round 1/3, 2, 1.5: in round 2 shm was twice as slow as its peer...
    const per = aggregate(ratioPerRound(shm, peer), true)!;
    expect(per.median).toBe(1.5);
    expect(per.worst).toBe(2);
    // ...which the ratio of the medians, or of the worst rounds, would hide (both 1).
    expect(median(shm) / median(peer)).toBe(1);
    expect(Math.max(...shm) / Math.max(...peer)).toBe(1);
  });
});

describe('roundOrder', () => {
  it('is a permutation in every round, starts with a different configuration each round and alternates direction', () => {
    expect(roundOrder(4, 0)).toEqual([0, 1, 2, 3]);
    expect(roundOrder(4, 1)).toEqual([1, 0, 3, 2]);
    expect(roundOrder(4, 2)).toEqual([2, 3, 0, 1]);
    expect(roundOrder(4, 3)).toEqual([3, 2, 1, 0]);
    for (let r = 0; r < 9; r++) expect([...roundOrder(5, r)].sort()).toEqual([0, 1, 2, 3, 4]);
    const firsts = Array.from({ length: 5 }, (_, r) => roundOrder(5, r)[0]);
    expect(new Set(firsts).size).toBe(5);
    expect(roundOrder(1, 3)).toEqual([0]);
  });
});

describe('rows over rounds', () => {
  const rows: BenchRow[] = [
    makeRow(shmPromise, 'idle', 'ping-seq', { p50: 5, p99: 50, ops: 2e5 }, 1),
    makeRow(io, 'idle', 'ping-seq', { p50: 80, p99: 200, ops: 1.2e4 }, 1),
    makeRow(unixPromise, 'idle', 'ping-seq', { p50: 70, p99: 150, ops: 1.4e4 }, 1),
    makeRow(shmPromise, 'idle', 'ping-seq', { p50: 12, p99: 90, ops: 8e4 }, 2),
    makeRow(io, 'idle', 'ping-seq', { p50: 60, p99: 300, ops: 1.6e4 }, 2),
    makeRow(unixPromise, 'idle', 'ping-seq', { p50: 60, p99: 100, ops: 1.6e4 }, 2),
    makeRow(shmPromise, 'idle', 'ping-seq', { p50: 6, p99: 40, ops: 1.6e5 }, 3),
    makeRow(io, 'idle', 'ping-seq', { p50: 75, p99: 250, ops: 1.3e4 }, 3),
    // unix promise failed in round 3 (no row)
  ];

  it('collects one value per round, null for a round without a row', () => {
    expect(roundsOf(rows)).toEqual([1, 2, 3]);
    expect(cellValues(rows, [1, 2, 3], 'ping-seq', 'redis-shm unix promise busy-poll', 'p50_us')).toEqual([70, 60, null]);
  });

  it('pairs every shm configuration with its socket twin and with ioredis', () => {
    expect(ratioPairs([...rows, makeRow(shmSync, 'idle', 'ping-seq', { p50: 4 }), makeRow(nodeRedis, 'idle', 'ping-seq', { p50: 100 })])).toEqual([
      { shm: 'redis-shm shm promise busy-poll', peer: 'redis-shm unix promise busy-poll' },
      { shm: 'redis-shm shm promise busy-poll', peer: 'ioredis unix promise' },
      { shm: 'redis-shm shm sync', peer: 'ioredis unix promise' }, // no unix sync row present
    ]);
  });

  it('gives the per-round ratio as median and worst: the highest for latency, the lowest for throughput', () => {
    const pair = { shm: 'redis-shm shm promise busy-poll', peer: 'ioredis unix promise' };
    const p50 = pairRatio(rows, [1, 2, 3], 'ping-seq', pair, 'p50_us')!;
    expect(p50.median).toBeCloseTo(0.08, 10); // 5/80, 12/60, 6/75 = 0.0625, 0.2, 0.08
    expect(p50.worst).toBeCloseTo(0.2, 10);
    const ops = pairRatio(rows, [1, 2, 3], 'ping-seq', pair, 'ops_per_sec')!;
    expect(ops.worst).toBeCloseTo(5, 10); // 8e4/1.6e4, the lowest of 16.7, 5, 12.3
    const twin = pairRatio(rows, [1, 2, 3], 'ping-seq', { shm: pair.shm, peer: 'redis-shm unix promise busy-poll' }, 'p50_us')!;
    expect(twin).toMatchObject({ rounds: 2, of: 3 });
  });

  it('medianRows: one row per cell holding the median round, for the charts', () => {
    const m = medianRows(rows);
    expect(m.map((r) => `${r.client} ${r.transport} ${r.round}`)).toEqual(['redis-shm shm 0', 'ioredis unix 0', 'redis-shm unix 0']);
    expect(m[0]).toMatchObject({ p50_us: 6, p99_us: 50, ops_per_sec: 1.6e5, cpu_pct: null });
    expect(m[2]).toMatchObject({ p50_us: 65 });
  });
});

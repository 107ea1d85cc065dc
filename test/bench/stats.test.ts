import { describe, expect, it } from 'vitest';
import { percentile, Samples } from '../../src/bench/stats.js';

describe('Samples', () => {
  it('summarises min, avg, nearest-rank p50/p99, max over many samples', () => {
    const s = new Samples();
    for (let i = 1000; i >= 1; i--) s.add(i); // past the initial capacity, in reverse order
    expect(s.summary()).toEqual({ samples: 1000, min: 1, avg: 500.5, p50: 500, p99: 990, max: 1000 });
    for (let i = 0; i < 10_000; i++) s.add(1);
    expect(s.count).toBe(11_000);
    expect(s.summary().p50).toBe(1);
  });

  it('summarises a window from a given count, and reset forgets everything', () => {
    const s = new Samples();
    [5, 6, 7].forEach((v) => s.add(v));
    const from = s.count;
    [100, 200].forEach((v) => s.add(v));
    expect(s.summary(from)).toMatchObject({ samples: 2, min: 100, max: 200, avg: 150 });
    s.reset();
    const e = s.summary();
    expect(e.samples).toBe(0);
    expect(Number.isNaN(e.avg) && Number.isNaN(e.p99) && Number.isNaN(e.min)).toBe(true);
  });

  it('percentile is NaN on empty input and exact on one value', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
  });
});

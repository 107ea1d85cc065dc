import { describe, expect, it } from 'vitest';
import { BURST_SHAPES, burstFor, burstOnce } from '../../src/bench/burst.js';
import { Samples } from '../../src/bench/stats.js';

const after = (ms: number) => (): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('burst', () => {
  it('has the two shapes of issue 11', () => {
    expect(BURST_SHAPES).toEqual([{ name: 'burst-1ms', gapMs: 1, size: 1 }, { name: 'burst-10x10ms', gapMs: 10, size: 10 }]);
  });

  it('issues the burst together after the gap and times each GET from the issue, not from the gap', async () => {
    const out = new Samples();
    let inFlight = 0;
    let most = 0;
    const get = async (): Promise<void> => { inFlight++; most = Math.max(most, inFlight); await after(3)(); inFlight--; };
    const t0 = performance.now();
    await burstOnce(get, { name: 't', gapMs: 50, size: 10 }, out);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(out.count).toBe(10);
    expect(most).toBe(10);
    expect(out.min).toBeGreaterThanOrEqual(1500); // µs: each waited for its 3 ms reply (timers may fire up to 1 ms early)...
    expect(out.max).toBeLessThan(50_000); // ...but not for the 50 ms gap
  });

  it('repeats bursts for the given time', async () => {
    const out = new Samples();
    await burstFor(after(0), { name: 't', gapMs: 10, size: 2 }, 55, out);
    expect(out.count % 2).toBe(0);
    expect(out.count).toBeGreaterThanOrEqual(6);
    expect(out.count).toBeLessThanOrEqual(12);
  });
});

import { describe, expect, it } from 'vitest';
import { runInterleaved, type ProbeSlot } from '../../src/bench/interleave.js';
import { Samples } from '../../src/bench/stats.js';

// Scheduling only: the probers here are in-process stand-ins with known delays, so the test
// can see which slot ran when. (Real transports are covered by test/cli/latency.test.ts.)
function slot(name: string, ping: () => Promise<void>): ProbeSlot {
  return { name, prober: { name, ping, close: () => {} }, samples: new Samples() };
}
const after = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms));

describe('runInterleaved', () => {
  it('gives every slot turns of about one slice, round-robin', async () => {
    const order: string[] = [];
    const mk = (n: string) => slot(n, async () => { if (order.at(-1) !== n) order.push(n); await after(1)(); });
    const slots = [mk('a'), mk('b'), mk('c')];
    await runInterleaved(slots, { durationMs: 300, sliceMs: 20 });
    expect(order.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(order.length).toBeGreaterThanOrEqual(6);
    for (const s of slots) expect(s.samples.count).toBeGreaterThan(3);
  });

  it('fails a slot whose round trip never returns, and gives the others the rest of the time', async () => {
    const hung = slot('hung', () => new Promise<void>(() => {}));
    const ok = slot('ok', after(1));
    const t0 = Date.now();
    await runInterleaved([hung, ok], { durationMs: 1200, sliceMs: 20, stallMs: 300 });
    expect(hung.failed).toBe('no reply within 0.3 s');
    expect(hung.samples.count).toBe(0);
    expect(ok.failed).toBeUndefined();
    expect(ok.samples.count).toBeGreaterThan(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1100);
  });

  it('records a failing round trip as the slot failure and stops on abort', async () => {
    const bad = slot('bad', () => Promise.reject(new Error('boom')));
    const ctl = new AbortController();
    const ok = slot('ok', async () => { await after(1)(); if (ok.samples.count > 10) ctl.abort(); });
    await runInterleaved([bad, ok], { durationMs: 60_000, sliceMs: 10, signal: ctl.signal });
    expect(bad.failed).toBe('boom');
    expect(ok.samples.count).toBeGreaterThan(10);
  });
});

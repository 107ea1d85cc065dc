// Bounded stress: eight channels with tiny rings and inboxes (4 KiB), each fed a random
// stream of RESP replies (some larger than both) by a peer on the main thread. Every byte
// must arrive exactly once and in order, and whole replies must not be split when they fit.
import { afterEach, describe, expect, it } from 'vitest';
import { Segment } from '../../src/native/segment.js';
import { Spinner } from '../../src/spinner/spinner.js';

const made: Segment[] = [];
afterEach(() => { for (const s of made.splice(0)) { s.unlink(); s.close(); } });

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

function replies(seed: number, total: number): { bytes: Buffer; ends: number[] } {
  const r = rng(seed);
  const parts: Buffer[] = [];
  const ends: number[] = [];
  let n = 0;
  while (n < total) {
    const k = r();
    let p: Buffer;
    if (k < 0.3) p = Buffer.from(`:${Math.floor(r() * 1e9)}\r\n`);
    else if (k < 0.5) p = Buffer.from(`*2\r\n+a\r\n$3\r\nxyz\r\n`);
    else {
      const len = k < 0.95 ? Math.floor(r() * 300) : 4096 + Math.floor(r() * 9000);
      const body = Buffer.alloc(len, 0x61 + (n % 26));
      p = Buffer.concat([Buffer.from(`$${len}\r\n`), body, Buffer.from('\r\n')]);
    }
    parts.push(p);
    n += p.length;
    ends.push(n);
  }
  return { bytes: Buffer.concat(parts), ends };
}

describe('spinner under load', () => {
  it('delivers eight random reply streams exactly through 4 KiB rings and inboxes', async () => {
    const sp = Spinner.get();
    const chans = Array.from({ length: 8 }, (_, i) => {
      const c = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
      const p = Segment.openPeer(c.name);
      made.push(c, p);
      const { bytes, ends } = replies(1000 + i, 300_000);
      const got: Buffer[] = [];
      let gotLen = 0;
      const chunkEnds: number[] = [];
      sp.register(c.id, {
        onData(b) { got.push(Buffer.from(b)); gotLen += b.length; chunkEnds.push(gotLen); },
        onEnd() { throw new Error('unexpected end'); },
      }, 4096);
      return { c, p, bytes, ends, got, chunkEnds, sent: 0, get gotLen() { return gotLen; } };
    });
    const deadline = Date.now() + 20000;
    while (chans.some((ch) => ch.gotLen < ch.bytes.length)) {
      if (Date.now() > deadline) throw new Error(`stalled: ${chans.map((ch) => `${ch.gotLen}/${ch.bytes.length}`).join(' ')}`);
      for (const ch of chans) {
        if (ch.sent < ch.bytes.length) {
          const n = ch.p.write(ch.bytes, ch.sent, Math.min(ch.bytes.length - ch.sent, 1 + Math.floor(Math.random() * 3000)));
          ch.sent += n;
          if (n > 0) ch.p.wakeServer();
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    for (const ch of chans) {
      expect(Buffer.concat(ch.got).equals(ch.bytes)).toBe(true);
      // A chunk may end inside a reply only at the inbox's wrap point (the same drain goes on
      // at offset 0) or when that reply is larger than the inbox.
      const ends = new Set(ch.ends);
      for (const e of ch.chunkEnds) {
        if (ends.has(e) || e % 4096 === 0) continue;
        const next = ch.ends.find((x) => x > e)!;
        const start = [...ch.ends].reverse().find((x) => x < e) ?? 0;
        expect(next - start).toBeGreaterThan(4096);
      }
    }
    await Promise.all(chans.map((ch) => sp.unregister(ch.c.id)));
  }, 30000);
});

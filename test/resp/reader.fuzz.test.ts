// Hostile input: random bytes and mutated valid replies never crash the reader, never
// throw anything but RedisError, and never hold more memory than the bytes fed.
import { describe, expect, it } from 'vitest';
import { RedisError } from '../../src/errors.js';
import { Reader } from '../../src/resp/reader.js';
import { encode, genReply, Rng } from './gen.js';

function run(bytes: Buffer, rng: Rng): { replies: number; failed: boolean } {
  const r = new Reader({ maxDepth: 7 });
  let replies = 0;
  let fed = 0;
  for (let i = 0; i < bytes.length;) {
    const n = 1 + rng.int(64);
    const chunk = bytes.subarray(i, i + n);
    i += n;
    try {
      r.feed(chunk);
      fed += chunk.length;
      for (let x = r.getReply(); x !== undefined; x = r.getReply()) replies++;
    } catch (e) {
      expect(e).toBeInstanceOf(RedisError);
      expect((e as RedisError).code).toBe('ERR_PROTOCOL');
      expect(r.err).toBe(4);
      return { replies, failed: true };
    }
    const internal = (r as unknown as { buf: Buffer }).buf;
    // Capacity doubles at most past what is buffered (plus the minimum allocation).
    expect(internal.length).toBeLessThanOrEqual(Math.max(4096, 2 * (fed + 1)));
  }
  return { replies, failed: false };
}

describe('Reader on hostile input', () => {
  it('random bytes', () => {
    const rng = new Rng(0xdeadbeef);
    let failures = 0;
    for (let round = 0; round < 2000; round++) {
      const len = 1 + rng.int(200);
      const b = rng.bytes(len, false);
      if (run(b, rng).failed) failures++;
    }
    expect(failures).toBeGreaterThan(1500);
  });

  it('random bytes after a valid type byte', () => {
    const rng = new Rng(0x1234abcd);
    const types = Buffer.from('+-:,_#($!=*%~|>');
    for (let round = 0; round < 3000; round++) {
      const b = Buffer.concat([Buffer.from([types[rng.int(types.length)]!]), rng.bytes(1 + rng.int(40), rng.next() < 0.5)]);
      run(b, rng);
    }
  });

  it('valid replies with one byte flipped, dropped or duplicated', () => {
    const rng = new Rng(0x0badf00d);
    let ok = 0;
    for (let round = 0; round < 1500; round++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 3; i++) encode(genReply(rng, 5, true), parts);
      const b = Buffer.concat(parts);
      const at = rng.int(b.length);
      const op = rng.int(3);
      const m = op === 0 ? Buffer.from(b) : op === 1 ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1)])
        : Buffer.concat([b.subarray(0, at + 1), b.subarray(at)]);
      if (op === 0) m[at] = rng.int(256);
      if (!run(m, rng).failed) ok++;
    }
    expect(ok).toBeGreaterThan(0);
  });

  it('a huge announced bulk length does not allocate before the bytes arrive', () => {
    const r = new Reader();
    r.feed(Buffer.from('$2000000000\r\nabc'));
    expect(r.getReply()).toBeUndefined();
    expect((r as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(4096);
    r.feed(Buffer.from('*4000000000\r\n'));
    expect(r.getReply()).toBeUndefined();
  });

  it('a huge announced aggregate does not preallocate', () => {
    const r = new Reader();
    r.feed(Buffer.from('*4000000000\r\n:1\r\n'));
    expect(r.getReply()).toBeUndefined();
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) r.feed(Buffer.from(':1\r\n'));
    expect(r.getReply()).toBeUndefined();
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
  });
});

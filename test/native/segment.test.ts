// The validated Segment wrapper over the addon: creation per docs/protocol.md, ring I/O
// with wrap-around, hostile indices, lifecycle words, and no leftovers in /dev/shm.
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { Segment, SHM_STATE_CLAIMED, SHM_STATE_CLOSED, SHM_STATE_NEW } from '../../src/native/segment.js';
import { RedisError } from '../../src/errors.js';

const open: Segment[] = [];
function track(s: Segment): Segment { open.push(s); return s; }
afterEach(() => { for (const s of open.splice(0)) { try { s.unlink(); } catch { /* closed */ } s.close(); } });

const devShm = (name: string): string => `/dev/shm${name}`;

describe('Segment.create', () => {
  it('creates /redis-shm.<32 hex> mode 0600 with header line 0 as the protocol describes', () => {
    const s = track(Segment.create({ reqCapacity: 8192, repCapacity: 16384 }));
    expect(s.name).toMatch(/^\/redis-shm\.[0-9a-f]{32}$/);
    const st = statSync(devShm(s.name));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(4096 + 8192 + 16384);
    const h = readFileSync(devShm(s.name));
    expect(h.subarray(0, 8).toString('latin1')).toBe('REDISSHM');
    expect(h.readUInt32LE(8)).toBe(1);
    expect(h.readUInt32LE(12)).toBe(4096);
    expect(Number(h.readBigUInt64LE(16))).toBe(8192);
    expect(Number(h.readBigUInt64LE(24))).toBe(16384);
    expect(Number(h.readBigUInt64LE(32))).toBe(4096 + 8192 + 16384);
    expect(h.subarray(40, 56).toString('hex')).toBe(s.tokenHex);
    expect(s.tokenHex).toMatch(/^[0-9a-f]{32}$/);
    expect(h.readUInt32LE(56)).toBe(process.pid);
    expect(h.readUInt32LE(64)).toBe(SHM_STATE_NEW);
    expect(s.state()).toBe(SHM_STATE_NEW);
  });

  it('honours mode 0o660 despite the umask, and gives every segment a fresh name and token', () => {
    const a = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096, mode: 0o660 }));
    const b = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    expect(statSync(devShm(a.name)).mode & 0o777).toBe(0o660);
    expect(a.name).not.toBe(b.name);
    expect(a.tokenHex).not.toBe(b.tokenHex);
    expect(a.id).not.toBe(b.id);
  });

  it('rejects bad capacities and modes with ERR_ARGUMENT', () => {
    for (const [req, rep] of [[1000, 4096], [4096, 2048], [4096, 2 ** 31], [6000, 4096]] as const) {
      expect(() => Segment.create({ reqCapacity: req, repCapacity: rep })).toThrow(RedisError);
    }
    expect(() => Segment.create({ reqCapacity: 4096, repCapacity: 4096, mode: 0o644 as 0o600 }))
      .toThrowError(expect.objectContaining({ code: 'ERR_ARGUMENT' }) as Error);
  });

  it('unlink is idempotent and close removes a name that was never unlinked', () => {
    const s = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
    const name = s.name;
    s.unlink();
    s.unlink();
    expect(existsSync(devShm(name))).toBe(false);
    s.close();
    const t = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
    const n2 = t.name;
    t.close();
    t.close();
    expect(existsSync(devShm(n2))).toBe(false);
    expect(() => t.write(Buffer.from('x'))).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }) as Error);
  });
});

describe('ring I/O through a peer handle', () => {
  it('claims the segment, then streams bytes both ways across the ring end many times', () => {
    const c = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    const p = track(Segment.openPeer(c.name, 77));
    expect(c.state()).toBe(SHM_STATE_CLAIMED);
    expect(c.sessionId()).toBe(77n);
    expect(() => Segment.openPeer(c.name, 78)).toThrowError(expect.objectContaining({ code: 'ERR_SHM_CLOSED' }) as Error);
    const src = Buffer.alloc(100_003);
    for (let i = 0; i < src.length; i++) src[i] = (i * 131 + (i >> 8)) & 0xff;
    const got = Buffer.alloc(src.length);
    let w = 0, r = 0;
    const tmp = Buffer.alloc(3000);
    while (r < src.length) {
      w += c.write(src, w, Math.min(1777, src.length - w));
      const n = p.read(tmp, 0, tmp.length);
      tmp.copy(got, r, 0, n);
      r += n;
      // echo back on REP
      let off = 0;
      while (off < n) off += p.write(tmp, off, n - off) || (c.read(Buffer.alloc(4096)), 0);
    }
    expect(got.equals(src)).toBe(true);
    expect(c.counters().written).toBe(src.length);
  });

  it('write returns 0 when full and read returns 0 when empty; writable/readable track it', () => {
    const c = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    const p = track(Segment.openPeer(c.name));
    expect(c.writable()).toBe(4096);
    expect(c.write(Buffer.alloc(5000, 1))).toBe(4096);
    expect(c.write(Buffer.alloc(10, 1))).toBe(0);
    expect(c.writable()).toBe(0);
    expect(p.readable()).toBe(4096);
    expect(c.read(Buffer.alloc(10))).toBe(0);
    expect(p.read(Buffer.alloc(100))).toBe(100);
    expect(c.writable()).toBe(100);
  });

  it('throws ERR_SHM_CORRUPT for hostile peer indices and never reads past the ring', () => {
    const c = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    const fd = openSync(devShm(c.name), 'r+');
    try {
      const put = (off: number, v: bigint): void => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); writeSync(fd, b, 0, 8, off); };
      put(320, 4097n);  // REP tail: more than a ring's worth
      expect(() => c.readable()).toThrowError(expect.objectContaining({ code: 'ERR_SHM_CORRUPT' }) as Error);
      expect(() => c.read(Buffer.alloc(8192))).toThrowError(expect.objectContaining({ code: 'ERR_SHM_CORRUPT' }) as Error);
      put(320, 10n);
      expect(c.readable()).toBe(10);
      put(320, 5n);     // tail went backwards
      expect(() => c.readable()).toThrowError(expect.objectContaining({ code: 'ERR_SHM_CORRUPT' }) as Error);
      put(128 + 64, 99n); // REQ head past our tail (0)
      expect(() => c.writable()).toThrowError(expect.objectContaining({ code: 'ERR_SHM_CORRUPT' }) as Error);
    } finally { closeSync(fd); }
  });

  it('markClosed writes reason then state, visible to the peer', () => {
    const c = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    const p = track(Segment.openPeer(c.name));
    p.markClosed('server');
    expect(c.state()).toBe(SHM_STATE_CLOSED);
    expect(c.closeReason()).toBe('server');
    c.markClosed('client'); // already closed: first reason stays
    expect(c.closeReason()).toBe('server');
    // waitData on a closed segment returns at once instead of parking
    const t0 = Date.now();
    expect(c.waitData(0, 5e9)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('waitData times out after parkNs and returns readable bytes when present', () => {
    const c = track(Segment.create({ reqCapacity: 4096, repCapacity: 4096 }));
    const p = track(Segment.openPeer(c.name));
    const t0 = process.hrtime.bigint();
    expect(c.waitData(10_000, 20e6)).toBe(0);
    expect(Number(process.hrtime.bigint() - t0)).toBeGreaterThanOrEqual(19e6);
    p.write(Buffer.from('+OK\r\n'));
    expect(c.waitData(0, 1e9)).toBe(5);
    expect(c.waitSpace(4096, 0, 1e6)).toBe(4096);
  });
});

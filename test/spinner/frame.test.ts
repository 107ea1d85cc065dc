// The reply boundary scanner: every fixture fed whole and byte by byte must report the
// same boundaries, exactly at the end of each top-level reply.
import { describe, expect, it } from 'vitest';
import { BoundaryScanner } from '../../src/spinner/frame.js';

const fixtures: Array<[string, string]> = [
  ['status', '+OK\r\n'],
  ['error', '-ERR unknown command\r\n'],
  ['integer', ':-42\r\n'],
  ['bulk', '$5\r\nhello\r\n'],
  ['bulk with CRLF inside', '$6\r\na\r\nb\r\n\r\n'],
  ['null bulk', '$-1\r\n'],
  ['empty bulk', '$0\r\n\r\n'],
  ['null array', '*-1\r\n'],
  ['empty array', '*0\r\n'],
  ['nested array', '*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n'],
  ['RESP3 map', '%2\r\n+a\r\n:1\r\n+b\r\n*2\r\n,1.5\r\n#t\r\n'],
  ['RESP3 set, null, bool, double, bignum', '~4\r\n_\r\n#f\r\n,inf\r\n(12345678901234567890\r\n'],
  ['verbatim and blob error', '*2\r\n=15\r\ntxt:Some string\r\n!21\r\nSYNTAX invalid syntax\r\n'],
  ['push', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
  ['attribute then value', '|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n'],
  ['attribute inside an array', '*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n'],
];

function boundaries(bytes: Buffer, step: number): number[] {
  const s = new BoundaryScanner();
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += step) {
    const end = Math.min(bytes.length, i + step);
    const b = s.scan(bytes, i, end);
    if (b >= 0) out.push(b);
  }
  return out;
}

describe('BoundaryScanner', () => {
  it.each(fixtures)('%s: one boundary at the end, fed whole or byte by byte', (_name, text) => {
    const bytes = Buffer.from(text, 'latin1');
    expect(boundaries(bytes, bytes.length)).toEqual([bytes.length]);
    const bytewise = boundaries(bytes, 1);
    expect(bytewise).toEqual([bytes.length]);
  });

  it('reports the last boundary of several replies in one chunk, and none for a partial reply', () => {
    const all = fixtures.map(([, t]) => t).join('');
    const bytes = Buffer.from(all + '*2\r\n$3\r\nfoo\r\n$3\r\nba', 'latin1');
    const s = new BoundaryScanner();
    expect(s.scan(bytes, 0, bytes.length)).toBe(Buffer.byteLength(all, 'latin1'));
    expect(s.idle).toBe(false);
    const rest = Buffer.from('r\r\n', 'latin1');
    expect(s.scan(rest, 0, rest.length)).toBe(rest.length);
    expect(s.idle).toBe(true);
  });

  it('finds every boundary when the stream is cut at every possible point', () => {
    const parts = fixtures.map(([, t]) => Buffer.from(t, 'latin1'));
    const all = Buffer.concat(parts);
    const ends: number[] = [];
    let acc = 0;
    for (const p of parts) ends.push((acc += p.length));
    for (let cut = 1; cut < all.length; cut++) {
      const s = new BoundaryScanner();
      const seen: number[] = [];
      // feed byte by byte up to the cut, then the rest at once; collect per-byte boundaries
      for (let i = 0; i < cut; i++) { const b = s.scan(all, i, i + 1); if (b >= 0) seen.push(b); }
      const b = s.scan(all, cut, all.length);
      expect(b).toBe(all.length);
      expect(seen).toEqual(ends.filter((e) => e <= cut));
    }
  });

  it('skips a large bulk body by count (works at offsets inside a bigger buffer)', () => {
    const big = Buffer.alloc(5_000_000 + 64, 0x78);
    const head = Buffer.from('$5000000\r\n');
    head.copy(big, 7);
    big.write('\r\n', 7 + head.length + 5_000_000, 'latin1');
    const s = new BoundaryScanner();
    expect(s.scan(big, 7, 7 + head.length + 100)).toBe(-1);
    expect(s.scan(big, 7 + head.length + 100, 7 + head.length + 5_000_002)).toBe(7 + head.length + 5_000_002);
  });

  it('gives up framing on a streamed length or garbage and then treats every chunk as a boundary', () => {
    for (const text of ['$?\r\n;4\r\nabcd\r\n;0\r\n', 'hello\r\n', '*1x\r\n']) {
      const s = new BoundaryScanner();
      const bytes = Buffer.from(text, 'latin1');
      expect(s.scan(bytes, 0, 3)).toBe(3);
      expect(s.lost).toBe(true);
      expect(s.scan(bytes, 3, bytes.length)).toBe(bytes.length);
      expect(s.scan(bytes, 3, 3)).toBe(-1);
    }
  });
});

describe('BoundaryScanner.next (one reply at a time, with its type)', () => {
  it('stops at every top-level reply of a concatenation, fed whole or in pieces, and names its type', () => {
    const all = Buffer.from(fixtures.map(([, f]) => f).join(''));
    const ends: number[] = [];
    let n = 0;
    for (const [, f] of fixtures) { n += Buffer.byteLength(f); ends.push(n); }
    // the attribute fixture's type is the value's after it ('*'), an attribute is not a reply
    const types = fixtures.map(([name, f]) => (name === 'attribute then value' ? '*' : f[0]!));
    for (const step of [all.length, 7, 1]) {
      const s = new BoundaryScanner();
      const got: number[] = [];
      const gotTypes: string[] = [];
      for (let i = 0; i < all.length; i += step) {
        const end = Math.min(all.length, i + step);
        let at = i;
        for (let j = s.next(all, at, end); j >= 0; j = s.next(all, at, end)) {
          got.push(j);
          gotTypes.push(String.fromCharCode(s.topType));
          at = j;
          if (at >= end) break;
        }
      }
      expect(got).toEqual(ends);
      expect(gotTypes).toEqual(types);
    }
  });
});

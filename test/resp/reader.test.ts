import { describe, expect, it } from 'vitest';
import {
  REDIS_REPLY_ARRAY, REDIS_REPLY_ATTR, REDIS_REPLY_BIGNUM, REDIS_REPLY_BOOL, REDIS_REPLY_DOUBLE,
  REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER, REDIS_REPLY_MAP, REDIS_REPLY_NIL, REDIS_REPLY_PUSH,
  REDIS_REPLY_SET, REDIS_REPLY_STATUS, REDIS_REPLY_STRING, REDIS_REPLY_VERB,
} from '../../src/resp/types.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { Reader } from '../../src/resp/reader.js';
import { readAll, SPLITS } from './feed.js';

/** A compact, type-tagged view of a reply for comparisons. */
function view(r: RedisReply): unknown {
  const base: Record<string, unknown> = { t: r.type };
  switch (r.type) {
    case REDIS_REPLY_STRING: case REDIS_REPLY_STATUS: case REDIS_REPLY_ERROR: case REDIS_REPLY_BIGNUM:
      base.s = r.str; base.len = r.len; break;
    case REDIS_REPLY_VERB: base.s = r.str; base.v = r.vtype; break;
    case REDIS_REPLY_INTEGER: case REDIS_REPLY_BOOL: base.i = r.integer; break;
    case REDIS_REPLY_DOUBLE: base.d = r.dval; base.s = r.str; break;
    case REDIS_REPLY_NIL: break;
    default: base.e = r.element!.map(view); expect(r.elements).toBe(r.element!.length);
  }
  if (r.attribute) base.attr = view(r.attribute);
  return base;
}

const S = (s: string): unknown => ({ t: REDIS_REPLY_STRING, s, len: Buffer.byteLength(s) });
const ST = (s: string): unknown => ({ t: REDIS_REPLY_STATUS, s, len: s.length });
const I = (i: number | bigint): unknown => ({ t: REDIS_REPLY_INTEGER, i });
const NIL = { t: REDIS_REPLY_NIL };

const FIXTURES: [string, string, unknown[]][] = [
  ['status', '+OK\r\n', [ST('OK')]],
  ['empty status', '+\r\n', [ST('')]],
  ['error', '-ERR unknown command\r\n', [{ t: REDIS_REPLY_ERROR, s: 'ERR unknown command', len: 19 }]],
  ['integer', ':42\r\n:-7\r\n:0\r\n', [I(42), I(-7), I(0)]],
  ['int64 extremes', ':9223372036854775807\r\n:-9223372036854775808\r\n:9007199254740991\r\n',
    [I(9223372036854775807n), I(-9223372036854775808n), I(9007199254740991)]],
  ['bulk', '$5\r\nhello\r\n', [S('hello')]],
  ['empty bulk', '$0\r\n\r\n', [S('')]],
  ['binary bulk with CRLF inside', '$8\r\na\r\nb\r\n\0c\r\n', [S('a\r\nb\r\n\0c')]],
  ['long bulk (lazy decode)', `$40\r\n${'x'.repeat(40)}\r\n`, [S('x'.repeat(40))]],
  ['nil bulk', '$-1\r\n', [NIL]],
  ['nil array', '*-1\r\n', [NIL]],
  ['array', '*3\r\n$3\r\nfoo\r\n:1\r\n+OK\r\n', [{ t: REDIS_REPLY_ARRAY, e: [S('foo'), I(1), ST('OK')] }]],
  ['empty array', '*0\r\n', [{ t: REDIS_REPLY_ARRAY, e: [] }]],
  ['nested arrays', '*2\r\n*2\r\n:1\r\n*0\r\n*1\r\n$-1\r\n',
    [{ t: REDIS_REPLY_ARRAY, e: [{ t: REDIS_REPLY_ARRAY, e: [I(1), { t: REDIS_REPLY_ARRAY, e: [] }] }, { t: REDIS_REPLY_ARRAY, e: [NIL] }] }]],
  ['resp3 null', '_\r\n', [NIL]],
  ['double', ',3.25\r\n,-1e3\r\n,inf\r\n,-inf\r\n', [
    { t: REDIS_REPLY_DOUBLE, d: 3.25, s: '3.25' }, { t: REDIS_REPLY_DOUBLE, d: -1000, s: '-1e3' },
    { t: REDIS_REPLY_DOUBLE, d: Infinity, s: 'inf' }, { t: REDIS_REPLY_DOUBLE, d: -Infinity, s: '-inf' }]],
  ['bool', '#t\r\n#f\r\n', [{ t: REDIS_REPLY_BOOL, i: 1 }, { t: REDIS_REPLY_BOOL, i: 0 }]],
  ['big number', '(3492890328409238509324850943850943825024385\r\n',
    [{ t: REDIS_REPLY_BIGNUM, s: '3492890328409238509324850943850943825024385', len: 43 }]],
  ['verbatim', '=15\r\ntxt:Some string\r\n', [{ t: REDIS_REPLY_VERB, s: 'Some string', v: 'txt' }]],
  ['blob error', '!21\r\nSYNTAX invalid syntax\r\n', [{ t: REDIS_REPLY_ERROR, s: 'SYNTAX invalid syntax', len: 21 }]],
  ['map', '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n', [{ t: REDIS_REPLY_MAP, e: [ST('first'), I(1), ST('second'), I(2)] }]],
  ['set', '~2\r\n+a\r\n+b\r\n', [{ t: REDIS_REPLY_SET, e: [ST('a'), ST('b')] }]],
  ['push', '>3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n', [{ t: REDIS_REPLY_PUSH, e: [ST('message'), ST('ch'), S('hi')] }]],
  ['attribute before a top-level value', '|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*1\r\n:2039123\r\n', [{
    t: REDIS_REPLY_ARRAY, e: [I(2039123)],
    attr: { t: REDIS_REPLY_ATTR, e: [ST('key-popularity'), { t: REDIS_REPLY_MAP, e: [S('a'), { t: REDIS_REPLY_DOUBLE, d: 0.1923, s: '0.1923' }] }] },
  }]],
  ['attribute inside an array', '*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n', [{
    t: REDIS_REPLY_ARRAY, e: [I(1), { ...(I(2) as object), attr: { t: REDIS_REPLY_ATTR, e: [ST('ttl'), I(3600)] } }],
  }]],
  ['utf8', '$6\r\nh\xc3\xa9llo\r\n', [{ t: REDIS_REPLY_STRING, s: 'héllo', len: 6 }]],
  ['pipeline of mixed replies', '+OK\r\n$-1\r\n:5\r\n*1\r\n$1\r\nx\r\n', [ST('OK'), NIL, I(5), { t: REDIS_REPLY_ARRAY, e: [S('x')] }]],
];

describe('Reader fixtures', () => {
  for (const [name, input, expected] of FIXTURES) {
    for (const split of SPLITS) {
      it(`${name} (${split})`, () => {
        const { replies, reader } = readAll<RedisReply>(input, split);
        expect(replies.map(view)).toEqual(expected);
        expect(reader.err).toBe(0);
        expect(reader.buffered).toBe(0);
      });
    }
  }
});

describe('Reader partial input', () => {
  it('returns undefined until the reply is complete, then the reply', () => {
    const { replies, reader } = readAll<RedisReply>('*2\r\n$3\r\nfoo\r\n$3\r\nba', 'whole');
    expect(replies).toEqual([]);
    expect(reader.getReply()).toBeUndefined();
    reader.feed(Buffer.from('r\r\n'));
    const r = reader.getReply()!;
    expect(r.element!.map((e) => e.str)).toEqual(['foo', 'bar']);
    expect(reader.getReply()).toBeUndefined();
  });

  it('keeps bytes, not views: replies survive later feeds', () => {
    const { replies, reader } = readAll<RedisReply>(`$40\r\n${'a'.repeat(40)}\r\n`, 'whole');
    reader.feed(Buffer.from(`$40\r\n${'b'.repeat(40)}\r\n`));
    replies.push(reader.getReply()!);
    expect(replies.map((r) => r.str)).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
  });

  it('feeds with an explicit length use only that prefix', () => {
    const { reader } = readAll<RedisReply>('', 'whole');
    reader.feed(Buffer.from('+OK\r\nGARBAGE'), 5);
    expect(reader.getReply()!.str).toBe('OK');
    expect(reader.getReply()).toBeUndefined();
  });

  it('streams a large bulk in small pieces', () => {
    const payload = Buffer.alloc(300_000, 0x61);
    payload[1000] = 13; payload[1001] = 10;
    const input = Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
    const { replies } = readAll<RedisReply>(input, 'random', undefined, 7);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.buf!.equals(payload)).toBe(true);
  });
});

describe('Reader limits', () => {
  const nested = (levels: number): string => '*1\r\n'.repeat(levels) + ':1\r\n';
  it('accepts 8 nested aggregates (hiredis: depth 7 below the top level)', () => {
    const { replies } = readAll<RedisReply>(nested(8), 'whole');
    let r = replies[0]!;
    for (let i = 0; i < 8; i++) { expect(r.type).toBe(REDIS_REPLY_ARRAY); r = r.element![0]!; }
    expect(r.integer).toBe(1);
  });

  it('refuses 9 nested aggregates by default, and honours maxDepth', () => {
    const { reader } = readAll<RedisReply>('', 'whole');
    reader.feed(Buffer.from(nested(9)));
    expect(() => reader.getReply()).toThrow(/nested multi bulk replies with depth > 7/);
    expect(reader.err).toBe(4);
    const { replies } = readAll<RedisReply>(nested(20), 'bytes', { maxDepth: 30 });
    expect(replies).toHaveLength(1);
  });

  it('refuses aggregates longer than maxElements', () => {
    const { reader } = readAll<RedisReply>('', 'whole', { maxElements: 3 });
    reader.feed(Buffer.from('*4\r\n'));
    expect(() => reader.getReply()).toThrow(/out of range/);
  });

  it('releases an idle buffer larger than maxBuf and keeps it with maxBuf 0', () => {
    const big = `$100000\r\n${'z'.repeat(100000)}\r\n`;
    for (const maxBuf of [16 * 1024, 0]) {
      const { reader } = readAll<RedisReply>(big, 'whole', { maxBuf });
      const internal = (reader as unknown as { buf: Buffer }).buf;
      if (maxBuf === 0) expect(internal.length).toBeGreaterThan(100000);
      else expect(internal.length).toBeLessThanOrEqual(maxBuf);
    }
  });
});

describe('Reader memory for large bulks', () => {
  it('sizes its buffer for a known bulk length, not the next power of two', () => {
    const n = 3 * 1024 * 1024 + 17;
    const r = new Reader();
    r.feed(Buffer.from(`$${n}\r\n`));
    expect(r.getReply()).toBeUndefined();
    const piece = Buffer.alloc(64 * 1024, 0x78);
    let sent = 0;
    while (sent < n) {
      const k = Math.min(piece.length, n - sent);
      r.feed(piece.subarray(0, k));
      sent += k;
      expect(r.getReply()).toBeUndefined();
    }
    const cap = (r as unknown as { buf: Buffer }).buf.length;
    expect(cap).toBeLessThan(n + 64 * 1024 + 16);
    r.feed(Buffer.from('\r\n'));
    expect(r.getReply()!.len).toBe(n);
  });
});

describe('Reader handover of large bulks', () => {
  it('hands large bulks to the default factory without a copy, and never writes into them again', () => {
    const n = 2 * 1024 * 1024;
    const frame = (fill: number): Buffer => Buffer.concat([Buffer.from(`$${n}\r\n`), Buffer.alloc(n, fill), Buffer.from('\r\n')]);
    for (const split of SPLITS.filter((s) => s !== 'bytes')) {
      const { replies, reader } = readAll<RedisReply>(Buffer.concat([frame(0x61), Buffer.from('+OK\r\n$3\r\nab')]), split);
      expect(replies.map((r) => r.len)).toEqual([n, 2]);
      reader.feed(Buffer.from('c\r\n'));
      reader.feed(frame(0x62));
      const more = [reader.getReply()!, reader.getReply()!];
      expect(more.map((r) => r.len)).toEqual([3, n]);
      expect(replies[0]!.buf!.every((b) => b === 0x61)).toBe(true);
      expect(more[1]!.buf!.every((b) => b === 0x62)).toBe(true);
      expect(more[0]!.str).toBe('abc');
    }
  });

  it('custom factories without keepsLargeStrings always get ranges to copy', () => {
    const seen: boolean[] = [];
    const r = new Reader<number>({
      fn: {
        createString: (t, _b, s, e) => { seen.push(t.stable); return e - s; },
        createArray: () => 0, createInteger: () => 0, createDouble: () => 0, createNil: () => 0, createBool: () => 0,
      },
    });
    r.feed(Buffer.concat([Buffer.from('$2000000\r\n'), Buffer.alloc(2_000_000), Buffer.from('\r\n')]));
    expect(r.getReply()).toBe(2_000_000);
    expect(seen).toEqual([false]);
  });
});

import { describe, expect, it } from 'vitest';
import { RedisError, REDIS_ERR_OOM, REDIS_ERR_PROTOCOL } from '../../src/errors.js';
import { Reader, redisReaderCreate, redisReaderFeed, redisReaderGetReply, redisReaderFree, type ReplyOut } from '../../src/resp/reader.js';
import { REDIS_ERR, REDIS_OK } from '../../src/resp/types.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { SPLITS, readAll } from './feed.js';

const BAD: [string, string, RegExp][] = [
  ['unknown type byte', '@foo\r\n', /got "@" as reply type byte/],
  ['integer with letters', ':12a\r\n', /Bad integer value/],
  ['integer with leading zero', ':012\r\n', /Bad integer value/],
  ['integer beyond int64', ':9223372036854775808\r\n', /Bad integer value/],
  ['empty integer', ':\r\n', /Bad integer value/],
  ['bulk length < -1', '$-2\r\n', /Bad bulk string length/],
  ['bulk length not a number', '$x\r\n', /Bad bulk string length/],
  ['bulk without terminator', '$3\r\nfooXY', /terminator/],
  ['multibulk length < -1', '*-5\r\n', /Bad multi-bulk length/],
  ['bool other than t/f', '#x\r\n', /Bad bool value/],
  ['nil with payload', '_x\r\n', /Bad nil value/],
  ['double garbage', ',1.2.3\r\n', /Bad double value/],
  ['big number garbage', '(12a\r\n', /Bad bignum value/],
  ['verbatim without type prefix', '=3\r\nabc\r\n', /Verbatim string/],
  ['CR without LF', '+OK\rX\n', /CR not followed by LF/],
  ['endless length line', `*${'1'.repeat(100)}`, /line too long/],
  ['bad element inside an array', '*2\r\n:1\r\n?\r\n', /reply type byte/],
];

describe('Reader protocol errors', () => {
  for (const [name, input, msg] of BAD) {
    for (const split of SPLITS) {
      it(`${name} (${split})`, () => {
        let caught: unknown;
        let reader: Reader<RedisReply> | undefined;
        try { readAll<RedisReply>(input, split); } catch (e) { caught = e; }
        expect(caught).toBeInstanceOf(RedisError);
        expect((caught as RedisError).code).toBe('ERR_PROTOCOL');
        expect((caught as RedisError).message).toMatch(msg);
        reader = new Reader<RedisReply>();
        reader.feed(Buffer.from(input, 'latin1'));
        expect(() => reader!.getReply()).toThrow(RedisError);
        expect(reader.err).toBe(REDIS_ERR_PROTOCOL);
        expect(reader.errstr).toMatch(msg);
        // Sticky: refuses further input and further reads.
        expect(() => reader!.feed(Buffer.from('+OK\r\n'))).toThrow(RedisError);
        expect(() => reader!.getReply()).toThrow(RedisError);
      });
    }
  }
});

describe('Reader out of memory', () => {
  it('a bulk longer than the largest Buffer is REDIS_ERR_OOM (ERR_OOM), before any byte of it', () => {
    for (const len of ['9007199254740993', '9223372036854775807']) {
      const r = new Reader();
      r.feed(Buffer.from(`$${len}\r\n`));
      let caught: unknown;
      try { r.getReply(); } catch (e) { caught = e; }
      expect((caught as RedisError).code).toBe('ERR_OOM');
      expect(r.err).toBe(REDIS_ERR_OOM);
      expect(r.errstr).toMatch(/Out of memory/);
    }
  });
});

describe('hiredis-named reader functions', () => {
  it('create / feed / get reply / free', () => {
    const r = redisReaderCreate();
    const out: ReplyOut<RedisReply> = { reply: undefined };
    expect(redisReaderFeed(r, '*2\r\n+a\r\n')).toBe(REDIS_OK);
    expect(redisReaderGetReply(r, out)).toBe(REDIS_OK);
    expect(out.reply).toBeUndefined();
    expect(redisReaderFeed(r, Buffer.from(':1\r\n'))).toBe(REDIS_OK);
    expect(redisReaderGetReply(r, out)).toBe(REDIS_OK);
    expect(out.reply!.element!.map((e) => e.str ?? e.integer)).toEqual(['a', 1]);
    redisReaderFree(r);
    expect(redisReaderFeed(r, '+again\r\n')).toBe(REDIS_OK);
    expect(redisReaderGetReply(r, out)).toBe(REDIS_OK);
    expect(out.reply!.str).toBe('again');
  });

  it('returns REDIS_ERR with err/errstr set on a protocol error, and keeps refusing', () => {
    const r = redisReaderCreate();
    const out: ReplyOut<RedisReply> = { reply: undefined };
    redisReaderFeed(r, '*1\r\n^\r\n');
    expect(redisReaderGetReply(r, out)).toBe(REDIS_ERR);
    expect(r.err).toBe(REDIS_ERR_PROTOCOL);
    expect(r.errstr).toMatch(/reply type byte/);
    expect(redisReaderFeed(r, '+OK\r\n')).toBe(REDIS_ERR);
    expect(redisReaderGetReply(r, out)).toBe(REDIS_ERR);
  });
});

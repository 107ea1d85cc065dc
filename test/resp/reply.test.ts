import { describe, expect, it } from 'vitest';
import { Reader, redisReaderCreateWithFunctions } from '../../src/resp/reader.js';
import { createReplyFunctions, type RedisReply } from '../../src/resp/reply.js';
import {
  REDIS_REPLY_ARRAY, REDIS_REPLY_ATTR, REDIS_REPLY_ERROR, REDIS_REPLY_MAP, REDIS_REPLY_PUSH, REDIS_REPLY_SET,
  REDIS_REPLY_STATUS, REDIS_REPLY_STRING, REDIS_REPLY_VERB, REDIS_REPLY_BIGNUM,
  type ReadTask, type ReplyObjectFunctions,
} from '../../src/resp/types.js';
import { SPLITS, readAll } from './feed.js';

type JsValue = string | number | bigint | boolean | null | Error | JsValue[] | Map<JsValue, JsValue> | Set<JsValue>;

// A binding-style factory: plain JS values, attached to the parent as hiredis bindings do.
function jsFunctions(log: string[]): ReplyObjectFunctions<JsValue> {
  const pendingKey = new WeakMap<object, { key?: JsValue; has: boolean }>();
  const put = (task: ReadTask, v: JsValue): JsValue => {
    const p = task.parent;
    if (p === null) return v;
    const parent = p.obj as JsValue;
    if (parent instanceof Map) {
      const st = pendingKey.get(parent)!;
      if (!st.has) { st.key = v; st.has = true; } else { parent.set(st.key!, v); st.has = false; }
    } else if (parent instanceof Set) parent.add(v);
    else (parent as JsValue[])[task.idx] = v;
    return v;
  };
  return {
    createString(task, buf, s, e) {
      const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', s, e);
      log.push(`str:${task.type}`);
      if (task.type === REDIS_REPLY_ERROR) return put(task, new Error(text));
      if (task.type === REDIS_REPLY_BIGNUM) return put(task, BigInt(text));
      if (task.type === REDIS_REPLY_VERB) return put(task, text.slice(4));
      expect([REDIS_REPLY_STRING, REDIS_REPLY_STATUS]).toContain(task.type);
      return put(task, text);
    },
    createArray(task, n) {
      log.push(`arr:${task.type}:${n}`);
      let v: JsValue;
      if (task.type === REDIS_REPLY_MAP || task.type === REDIS_REPLY_ATTR) { v = new Map(); pendingKey.set(v, { has: false }); }
      else if (task.type === REDIS_REPLY_SET) v = new Set();
      else { expect([REDIS_REPLY_ARRAY, REDIS_REPLY_PUSH]).toContain(task.type); v = new Array<JsValue>(n); }
      return put(task, v);
    },
    createInteger: (task, v) => put(task, v),
    createDouble: (task, v) => put(task, v),
    createNil: (task) => put(task, null),
    createBool: (task, v) => put(task, v),
  };
}

describe('custom reply factory (redisReplyObjectFunctions)', () => {
  for (const split of SPLITS) {
    it(`builds the binding's own objects (${split})`, () => {
      const log: string[] = [];
      const input = '%2\r\n+a\r\n*2\r\n:1\r\n#t\r\n$1\r\nb\r\n~2\r\n,1.5\r\n_\r\n-ERR x\r\n(123456789012345678901234567890\r\n=7\r\ntxt:abc\r\n';
      const { replies } = readAll<JsValue>(input, split, { fn: jsFunctions(log) });
      expect(replies[0]).toEqual(new Map<JsValue, JsValue>([['a', [1, true]], ['b', new Set([1.5, null])]]));
      expect(replies[1]).toBeInstanceOf(Error);
      expect((replies[1] as Error).message).toBe('ERR x');
      expect(replies[2]).toBe(123456789012345678901234567890n);
      expect(replies[3]).toBe('abc');
      expect(log[0]).toBe(`arr:${REDIS_REPLY_MAP}:4`);
    });
  }

  it('redisReaderCreateWithFunctions accepts null as a reply object', () => {
    const r = redisReaderCreateWithFunctions(jsFunctions([]));
    r.feed(Buffer.from('$-1\r\n:3\r\n'));
    expect(r.getReply()).toBeNull();
    expect(r.getReply()).toBe(3);
    expect(r.getReply()).toBeUndefined();
  });

  it('calls freeObject on a partial reply when parsing fails', () => {
    const freed: unknown[] = [];
    const fn = { ...createReplyFunctions(), freeObject: (o: RedisReply) => { freed.push(o); } };
    const r = new Reader<RedisReply>({ fn });
    r.feed(Buffer.from('*2\r\n:1\r\n@'));
    expect(() => r.getReply()).toThrow();
    expect(freed).toHaveLength(1);
    expect((freed[0] as RedisReply).type).toBe(REDIS_REPLY_ARRAY);
  });

  it('a throwing factory leaves the reader in a sticky error, and the exception propagates', () => {
    const fn = { ...createReplyFunctions(), createInteger: () => { throw new Error('boom'); } };
    const r = new Reader<RedisReply>({ fn });
    r.feed(Buffer.from(':1\r\n'));
    expect(() => r.getReply()).toThrow('boom');
    expect(r.err).not.toBe(0);
    expect(() => r.getReply()).toThrow();
  });
});

describe('RedisReply strings', () => {
  it('latin1 option decodes bytes one to one; buf gives the raw bytes', () => {
    const r = new Reader({ encoding: 'latin1' });
    r.feed(Buffer.from([0x24, 0x32, 13, 10, 0xc3, 0xa9, 13, 10]));
    const x = r.getReply()!;
    expect(x.str).toBe('\u00c3\u00a9');
    expect([...x.buf!]).toEqual([0xc3, 0xa9]);
    expect(x.len).toBe(2);
  });
});

describe('RedisReply bytes', () => {
  it('short non-UTF-8 values keep their exact bytes', () => {
    const r = new Reader();
    r.feed(Buffer.from([0x24, 0x33, 13, 10, 0xff, 0x00, 0xc3, 13, 10, 0x2b, 0x61, 13, 10]));
    const x = r.getReply()!;
    expect([...x.buf!]).toEqual([0xff, 0x00, 0xc3]);
    expect(x.str).toBe(Buffer.from([0xff, 0x00, 0xc3]).toString('utf8'));
    const y = r.getReply()!;
    expect(y.str).toBe('a');
    expect([...y.buf!]).toEqual([0x61]);
  });
});

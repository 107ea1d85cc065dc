// redisReply -> JS values, for every RESP2/RESP3 type, parsed by the real Reader.
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/resp/reader.js';
import { toValue } from '../../src/client/reply.js';
import { ReplyError } from '../../src/errors.js';

function parse(bytes: string): ReturnType<Reader['getReply']> {
  const r = new Reader();
  r.feed(Buffer.from(bytes, 'latin1'));
  return r.getReply();
}

describe('toValue', () => {
  it.each([
    ['+OK\r\n', 'OK'],
    ['$5\r\nhello\r\n', 'hello'],
    ['$-1\r\n', null],
    ['_\r\n', null],
    [':42\r\n', 42],
    [':9007199254740993\r\n', 9007199254740993n],
    [',3.25\r\n', 3.25],
    [',inf\r\n', Infinity],
    ['#t\r\n', true],
    ['#f\r\n', false],
    ['(12345678901234567890\r\n', '12345678901234567890'],
    ['=8\r\ntxt:abcd\r\n', 'abcd'],
    ['*2\r\n$1\r\na\r\n:1\r\n', ['a', 1]],
    ['~2\r\n+x\r\n+y\r\n', ['x', 'y']],
    ['>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n', ['message', 'ch', 'm']],
  ] as const)('%j', (bytes, want) => {
    expect(toValue(parse(bytes)!, false)).toEqual(want);
  });

  it('maps become Map, nested values converted', () => {
    const v = toValue(parse('%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n#t\r\n')!, false);
    expect(v).toEqual(new Map<unknown, unknown>([['a', 1], ['b', [true]]]));
  });

  it('errors become ReplyError values (top level and nested, e.g. in EXEC)', () => {
    const e = toValue(parse('-WRONGTYPE Operation against a key\r\n')!, false);
    expect(e).toBeInstanceOf(ReplyError);
    expect((e as ReplyError).code).toBe('WRONGTYPE');
    const arr = toValue(parse('*2\r\n+OK\r\n-ERR bad\r\n')!, false) as unknown[];
    expect(arr[0]).toBe('OK');
    expect(arr[1]).toBeInstanceOf(ReplyError);
  });

  it('buffers: bulk strings keep their exact bytes; statuses stay strings', () => {
    expect(toValue(parse('$3\r\n\x00\xff\x80\r\n')!, true)).toEqual(Buffer.from([0, 0xff, 0x80]));
    expect(toValue(parse('+OK\r\n')!, true)).toBe('OK');
  });
});

import { describe, expect, it } from 'vitest';
import { RedisError } from '../../src/errors.js';
import { formatCommand, formatToArgv, redisFormatCommand } from '../../src/format/printf.js';

const argv = (fmt: string, ...args: Parameters<typeof formatToArgv>[1]): string[] =>
  formatToArgv(fmt, args).map((b) => b.toString('latin1'));

describe('formatToArgv (redisFormatCommand splitting)', () => {
  it('splits on spaces, collapsing runs and ignoring edges', () => {
    expect(argv('  SET   foo  bar ')).toEqual(['SET', 'foo', 'bar']);
  });

  it('%s interpolates without splitting, also inside an argument', () => {
    expect(argv('SET key:%s %s', 'a b', 'hello world')).toEqual(['SET', 'key:a b', 'hello world']);
    expect(argv('SET %s%s %s', 'a', 'b', 42)).toEqual(['SET', 'ab', '42']);
  });

  it('an empty interpolated value is still an argument', () => {
    expect(argv('SET %s %s', 'k', '')).toEqual(['SET', 'k', '']);
  });

  it('%b is binary safe; lengths are taken when every %b has one', () => {
    const bin = Buffer.from([0, 13, 10, 32, 255]);
    expect(formatToArgv('SET %b %b', [bin, new Uint8Array([1, 2, 3])])[1]!.equals(bin)).toBe(true);
    const withLen = formatToArgv('SET k%b %b', [bin, 2, Buffer.from('xyz'), 1]);
    expect(withLen.map((b) => [...b])).toEqual([[83, 69, 84], [0x6b, 0, 13], [0x78]]);
    expect(() => formatToArgv('SET %b %b', [bin, 2, bin])).toThrow(RedisError);
    expect(() => formatToArgv('SET %b', [bin, 6])).toThrow(/length after %b/);
  });

  it('%% is a literal percent', () => {
    expect(argv('SET %%k %d%%', 5)).toEqual(['SET', '%k', '5%']);
  });

  it('integer conversions with flags, width, precision and length modifiers', () => {
    expect(argv('X %d %i %u %lld %llu %ld %qd', -5, 7, 8, 9007199254740993n, -1, 2 ** 40, 3)).toEqual(
      ['X', '-5', '7', '8', '9007199254740993', '18446744073709551615', '1099511627776', '3']);
    expect(argv('X %5d|%-5d|%05d|%+d|% d|%.3d', 42, 42, -42, 42, 42, 7)).toEqual(['X', '   42|42   |-0042|+42| 42|007']);
    expect(argv('X %x %X %#x %o %#o %hhd %hd %hhu', 255, 255, 255, 8, 8, 300, 70000, -1)).toEqual(
      ['X', 'ff', 'FF', '0xff', '10', '010', '44', '4464', '255']);
  });

  it('float conversions', () => {
    expect(argv('X %f %.2f %e %g %g %g %G %.3g', 1.5, 0.125, 12345.678, 0.0001, 1e-5, 123456789, 1e-10, 3.14159)).toEqual(
      ['X', '1.500000', '0.12', '1.234568e+04', '0.0001', '1e-05', '1.23457e+08', '1E-10', '3.14']);
    expect(argv('X %f %f %f %.0f %#.0f', Infinity, -Infinity, NaN, 2.5, 3)).toEqual(['X', 'inf', '-inf', 'nan', '2', '3.']);
    expect(argv('X %f %e', -0, 1e300)[2]).toBe('1.000000e+300');
    expect(argv('X %f', -0)[1]).toBe('-0.000000');
    expect(argv('X %.1f', 1e22)[1]).toBe('10000000000000000000000.0');
  });

  it('bad formats throw RedisError ERR_FORMAT', () => {
    const cases: [string, unknown[]][] = [
      ['GET %', []], ['GET %y', [1]], ['GET %s', []], ['GET %s', ['a', 'b']], ['GET %d', ['x']],
      ['GET %d', [1.5]], ['GET %f', ['1']], ['GET %s', [null]], ['GET %b', [42]], ['GET %5s', ['a']],
      ['GET %lf', [1]], ['   ', []], ['GET %.2000f', [1]],
    ];
    for (const [fmt, args] of cases) {
      let err: unknown;
      try { formatToArgv(fmt, args as never); } catch (e) { err = e; }
      expect(err, fmt).toBeInstanceOf(RedisError);
      expect((err as RedisError).code, fmt).toBe('ERR_FORMAT');
    }
  });

  it('formatCommand encodes to RESP; non-ASCII literal text is utf8', () => {
    expect(formatCommand('SET %s é', 'k').toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xc3\xa9\r\n');
    expect(redisFormatCommand('PING').toString()).toBe('*1\r\n$4\r\nPING\r\n');
  });
});

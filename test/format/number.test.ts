// Differential test of the number conversions against the C library's printf (coreutils
// printf(1), which formats with glibc). Doubles are passed as exact hex floats, so its
// long double parsing sees exactly the value we format.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatToArgv } from '../../src/format/printf.js';

/** A double as an exact hexadecimal float literal (m * 2^e), which strtold reads exactly. */
function hexFloat(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, Math.abs(v));
  const hi = dv.getUint32(0);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(dv.getUint32(4));
  if (exp !== 0) m |= 1n << 52n;
  return `${v < 0 ? '-' : ''}0x${m.toString(16)}p${exp === 0 ? -1074 : exp - 1075}`;
}

function cPrintf(spec: string, values: (number | bigint)[]): string[] {
  const text = values.map((v) => (typeof v === 'number' && !Number.isInteger(v) || (typeof v === 'number' && Math.abs(v) > 2 ** 53) ? hexFloat(v) : String(v)));
  const out = execFileSync('/usr/bin/printf', [`${spec}\\n`, ...text], { encoding: 'utf8' });
  return out.split('\n').slice(0, values.length);
}
const ours = (spec: string, values: (number | bigint)[]): string[] => values.map((v) => formatToArgv(`X ${spec}`, [v])[1]!.toString());

const INTS: (number | bigint)[] = [0, 1, -1, 7, -42, 255, 65536, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2n ** 63n), 2n ** 63n - 1n];
const INT_SPECS = ['%d', '%i', '%u', '%x', '%X', '%o', '%#x', '%#o', '%5d', '%-6d|', '%06d', '%+d', '% d', '%.3d', '%.0d', '%8.3x', '%-+8.2i|'];
const FLOATS = [0, 1, -1, 0.5, 0.125, 2.5, 3.25, -0.375, 1234.0625, 123456789.125, 1e22, 2 ** -20, 2 ** 70, 5e-324, 1.7976931348623157e308, 0.0009765625,
  0.1, 1 / 3, -2.675, 1e-5, 123.456, 0.0001, 99999.95, 9.9999995, 1e15 + 0.3];
const FLOAT_SPECS = ['%f', '%.2f', '%.0f', '%e', '%.3e', '%E', '%g', '%G', '%.3g', '%.10g', '%#g', '%10.2f', '%-12e|', '%+g', '%012.4f', '%.17g'];

describe('integer conversions match C printf', () => {
  for (const spec of INT_SPECS) {
    it(spec, () => { expect(ours(spec, INTS)).toEqual(cPrintf(spec, INTS)); });
  }
});

describe('float conversions match C printf', () => {
  for (const spec of FLOAT_SPECS) {
    it(spec, () => { expect(ours(spec, FLOATS)).toEqual(cPrintf(spec, FLOATS)); });
  }
});

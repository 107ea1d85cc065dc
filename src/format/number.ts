// C printf number conversions (d i u o x X, f F e E g G) with flags, width, precision and
// length modifiers, as redisFormatCommand accepts them.
import { RedisError } from '../errors.js';

export interface Spec {
  flags: string;
  width: number;
  /** -1 when absent. */
  precision: number;
  /** '', 'hh', 'h', 'l', 'll', 'q'. */
  length: string;
  conv: string;
}

function bad(msg: string): RedisError {
  return new RedisError('ERR_FORMAT', msg);
}

function pad(sign: string, prefix: string, body: string, spec: Spec, zeroOk: boolean): string {
  const len = sign.length + prefix.length + body.length;
  if (len >= spec.width) return sign + prefix + body;
  const fill = spec.width - len;
  if (spec.flags.includes('-')) return sign + prefix + body + ' '.repeat(fill);
  if (zeroOk && spec.flags.includes('0')) return sign + prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + sign + prefix + body;
}

const BITS: Record<string, number> = { hh: 8, h: 16, '': 64, l: 64, ll: 64, q: 64 };

/** Integer conversions. Without a length modifier values are taken as 64-bit (JS has no `int`). */
export function formatInteger(value: unknown, spec: Spec): string {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
  else if (typeof value === 'boolean') v = value ? 1n : 0n;
  else throw bad(`%${spec.conv} needs an integer, got ${typeof value === 'number' ? value : typeof value}`);
  const bits = BITS[spec.length]!;
  const signed = spec.conv === 'd' || spec.conv === 'i';
  v = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const base = spec.conv === 'o' ? 8 : spec.conv === 'x' || spec.conv === 'X' ? 16 : 10;
  let body = spec.precision === 0 && mag === 0n ? '' : mag.toString(base);
  if (spec.conv === 'X') body = body.toUpperCase();
  if (spec.precision > body.length) body = '0'.repeat(spec.precision - body.length) + body;
  let prefix = '';
  if (spec.flags.includes('#')) {
    if (spec.conv === 'o' && !body.startsWith('0')) body = '0' + body;
    else if (spec.conv === 'x' && mag !== 0n) prefix = '0x';
    else if (spec.conv === 'X' && mag !== 0n) prefix = '0X';
  }
  const sign = neg ? '-' : signed && spec.flags.includes('+') ? '+' : signed && spec.flags.includes(' ') ? ' ' : '';
  return pad(sign, prefix, body, spec, spec.precision < 0);
}

// Exact decimal conversion of doubles, rounding ties to even as glibc's printf does
// (toFixed/toExponential round ties away from zero, so 0.125 would print as 0.13).

/** The double `mag` (finite, >= 0) as the exact fraction num/den. */
function toFraction(mag: number): [bigint, bigint] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, mag);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else { m |= 1n << 52n; e = exp - 1075; }
  return e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
}

function divRoundEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

const TEN = 10n;

function fixed(mag: number, prec: number): string {
  const [num, den] = toFraction(mag);
  const q = divRoundEven(num * TEN ** BigInt(prec), den);
  if (prec === 0) return q.toString();
  const s = q.toString().padStart(prec + 1, '0');
  return s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec);
}

/** [digits of the rounded significand (prec + 1 of them), decimal exponent]. */
function expParts(mag: number, prec: number): [string, number] {
  if (mag === 0) return ['0'.repeat(prec + 1), 0];
  const [num, den] = toFraction(mag);
  let x = Math.floor(Math.log10(mag));
  // Fix the estimate so that 10^x <= mag < 10^(x+1) holds exactly.
  const le = (k: number): boolean => (k >= 0 ? den * TEN ** BigInt(k) <= num : den <= num * TEN ** BigInt(-k));
  while (!le(x)) x--;
  while (le(x + 1)) x++;
  const shift = prec - x;
  let n = shift >= 0 ? divRoundEven(num * TEN ** BigInt(shift), den) : divRoundEven(num, den * TEN ** BigInt(-shift));
  if (n === TEN ** BigInt(prec + 1)) { n /= TEN; x++; }
  return [n.toString(), x];
}

function expo(mag: number, prec: number): string {
  const [d, x] = expParts(mag, prec);
  const ax = Math.abs(x);
  return d[0] + (prec > 0 ? '.' + d.slice(1) : '') + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
}

/** Floating point conversions. */
export function formatFloat(value: unknown, spec: Spec): string {
  let v: number;
  if (typeof value === 'number') v = value;
  else if (typeof value === 'bigint') v = Number(value);
  else throw bad(`%${spec.conv} needs a number, got ${typeof value}`);
  const upper = spec.conv === 'F' || spec.conv === 'E' || spec.conv === 'G';
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? '-' : spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '';
  const mag = Math.abs(v);
  if (!Number.isFinite(mag)) {
    const t = Number.isNaN(mag) ? 'nan' : 'inf';
    return pad(sign, '', upper ? t.toUpperCase() : t, spec, false);
  }
  let prec = spec.precision < 0 ? 6 : spec.precision;
  if (prec > 1100) throw bad(`precision ${prec} is too large (max 1100)`);
  const alt = spec.flags.includes('#');
  let body: string;
  const c = spec.conv.toLowerCase();
  if (c === 'f') {
    body = fixed(mag, prec);
    if (alt && prec === 0) body += '.';
  } else if (c === 'e') {
    body = expo(mag, prec);
    if (alt && prec === 0) body = body.replace('e', '.e');
  } else {
    if (prec === 0) prec = 1;
    const x = expParts(mag, prec - 1)[1];
    body = prec > x && x >= -4 ? fixed(mag, prec - 1 - x) : expo(mag, prec - 1);
    if (!alt) {
      const e = body.indexOf('e');
      let m = e < 0 ? body : body.slice(0, e);
      const tail = e < 0 ? '' : body.slice(e);
      if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
      body = m + tail;
    }
  }
  if (upper) body = body.toUpperCase();
  return pad(sign, '', body, spec, true);
}

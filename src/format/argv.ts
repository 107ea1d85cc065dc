// Commands as argument vectors encoded as RESP multibulk (hiredis redisFormatCommandArgv).
import { RedisError } from '../errors.js';

/** One command argument. Numbers are sent as their decimal text. */
export type CommandArg = string | Buffer | Uint8Array | number | bigint;

const CRLF_LEN = 2;

function digits(n: number): number {
  let d = 1;
  while (n >= 10) { n = Math.floor(n / 10); d++; }
  return d;
}

function argText(a: number | bigint): string {
  if (typeof a === 'number' && !Number.isFinite(a)) {
    throw new RedisError('ERR_ARGUMENT', `command argument ${a} is not a finite number`);
  }
  return String(a);
}

/** Short ASCII strings are measured and copied in JS: cheaper than Buffer's native calls. */
const SHORT = 32;

function asciiLength(s: string): number {
  if (s.length > SHORT) return -1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1;
  return s.length;
}

function writeDecimal(out: Buffer, p: number, n: number): number {
  const end = p + digits(n);
  let q = end;
  do { out[--q] = 48 + (n % 10); n = Math.floor(n / 10); } while (n > 0);
  return end;
}

/**
 * Encode `argv` as one RESP multibulk request. `argvlen`, when given, caps each argument to
 * that many bytes (hiredis's argvlen). Returns a Buffer that may come from Node's pool.
 */
export function formatArgv(argv: readonly CommandArg[], argvlen?: readonly number[]): Buffer {
  const n = argv.length;
  if (n === 0) throw new RedisError('ERR_ARGUMENT', 'a command needs at least one argument');
  // Pass 1: sizes. `ascii` marks strings copied byte by byte in pass 2.
  const lens = new Array<number>(n);
  const norm = new Array<string | Uint8Array>(n);
  const ascii = new Array<boolean>(n);
  let total = 1 + digits(n) + CRLF_LEN;
  for (let i = 0; i < n; i++) {
    let a = argv[i]!;
    if (typeof a === 'number' || typeof a === 'bigint') a = argText(a);
    let len: number;
    let isAscii = false;
    if (typeof a === 'string') {
      len = asciiLength(a);
      isAscii = len >= 0;
      if (!isAscii) len = Buffer.byteLength(a);
    } else if (a instanceof Uint8Array) len = a.byteLength;
    else throw new RedisError('ERR_ARGUMENT', `command argument ${i} has unsupported type ${a === null ? 'null' : typeof a}`);
    const cap = argvlen?.[i];
    if (cap !== undefined) {
      if (!Number.isInteger(cap) || cap < 0 || cap > len) {
        throw new RedisError('ERR_ARGUMENT', `argvlen[${i}] = ${cap} is not a length within argument ${i} (${len} bytes)`);
      }
      if (cap < len) {
        a = typeof a === 'string' ? Buffer.from(a).subarray(0, cap) : a.subarray(0, cap);
        len = cap;
        isAscii = false;
      }
    }
    norm[i] = a;
    lens[i] = len;
    ascii[i] = isAscii;
    total += 1 + digits(len) + CRLF_LEN + len + CRLF_LEN;
  }
  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  out[0] = 0x2a; // '*'
  let p = writeDecimal(out, 1, n);
  out[p++] = 13;
  out[p++] = 10;
  for (let i = 0; i < n; i++) {
    const a = norm[i]!;
    const len = lens[i]!;
    out[p++] = 0x24; // '$'
    p = writeDecimal(out, p, len);
    out[p++] = 13;
    out[p++] = 10;
    if (typeof a !== 'string') { out.set(a, p); p += len; }
    else if (ascii[i]) { for (let j = 0; j < len; j++) out[p + j] = a.charCodeAt(j); p += len; }
    else p += out.write(a, p, 'utf8');
    out[p++] = 13;
    out[p++] = 10;
  }
  return out;
}

/** hiredis redisFormatCommandArgv. */
export function redisFormatCommandArgv(argc: number, argv: readonly CommandArg[], argvlen?: readonly number[]): Buffer {
  if (argc !== argv.length) throw new RedisError('ERR_ARGUMENT', `argc ${argc} does not match ${argv.length} arguments`);
  return formatArgv(argv, argvlen);
}

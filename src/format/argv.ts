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

/**
 * Encode `argv` as one RESP multibulk request. `argvlen`, when given, caps each argument to
 * that many bytes (hiredis's argvlen). Returns a Buffer that may come from Node's pool.
 */
export function formatArgv(argv: readonly CommandArg[], argvlen?: readonly number[]): Buffer {
  const n = argv.length;
  if (n === 0) throw new RedisError('ERR_ARGUMENT', 'a command needs at least one argument');
  // Pass 1: sizes. Strings are measured once and written by Buffer.write in pass 2.
  const lens = new Array<number>(n);
  const norm = new Array<string | Uint8Array>(n);
  let total = 1 + digits(n) + CRLF_LEN;
  for (let i = 0; i < n; i++) {
    let a = argv[i]!;
    if (typeof a === 'number' || typeof a === 'bigint') a = argText(a);
    let len: number;
    if (typeof a === 'string') len = Buffer.byteLength(a);
    else if (a instanceof Uint8Array) len = a.byteLength;
    else throw new RedisError('ERR_ARGUMENT', `command argument ${i} has unsupported type ${a === null ? 'null' : typeof a}`);
    const cap = argvlen?.[i];
    if (cap !== undefined) {
      if (!Number.isInteger(cap) || cap < 0 || cap > len) {
        throw new RedisError('ERR_ARGUMENT', `argvlen[${i}] = ${cap} is not a length within argument ${i} (${len} bytes)`);
      }
      if (cap < len) {
        a = typeof a === 'string' ? Buffer.from(a).subarray(0, cap) : a.subarray(0, cap);
        len = cap;
      }
    }
    norm[i] = a;
    lens[i] = len;
    total += 1 + digits(len) + CRLF_LEN + len + CRLF_LEN;
  }
  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  let p = out.write(`*${n}\r\n`, 0, 'latin1');
  for (let i = 0; i < n; i++) {
    const a = norm[i]!;
    const len = lens[i]!;
    p += out.write(`$${len}\r\n`, p, 'latin1');
    if (typeof a === 'string') p += out.write(a, p, 'utf8');
    else { out.set(a, p); p += len; }
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

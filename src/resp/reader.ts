// The reply parsing API (hiredis read.h): a RESP2/RESP3 stream parser with no I/O.
// Feed it bytes in any split; take whole replies out. It keeps where it stopped (one task
// per nesting level, like hiredis's rstack), so a reply arriving in pieces is never re-parsed
// from its start: only the unfinished line or bulk is looked at again.
import { constants as bufferConstants } from 'node:buffer';
import { RedisError, REDIS_ERR_OOM, REDIS_ERR_PROTOCOL, REDIS_ERR_OTHER } from '../errors.js';
import { defaultReplyFunctions, createReplyFunctions, type RedisReply, type StringEncoding } from './reply.js';
import {
  REDIS_ERR, REDIS_OK, REDIS_READER_MAX_ARRAY_ELEMENTS, REDIS_READER_MAX_BUF, REDIS_READER_MAX_DEPTH,
  REDIS_REPLY_ARRAY, REDIS_REPLY_ATTR, REDIS_REPLY_BIGNUM, REDIS_REPLY_BOOL, REDIS_REPLY_DOUBLE,
  REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER, REDIS_REPLY_MAP, REDIS_REPLY_NIL, REDIS_REPLY_PUSH,
  REDIS_REPLY_SET, REDIS_REPLY_STATUS, REDIS_REPLY_STRING, REDIS_REPLY_VERB,
  type ReadTask, type ReplyObjectFunctions,
} from './types.js';

export interface ReaderOptions<T> {
  /** Reply factory (hiredis redisReplyObjectFunctions); default builds RedisReply objects. */
  fn?: ReplyObjectFunctions<T>;
  /** Encoding of `str` in the default factory (ignored with `fn`). */
  encoding?: StringEncoding;
  /** Aggregates may nest this many levels below the top-level one (hiredis: 7). */
  maxDepth?: number;
  /** An empty input buffer larger than this is released; 0 keeps it forever (hiredis maxbuf). */
  maxBuf?: number;
  /** Largest aggregate length accepted (hiredis maxelements). */
  maxElements?: number;
}

// Byte -> reply type; 0 for bytes that cannot start a reply.
const TYPE = new Uint8Array(256);
TYPE[0x2b /* + */] = REDIS_REPLY_STATUS;
TYPE[0x2d /* - */] = REDIS_REPLY_ERROR;
TYPE[0x3a /* : */] = REDIS_REPLY_INTEGER;
TYPE[0x2c /* , */] = REDIS_REPLY_DOUBLE;
TYPE[0x5f /* _ */] = REDIS_REPLY_NIL;
TYPE[0x23 /* # */] = REDIS_REPLY_BOOL;
TYPE[0x28 /* ( */] = REDIS_REPLY_BIGNUM;
TYPE[0x24 /* $ */] = REDIS_REPLY_STRING;
TYPE[0x21 /* ! */] = REDIS_REPLY_ERROR;
TYPE[0x3d /* = */] = REDIS_REPLY_VERB;
TYPE[0x2a /* * */] = REDIS_REPLY_ARRAY;
TYPE[0x25 /* % */] = REDIS_REPLY_MAP;
TYPE[0x7e /* ~ */] = REDIS_REPLY_SET;
TYPE[0x7c /* | */] = REDIS_REPLY_ATTR;
TYPE[0x3e /* > */] = REDIS_REPLY_PUSH;

const CR = 13;
const LF = 10;
/** Length lines (`$`, `*`, `:`, ...) longer than this without CRLF are garbage, not slow data. */
const MAX_NUMBER_LINE = 64;
const MAX_DOUBLE_LINE = 512;
const MIN_BUF = 4096;
/** The largest bulk a Buffer can hold (with its CRLF and the sentinel). */
const MAX_BULK = bufferConstants.MAX_LENGTH - 3;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const EMPTY = Buffer.alloc(1);

interface Task extends ReadTask {
  /** The type byte, 0 until it has been read. */
  code: number;
  /** Bulk length once its header line was consumed, else -1. */
  blen: number;
  /** This task is building a RESP3 attribute that precedes the slot's real value. */
  isAttr: boolean;
}

function newTask(): Task {
  return { type: -1, elements: -1, idx: 0, obj: null, parent: null, privdata: undefined, attribute: undefined, stable: false, code: 0, blen: -1, isAttr: false };
}

/** Bulks at least this large are handed over rather than copied (see keepsLargeStrings). */
const HANDOVER_MIN = 1024 * 1024;

/** Thrown internally to unwind a parse; turned into the reader's sticky error. */
class Fail extends Error {
  constructor(message: string, readonly err = REDIS_ERR_PROTOCOL) {
    super(message);
  }
}

/** hiredis redisReader. `getReply()` returns the next reply, or undefined when more bytes are needed. */
export class Reader<T = RedisReply> {
  /** 0, or REDIS_ERR_PROTOCOL / REDIS_ERR_OTHER once the reader failed (sticky). */
  err = 0;
  errstr = '';
  readonly fn: ReplyObjectFunctions<T>;
  maxdepth: number;
  maxbuf: number;
  maxelements: number;
  /** Free for the user (hiredis privdata). */
  privdata: unknown = undefined;

  // Unparsed bytes are buf[pos..len). buf[len] always holds a CR sentinel, so a line scan
  // stops at the end of the data without a bound check.
  private buf: Buffer = EMPTY;
  private pos = 0;
  private len = 0;
  /** Where the search for the current line's CR resumes. */
  private scan = 0;
  private readonly tasks: Task[] = [newTask()];
  private ridx = -1;
  private reply: T | undefined = undefined;

  constructor(opts: ReaderOptions<T> = {}) {
    this.fn = opts.fn ?? (opts.encoding ? createReplyFunctions({ encoding: opts.encoding }) : defaultReplyFunctions) as unknown as ReplyObjectFunctions<T>;
    this.maxdepth = opts.maxDepth ?? REDIS_READER_MAX_DEPTH;
    this.maxbuf = opts.maxBuf ?? REDIS_READER_MAX_BUF;
    this.maxelements = opts.maxElements ?? REDIS_READER_MAX_ARRAY_ELEMENTS;
    EMPTY[0] = CR;
  }

  /** Bytes fed but not yet consumed by a returned reply. */
  get buffered(): number {
    return this.len - this.pos;
  }

  /** Append bytes (copied). Throws RedisError ERR_PROTOCOL once the reader has failed. */
  feed(data: Uint8Array, length: number = data.length): void {
    if (this.err) throw this.error();
    if (length <= 0) return;
    if (length > data.length) throw new RedisError('ERR_ARGUMENT', `feed length ${length} exceeds the ${data.length} bytes given`);
    if (this.pos === this.len) {
      this.scan -= this.pos;
      this.pos = this.len = 0;
    }
    const need = this.len + length + 1; // +1: the sentinel
    if (need > this.buf.length) this.makeRoom(need);
    this.buf.set(length === data.length ? data : data.subarray(0, length), this.len);
    this.len += length;
    this.buf[this.len] = CR;
  }

  private makeRoom(need: number): void {
    const live = this.len - this.pos;
    const liveNeed = need - this.pos;
    if (this.pos > 0 && liveNeed <= this.buf.length && this.pos >= (this.buf.length >>> 1)) {
      // Enough space once the consumed prefix is dropped.
      this.buf.copyWithin(0, this.pos, this.len);
    } else {
      let cap = Math.max(MIN_BUF, this.buf.length);
      while (cap < liveNeed) cap *= 2;
      // Inside a bulk of known length, growth (still driven by bytes that arrived, so a
      // bluffed length costs nothing) stops at exactly that bulk: a 512 MB value must not
      // take a 1 GB buffer.
      const t = this.ridx >= 0 ? this.tasks[this.ridx]! : undefined;
      if (t !== undefined && t.blen >= 0) cap = Math.min(cap, Math.max(t.blen + 3, liveNeed)); // body, CRLF, sentinel
      cap = Math.min(cap, bufferConstants.MAX_LENGTH);
      if (cap < liveNeed) {
        this.setError(REDIS_ERR_OOM, `Out of memory: ${liveNeed} unparsed bytes exceed the largest Buffer`);
        throw this.error();
      }
      const nb = Buffer.allocUnsafeSlow(cap);
      this.buf.copy(nb, 0, this.pos, this.len);
      this.buf = nb;
    }
    this.scan -= this.pos;
    this.pos = 0;
    this.len = live;
  }

  /**
   * The next complete reply, or undefined when more bytes are needed. On malformed input
   * the reader sets `err`/`errstr` (REDIS_ERR_PROTOCOL), drops its buffer, and throws a
   * RedisError ERR_PROTOCOL now and on every later call.
   */
  getReply(): T | undefined {
    if (this.err) throw this.error();
    if (this.ridx < 0) {
      if (this.pos === this.len) { this.release(); return undefined; }
      const t = this.tasks[0]!;
      t.code = 0; t.type = -1; t.elements = -1; t.idx = 0; t.obj = null; t.parent = null;
      t.blen = -1; t.isAttr = false; t.attribute = undefined;
      this.ridx = 0;
      this.scan = this.pos;
    }
    try {
      while (this.ridx >= 0) {
        if (!this.processItem()) return undefined;
      }
    } catch (e) {
      if (e instanceof Fail) {
        this.setError(e.err, e.message);
        throw this.error();
      }
      // An exception from a user factory: the reader's state is undefined now.
      this.setError(REDIS_ERR_OTHER, `reply factory threw: ${(e as Error)?.message ?? String(e)}`);
      throw e;
    }
    const r = this.reply as T;
    this.reply = undefined;
    if (this.pos === this.len) this.release();
    return r;
  }

  /** Drop everything (hiredis redisReaderFree). The reader can be fed again afterwards. */
  free(): void {
    this.discardPartial();
    this.buf = EMPTY;
    this.pos = this.len = this.scan = 0;
    this.err = 0;
    this.errstr = '';
  }

  private error(): RedisError {
    const code = this.err === REDIS_ERR_PROTOCOL ? 'ERR_PROTOCOL' : this.err === REDIS_ERR_OOM ? 'ERR_OOM' : 'ERR_OTHER';
    return new RedisError(code, this.errstr);
  }

  private setError(code: number, msg: string): void {
    this.discardPartial();
    this.err = code;
    this.errstr = msg;
    this.buf = EMPTY;
    this.pos = this.len = this.scan = 0;
  }

  private discardPartial(): void {
    if (this.ridx >= 0 && this.reply !== undefined && this.fn.freeObject) this.fn.freeObject(this.reply);
    this.reply = undefined;
    this.ridx = -1;
  }

  private release(): void {
    this.pos = this.len = this.scan = 0;
    if (this.maxbuf !== 0 && this.buf.length > this.maxbuf) this.buf = EMPTY;
  }

  private processItem(): boolean {
    const t = this.tasks[this.ridx]!;
    let code = t.code;
    if (code === 0) {
      if (this.pos >= this.len) return false;
      code = this.buf[this.pos]!;
      const type = TYPE[code]!;
      if (type === 0) throw new Fail(`Protocol error, got ${JSON.stringify(String.fromCharCode(code))} as reply type byte`);
      t.code = code;
      t.type = type;
      this.pos++;
      this.scan = this.pos;
    }
    switch (code) {
      case 0x24: case 0x21: case 0x3d: return this.processBulk(t);
      case 0x2a: case 0x25: case 0x7e: case 0x7c: case 0x3e: return this.processAggregate(t);
      default: return this.processLine(t);
    }
  }

  /** Index of the CR ending the current line, or -1 when the line is not complete yet. */
  private findLine(limit: number): number {
    const buf = this.buf;
    // A byte loop beats Buffer#indexOf's native call for the short lines RESP is made of,
    // and needs no bound check: buf[len] is a CR sentinel.
    let i = this.scan;
    while (buf[i] !== CR) i++;
    if (i >= this.len - 1) {
      // Only the sentinel (or a CR that is the last byte so far): need more bytes.
      this.scan = i;
      if (this.len - this.pos > limit) throw new Fail('Protocol error: line too long');
      return -1;
    }
    if (buf[i + 1] !== LF) throw new Fail('Protocol error: CR not followed by LF');
    return i;
  }

  private processLine(t: Task): boolean {
    const code = t.code;
    const start = this.pos;
    const limit = code === 0x3a || code === 0x5f || code === 0x23 ? MAX_NUMBER_LINE
      : code === 0x2c ? MAX_DOUBLE_LINE : Infinity;
    const end = this.findLine(limit);
    if (end < 0) return false;
    const buf = this.buf;
    let obj: T;
    switch (code) {
      case 0x3a: {
        const v = this.parseInteger(start, end);
        if (v === null) throw new Fail('Bad integer value');
        obj = this.fn.createInteger(t, v);
        break;
      }
      case 0x2c: {
        const text = buf.toString('latin1', start, end);
        let d: number;
        const lower = text.toLowerCase();
        if (lower === 'inf' || lower === '+inf') d = Infinity;
        else if (lower === '-inf') d = -Infinity;
        else if (lower === 'nan' || lower === '-nan') d = NaN;
        else if (DOUBLE_RE.test(text)) d = Number(text);
        else throw new Fail('Bad double value');
        obj = this.fn.createDouble(t, d, buf, start, end);
        break;
      }
      case 0x5f:
        if (end !== start) throw new Fail('Bad nil value');
        obj = this.fn.createNil(t);
        break;
      case 0x23: {
        const b = buf[start];
        if (end - start !== 1 || (b !== 0x74 && b !== 0x66)) throw new Fail('Bad bool value');
        obj = this.fn.createBool(t, b === 0x74);
        break;
      }
      case 0x28: {
        let i = start;
        if (buf[i] === 0x2d || buf[i] === 0x2b) i++;
        if (i === end) throw new Fail('Bad bignum value');
        for (; i < end; i++) {
          const c = buf[i]!;
          if (c < 0x30 || c > 0x39) throw new Fail('Bad bignum value');
        }
        obj = this.fn.createString(t, buf, start, end);
        break;
      }
      default:
        obj = this.fn.createString(t, buf, start, end);
    }
    this.pos = end + 2;
    this.scan = this.pos;
    this.created(t, obj);
    this.moveToNextTask();
    return true;
  }

  private processBulk(t: Task): boolean {
    if (t.blen < 0) {
      const start = this.pos;
      const end = this.findLine(MAX_NUMBER_LINE);
      if (end < 0) return false;
      const n = this.parseInteger(start, end);
      if (n === null || n < -1) throw new Fail('Bad bulk string length');
      if (typeof n === 'bigint' || n > MAX_BULK) throw new Fail(`Out of memory: a ${n}-byte bulk string exceeds the largest Buffer`, REDIS_ERR_OOM);
      this.pos = end + 2;
      this.scan = this.pos;
      if (n === -1) {
        if (t.code !== 0x24) throw new Fail('Bad bulk string length');
        this.created(t, this.fn.createNil(t));
        this.moveToNextTask();
        return true;
      }
      t.blen = n;
    }
    const n = t.blen;
    if (this.len - this.pos < n + 2) return false;
    const buf = this.buf;
    const s = this.pos;
    const e = s + n;
    if (buf[e] !== CR || buf[e + 1] !== LF) throw new Fail('Bad bulk string terminator');
    if (t.code === 0x3d && (n < 4 || buf[s + 3] !== 0x3a)) {
      throw new Fail('Verbatim string 4 bytes of content type are missing or incorrectly encoded.');
    }
    const handover = n >= HANDOVER_MIN && this.fn.keepsLargeStrings === true;
    t.stable = handover;
    const obj = this.fn.createString(t, buf, s, e);
    t.stable = false;
    this.pos = e + 2;
    this.scan = this.pos;
    if (handover) this.detachBuffer();
    this.created(t, obj);
    this.moveToNextTask();
    return true;
  }

  /** The factory kept a view of the buffer: continue in a new one with the unparsed bytes. */
  private detachBuffer(): void {
    const live = this.len - this.pos;
    const nb = Buffer.allocUnsafeSlow(Math.max(MIN_BUF, live + 1));
    this.buf.copy(nb, 0, this.pos, this.len);
    this.buf = nb;
    this.scan -= this.pos;
    this.pos = 0;
    this.len = live;
    nb[live] = CR;
  }

  private processAggregate(t: Task): boolean {
    const start = this.pos;
    const end = this.findLine(MAX_NUMBER_LINE);
    if (end < 0) return false;
    const n = this.parseInteger(start, end);
    if (n === null || typeof n === 'bigint' || n < -1) throw new Fail('Bad multi-bulk length');
    if (n > this.maxelements) throw new Fail('Multi-bulk length out of range');
    this.pos = end + 2;
    this.scan = this.pos;
    if (n === -1) {
      if (t.code === 0x7c) throw new Fail('Bad multi-bulk length');
      this.created(t, this.fn.createNil(t));
      this.moveToNextTask();
      return true;
    }
    if (this.ridx > this.maxdepth) {
      throw new Fail(`No support for nested multi bulk replies with depth > ${this.maxdepth}`);
    }
    const elements = t.code === 0x25 || t.code === 0x7c ? n * 2 : n;
    if (t.code === 0x7c) {
      // An attribute is built on its own and then handed to the value that follows it.
      t.isAttr = true;
      t.parent = null;
    }
    t.elements = elements;
    const obj = this.fn.createArray(t, elements);
    this.created(t, obj);
    if (elements === 0) {
      this.moveToNextTask();
      return true;
    }
    const ci = this.ridx + 1;
    let c = this.tasks[ci];
    if (c === undefined) { c = newTask(); this.tasks[ci] = c; }
    c.code = 0; c.type = -1; c.elements = -1; c.idx = 0; c.obj = null; c.parent = t;
    c.blen = -1; c.isAttr = false; c.attribute = undefined;
    this.ridx = ci;
    return true;
  }

  private created(t: Task, obj: T): void {
    if (obj === undefined) throw new Error('reply factory returned undefined');
    t.obj = obj;
    if (this.ridx === 0 && !t.isAttr) this.reply = obj;
  }

  private moveToNextTask(): void {
    for (;;) {
      const t = this.tasks[this.ridx]!;
      if (t.isAttr) {
        // The attribute is done; the same slot still waits for its value.
        t.attribute = t.obj;
        t.code = 0; t.type = -1; t.elements = -1; t.obj = null; t.blen = -1; t.isAttr = false;
        t.parent = this.ridx > 0 ? this.tasks[this.ridx - 1]! : null;
        return;
      }
      if (this.ridx === 0) { this.ridx = -1; return; }
      const p = this.tasks[this.ridx - 1]!;
      if (t.idx === p.elements - 1) { this.ridx--; continue; }
      t.idx++;
      t.code = 0; t.type = -1; t.elements = -1; t.obj = null; t.blen = -1; t.attribute = undefined;
      return;
    }
  }

  /** A signed decimal that fits in 64 bits (hiredis string2ll rules: no '+', no leading zeros), else null. */
  private parseInteger(start: number, end: number): number | bigint | null {
    const buf = this.buf;
    let i = start;
    let neg = false;
    if (buf[i] === 0x2d) { neg = true; i++; }
    const digits = end - i;
    if (digits <= 0 || digits > 19) return null;
    if (buf[i] === 0x30 && (digits > 1 || neg)) return null;
    if (digits <= 15) {
      let v = 0;
      for (; i < end; i++) {
        const d = buf[i]! - 0x30;
        if (d < 0 || d > 9) return null;
        v = v * 10 + d;
      }
      return neg ? -v : v;
    }
    for (let j = i; j < end; j++) {
      const d = buf[j]! - 0x30;
      if (d < 0 || d > 9) return null;
    }
    const b = BigInt(buf.toString('latin1', start, end));
    if (b < INT64_MIN || b > INT64_MAX) return null;
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
}

// ---- hiredis-named functions ------------------------------------------------------------

/** hiredis redisReaderCreate. */
export function redisReaderCreate(opts?: ReaderOptions<RedisReply>): Reader<RedisReply> {
  return new Reader<RedisReply>(opts);
}

/** hiredis redisReaderCreateWithFunctions. */
export function redisReaderCreateWithFunctions<T>(fn: ReplyObjectFunctions<T>): Reader<T> {
  return new Reader<T>({ fn });
}

/** hiredis redisReaderFeed: REDIS_OK, or REDIS_ERR when the reader has failed. */
export function redisReaderFeed<T>(r: Reader<T>, buf: Uint8Array | string, len?: number): number {
  if (r.err) return REDIS_ERR;
  const bytes = typeof buf === 'string' ? Buffer.from(buf, 'latin1') : buf;
  r.feed(bytes, len ?? bytes.length);
  return REDIS_OK;
}

/** Out-parameter of redisReaderGetReply (C's `void **reply`). */
export interface ReplyOut<T> {
  reply?: T | undefined;
}

/** hiredis redisReaderGetReply: REDIS_OK with `out.reply` set (undefined: need more), or REDIS_ERR. */
export function redisReaderGetReply<T>(r: Reader<T>, out?: ReplyOut<T>): number {
  try {
    const reply = r.getReply();
    if (out) out.reply = reply;
    return REDIS_OK;
  } catch (e) {
    if (out) out.reply = undefined;
    if (r.err) return REDIS_ERR;
    throw e;
  }
}

/** hiredis redisReaderFree. */
export function redisReaderFree<T>(r: Reader<T>): void {
  r.free();
}

// The default reply objects (hiredis redisReply) and the factory that builds them.
import {
  REDIS_REPLY_ARRAY, REDIS_REPLY_BOOL, REDIS_REPLY_DOUBLE, REDIS_REPLY_INTEGER, REDIS_REPLY_MAP,
  REDIS_REPLY_NIL, REDIS_REPLY_VERB,
  type ReadTask, type ReplyObjectFunctions,
} from './types.js';

export type StringEncoding = 'utf8' | 'latin1';

/**
 * hiredis redisReply. Fields as in C: `type`, `str`/`len` for string types (len is bytes),
 * `integer` (INTEGER, BOOL: 1/0), `dval` (DOUBLE), `elements`/`element` (aggregates; maps
 * hold keys and values alternately), `vtype` (VERB). Bulk strings keep their bytes (`buf`)
 * and decode `str` on first access; `attribute` holds a preceding RESP3 attribute.
 */
export class RedisReply {
  type: number;
  integer: number | bigint = 0;
  dval = 0;
  len = 0;
  elements = 0;
  element: RedisReply[] | null = null;
  vtype = '';
  attribute: RedisReply | undefined = undefined;
  /** @internal */ _buf: Buffer | null = null;
  /** @internal */ _str: string | null = null;
  /** @internal */ _enc: StringEncoding = 'utf8';

  constructor(type: number) {
    this.type = type;
  }

  /** The string value (STRING, STATUS, ERROR, DOUBLE, BIGNUM, VERB), else null. */
  get str(): string | null {
    if (this._str === null && this._buf !== null) this._str = this._buf.toString(this._enc);
    return this._str;
  }

  /** The raw bytes of a string value, else null. */
  get buf(): Buffer | null {
    if (this._buf === null && this._str !== null) this._buf = Buffer.from(this._str, this._enc);
    return this._buf;
  }
}

/** hiredis freeReplyObject: replies are garbage collected; kept for ported code. */
export function freeReplyObject(_reply: unknown): void { /* nothing to do */ }

export interface ReplyFactoryOptions {
  /** How `str` decodes bytes (default utf8). */
  encoding?: StringEncoding;
}

function attach(task: ReadTask, r: RedisReply): RedisReply {
  const a = task.attribute;
  if (a !== undefined) r.attribute = a as RedisReply;
  const p = task.parent;
  if (p !== null) (p.obj as RedisReply).element![task.idx] = r;
  return r;
}

const LAZY_MIN = 32;

function isAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return false;
  return true;
}

declare module 'node:buffer' {
  interface Buffer {
    /** Undocumented but stable since Node 0.x: latin1 decode without argument checks. */
    latin1Slice(start: number, end: number): string;
  }
}

/** Builds the default reply factory (hiredis defaultFunctions). */
export function createReplyFunctions(opts: ReplyFactoryOptions = {}): ReplyObjectFunctions<RedisReply> {
  const enc: StringEncoding = opts.encoding ?? 'utf8';
  return {
    createString(task, buf, start, end) {
      const r = new RedisReply(task.type);
      r._enc = enc;
      const b = buf as Buffer;
      if (task.type === REDIS_REPLY_VERB) {
        r.vtype = b.toString('latin1', start, start + 3);
        start += 4;
      }
      r.len = end - start;
      // Short ASCII text (statuses, most keys and small values) becomes a string now, which
      // is cheaper than a copy and a decode later and loses nothing. Anything else keeps a
      // copy of its bytes (binary safe) and decodes on first access.
      if (r.len < LAZY_MIN && isAscii(b, start, end)) r._str = b.latin1Slice(start, end);
      else if (task.stable) r._buf = b.subarray(start, end); // the reader handed this range over
      else r._buf = Buffer.from(b.subarray(start, end));
      return attach(task, r);
    },
    createArray(task, elements) {
      const r = new RedisReply(task.type);
      r.elements = elements;
      // Never trust a peer's count for an allocation: slots fill as children arrive.
      r.element = elements <= 1024 ? new Array<RedisReply>(elements) : [];
      return attach(task, r);
    },
    createInteger(task, value) {
      const r = new RedisReply(REDIS_REPLY_INTEGER);
      r.integer = value;
      return attach(task, r);
    },
    createDouble(task, value, buf, start, end) {
      const r = new RedisReply(REDIS_REPLY_DOUBLE);
      r.dval = value;
      r._str = (buf as Buffer).toString('latin1', start, end);
      r.len = end - start;
      return attach(task, r);
    },
    createNil(task) {
      return attach(task, new RedisReply(REDIS_REPLY_NIL));
    },
    createBool(task, value) {
      const r = new RedisReply(REDIS_REPLY_BOOL);
      r.integer = value ? 1 : 0;
      return attach(task, r);
    },
    keepsLargeStrings: true,
  };
}

export const defaultReplyFunctions: ReplyObjectFunctions<RedisReply> = createReplyFunctions();

/** True for the aggregate types (ARRAY, MAP, SET, ATTR, PUSH). */
export function isAggregate(type: number): boolean {
  return type === REDIS_REPLY_ARRAY || (type >= REDIS_REPLY_MAP && type <= 12);
}

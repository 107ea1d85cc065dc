// Reply type codes, status codes and the reply-factory contract of the reply parsing API.
// Numerically identical to hiredis (read.h / hiredis.h) so code ported from C reads the same.

export const REDIS_OK = 0;
export const REDIS_ERR = -1;

export const REDIS_REPLY_STRING = 1;
export const REDIS_REPLY_ARRAY = 2;
export const REDIS_REPLY_INTEGER = 3;
export const REDIS_REPLY_NIL = 4;
export const REDIS_REPLY_STATUS = 5;
export const REDIS_REPLY_ERROR = 6;
export const REDIS_REPLY_DOUBLE = 7;
export const REDIS_REPLY_BOOL = 8;
export const REDIS_REPLY_MAP = 9;
export const REDIS_REPLY_SET = 10;
export const REDIS_REPLY_ATTR = 11;
export const REDIS_REPLY_PUSH = 12;
export const REDIS_REPLY_BIGNUM = 13;
export const REDIS_REPLY_VERB = 14;

/** hiredis REDIS_READER_MAX_BUF: an idle input buffer larger than this is released. */
export const REDIS_READER_MAX_BUF = 16 * 1024;
/** hiredis REDIS_READER_MAX_ARRAY_ELEMENTS. */
export const REDIS_READER_MAX_ARRAY_ELEMENTS = 0xffffffff;
/** hiredis's fixed nesting limit: aggregates may nest 7 levels below the top-level one. */
export const REDIS_READER_MAX_DEPTH = 7;

/**
 * hiredis redisReadTask: where the object being built sits. Passed to every factory call;
 * the task object is reused by the reader, so it is only valid during the call.
 */
export interface ReadTask {
  /** REDIS_REPLY_* of the object being created. */
  type: number;
  /** For an aggregate task: number of children still to come in total (maps count keys and values). */
  elements: number;
  /** Index of this object inside its parent (0 for a top-level reply). */
  idx: number;
  /** The object created for this task (set by the reader after the create call). */
  obj: unknown;
  /** The enclosing aggregate's task, or null for a top-level reply (and for an attribute). */
  parent: ReadTask | null;
  /** Free for the factory's use (hiredis privdata). */
  privdata: unknown;
  /** A RESP3 attribute (`|`) that preceded this value, already built by the factory, or undefined. */
  attribute: unknown;
  /**
   * True when createString's byte range will never be written again by the reader, so the
   * factory may keep a view of it instead of a copy (the reader does this for large bulks
   * when the factory sets `keepsLargeStrings`).
   */
  stable: boolean;
}

/**
 * hiredis redisReplyObjectFunctions. Each create function builds one object and, as in
 * hiredis, attaches it to `task.parent.obj` at `task.idx` when there is a parent.
 * Objects must not be `undefined` (undefined means "no reply yet").
 *
 * Strings arrive as a byte range of the reader's buffer: copy or decode it during the call.
 */
export interface ReplyObjectFunctions<T> {
  /** STRING, STATUS, ERROR (also blob errors), BIGNUM and VERB (bytes include the `xxx:` prefix). */
  createString(task: ReadTask, buf: Uint8Array, start: number, end: number): T;
  /** ARRAY, MAP, SET, ATTR, PUSH; `elements` counts keys and values separately for maps. */
  createArray(task: ReadTask, elements: number): T;
  /** The value is a number when it is a safe integer, a bigint otherwise. */
  createInteger(task: ReadTask, value: number | bigint): T;
  /** RESP3 double; `buf[start..end)` is its text as sent. */
  createDouble(task: ReadTask, value: number, buf: Uint8Array, start: number, end: number): T;
  createNil(task: ReadTask): T;
  createBool(task: ReadTask, value: boolean): T;
  /** Called on a partially built reply when the reader fails or is freed. Optional. */
  freeObject?(obj: T): void;
  /**
   * Set when createString keeps a view of large stable ranges (`task.stable`): the reader then
   * hands over its buffer for bulks of 1 MiB or more instead of having them copied.
   */
  keepsLargeStrings?: boolean;
}

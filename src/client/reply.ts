// redisReply -> plain JavaScript values, as the promise client resolves them.
import { ReplyError } from '../errors.js';
import type { RedisReply } from '../resp/reply.js';
import {
  REDIS_REPLY_ARRAY, REDIS_REPLY_ATTR, REDIS_REPLY_BIGNUM, REDIS_REPLY_BOOL, REDIS_REPLY_DOUBLE, REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER, REDIS_REPLY_MAP, REDIS_REPLY_NIL, REDIS_REPLY_PUSH, REDIS_REPLY_SET, REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING, REDIS_REPLY_VERB,
} from '../resp/types.js';

/** What a reply becomes. Errors nested in arrays (EXEC, pipelines) stay ReplyError values. */
export type ReplyValue =
  | string | Buffer | number | bigint | boolean | null | ReplyError
  | ReplyValue[] | Map<ReplyValue, ReplyValue>;

/**
 * Strings (bulk, status, verbatim, big numbers) are `string`, or `Buffer` for bulk strings
 * with `buffers`; integers are numbers (bigint beyond 2^53); RESP3 maps are Map, sets and
 * pushes arrays, doubles numbers, booleans booleans, nil null.
 */
export function toValue(r: RedisReply, buffers: boolean): ReplyValue {
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_VERB: return buffers ? r.buf! : r.str!;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_BIGNUM: return r.str!;
    case REDIS_REPLY_ERROR: return new ReplyError(r.str ?? '');
    case REDIS_REPLY_INTEGER: return r.integer;
    case REDIS_REPLY_DOUBLE: return r.dval;
    case REDIS_REPLY_BOOL: return r.integer === 1;
    case REDIS_REPLY_NIL: return null;
    case REDIS_REPLY_MAP:
    case REDIS_REPLY_ATTR: {
      const m = new Map<ReplyValue, ReplyValue>();
      const e = r.element ?? [];
      for (let i = 0; i + 1 < e.length; i += 2) m.set(toValue(e[i]!, buffers), toValue(e[i + 1]!, buffers));
      return m;
    }
    case REDIS_REPLY_ARRAY:
    case REDIS_REPLY_SET:
    case REDIS_REPLY_PUSH: return (r.element ?? []).map((x) => toValue(x, buffers));
    default: return null;
  }
}

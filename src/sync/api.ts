// The synchronous API under hiredis's names (hiredis.h). Every call BLOCKS the calling
// thread, and so the event loop, until the reply arrives: see src/sync/context.ts.
import type { CommandArg } from '../format/argv.js';
import type { FormatArg } from '../format/printf.js';
import type { RedisReply } from '../resp/reply.js';
import { REDIS_ERR, REDIS_OK } from '../resp/types.js';
import { RedisContext, type SyncOptions } from './context.js';

/** hiredis struct timeval; a plain number means milliseconds. */
export type Timeval = { tv_sec: number; tv_usec: number } | number;

function toMs(tv: Timeval): number {
  return typeof tv === 'number' ? tv : tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/** hiredis redisConnect. Always returns a context; check `c.err` / `c.errstr`. */
export function redisConnect(host: string, port: number, options?: SyncOptions): RedisContext {
  return new RedisContext({ host, port }, options);
}

/** hiredis redisConnectWithTimeout: `tv` limits the connect (socket, handshake, SHM.OPEN). */
export function redisConnectWithTimeout(host: string, port: number, tv: Timeval, options?: SyncOptions): RedisContext {
  return new RedisContext({ host, port }, { ...options, connectTimeoutMs: toMs(tv) });
}

/** hiredis redisConnectUnix. */
export function redisConnectUnix(path: string, options?: SyncOptions): RedisContext {
  return new RedisContext({ path }, options);
}

/** hiredis redisConnectUnixWithTimeout. */
export function redisConnectUnixWithTimeout(path: string, tv: Timeval, options?: SyncOptions): RedisContext {
  return new RedisContext({ path }, { ...options, connectTimeoutMs: toMs(tv) });
}

/** hiredis redisSetTimeout: limit for each reply; a timeout breaks the context (err set). */
export function redisSetTimeout(c: RedisContext, tv: Timeval): number {
  return c.setTimeout(toMs(tv)) === 0 ? REDIS_OK : REDIS_ERR;
}

/** hiredis redisCommand: printf-style format (%s %b %d ...), returns the reply or null (see c.err). */
export function redisCommand(c: RedisContext, format: string, ...args: FormatArg[]): RedisReply | null {
  return c.command(format, args);
}

/** hiredis redisCommandArgv (argc is argv.length; argvlen optional). */
export function redisCommandArgv(c: RedisContext, argv: readonly CommandArg[], argvlen?: readonly number[]): RedisReply | null {
  return c.commandArgv(argv, argvlen);
}

/** hiredis redisAppendCommand: queue without reading (pipelining); read with redisGetReply. */
export function redisAppendCommand(c: RedisContext, format: string, ...args: FormatArg[]): number {
  try {
    return c.append(format, args) === 0 ? REDIS_OK : REDIS_ERR;
  } catch {
    return REDIS_ERR;
  }
}

/** hiredis redisAppendCommandArgv. */
export function redisAppendCommandArgv(c: RedisContext, argv: readonly CommandArg[], argvlen?: readonly number[]): number {
  return c.appendArgv(argv, argvlen) === 0 ? REDIS_OK : REDIS_ERR;
}

/** The out-parameter of redisGetReply (C's `void **reply`). */
export interface ReplyRef { reply: RedisReply | null }

/**
 * hiredis redisGetReply: writes the next reply into `out.reply` and returns REDIS_OK, or
 * returns REDIS_ERR with c.err set. Called with nothing queued it blocks for the next
 * message, as pub/sub and MONITOR need.
 */
export function redisGetReply(c: RedisContext, out?: ReplyRef): number {
  const r = c.getReply();
  if (out) out.reply = r;
  return r === null ? REDIS_ERR : REDIS_OK;
}

/** hiredis redisReconnect: a fresh connection to the same server, same options. */
export function redisReconnect(c: RedisContext): number {
  return c.reconnect() === 0 ? REDIS_OK : REDIS_ERR;
}

/** hiredis redisSetPushCallback: RESP3 pushes that are not pub/sub (e.g. invalidations); returns the previous callback. */
export function redisSetPushCallback(c: RedisContext, fn: ((reply: RedisReply) => void) | undefined): ((reply: RedisReply) => void) | undefined {
  return c.setPushCallback(fn);
}

/** hiredis redisFree. */
export function redisFree(c: RedisContext): void {
  c.free();
}

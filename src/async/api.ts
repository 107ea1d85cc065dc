// The asynchronous API under hiredis's names (async.h). Each is a thin call on AsyncContext.
import type { CommandArg } from '../format/argv.js';
import type { FormatArg } from '../format/printf.js';
import type { AsyncAdapterHooks, AsyncAdapterTarget } from './adapter.js';
import { AsyncContext, type AsyncOptions, type ConnectCallback, type DisconnectCallback, type PushCallback, type ReplyCallback } from './context.js';

/** hiredis redisAsyncConnect: returns at once; connecting continues in the background. */
export function redisAsyncConnect(host: string, port: number, options?: AsyncOptions): AsyncContext {
  return new AsyncContext({ host, port }, options);
}

/** hiredis redisAsyncConnectUnix. */
export function redisAsyncConnectUnix(path: string, options?: AsyncOptions): AsyncContext {
  return new AsyncContext({ path }, options);
}

/** hiredis redisAsyncSetConnectCallback: REDIS_OK the first time, REDIS_ERR after. */
export function redisAsyncSetConnectCallback(ac: AsyncContext, fn: ConnectCallback): number {
  return ac.setConnectCallback(fn);
}

/** hiredis redisAsyncSetDisconnectCallback: REDIS_OK the first time, REDIS_ERR after. */
export function redisAsyncSetDisconnectCallback(ac: AsyncContext, fn: DisconnectCallback): number {
  return ac.setDisconnectCallback(fn);
}

/** hiredis redisAsyncSetPushCallback: returns the previous push callback. */
export function redisAsyncSetPushCallback(ac: AsyncContext, fn: PushCallback | undefined): PushCallback | undefined {
  return ac.setPushCallback(fn);
}

/** hiredis redisAsyncCommand. */
export function redisAsyncCommand<P>(ac: AsyncContext, fn: ReplyCallback<P> | null, privdata: P, format: string, ...args: FormatArg[]): number {
  return ac.command(fn, privdata, format, ...args);
}

/** hiredis redisAsyncCommandArgv (argc is argv.length; argvlen optional). */
export function redisAsyncCommandArgv<P>(ac: AsyncContext, fn: ReplyCallback<P> | null, privdata: P, argv: readonly CommandArg[], argvlen?: readonly number[]): number {
  return ac.commandArgv(fn, privdata, argv, argvlen);
}

/** hiredis redisAsyncDisconnect. */
export function redisAsyncDisconnect(ac: AsyncContext): void {
  ac.disconnect();
}

/** hiredis redisAsyncFree. */
export function redisAsyncFree(ac: AsyncContext): void {
  ac.free();
}

/** hiredis redisAsyncHandleRead. */
export function redisAsyncHandleRead(ac: AsyncContext): void {
  ac.handleRead();
}

/** hiredis redisAsyncHandleTimeout. */
export function redisAsyncHandleTimeout(ac: AsyncContext): void {
  ac.handleTimeout();
}

/** Attach an adapter's hooks (each adapter's redisXxxAttach calls this). */
export function redisAsyncAttach(ac: AsyncContext, make: (ctx: AsyncAdapterTarget) => AsyncAdapterHooks): number {
  return ac.attach(make);
}

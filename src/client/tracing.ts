// diagnostics_channel tracing for the promise client: the TracingChannels
// 'redis-shm:command' and 'redis-shm:connect' (start, end, asyncStart, asyncEnd, error).
// Their contexts carry the fields of ioredis 6's 'ioredis:command' / 'ioredis:connect'
// (args sanitized by the same rules) plus `transport`, so a subscriber written for ioredis
// reads ours unchanged. The client calls in here only after `hasSubscribers` said yes:
// with no subscriber no context is built and nothing is wrapped.
import { tracingChannel } from 'node:diagnostics_channel';
import type { CommandArg } from '../format/argv.js';
import type { ChannelKind } from '../transport/channel.js';
import type { ReplyValue } from './reply.js';

export interface CommandTraceContext {
  /** Lowercase command name, e.g. 'get' (for CLIENT SETNAME: 'client'). */
  command: string;
  /** The arguments after the name, as strings; those that may carry data are '?'. */
  args: string[];
  database: number;
  /** The Unix socket path, or the TCP host. */
  serverAddress: string;
  /** undefined for a Unix socket. */
  serverPort: number | undefined;
  transport: ChannelKind;
  /** Set before asyncStart when the command succeeded. */
  result?: ReplyValue;
  /** Set before `error` when it failed (a ReplyError or a RedisError). */
  error?: Error;
}

export interface ConnectTraceContext {
  serverAddress: string;
  serverPort: number | undefined;
  /** 1 for the first connect, +1 for every reconnect attempt. */
  connectionEpoch: number;
  /** Set when the connection is up: what it ended on ('auto' may fall back to the socket). */
  transport?: ChannelKind;
  error?: Error;
}

export const commandChannel = tracingChannel<unknown, CommandTraceContext>('redis-shm:command');
export const connectChannel = tracingChannel<unknown, ConnectTraceContext>('redis-shm:connect');

// How many leading arguments (after the name) a command may show; the rest become '?'.
// -1: all (they name keys and structure, not values). First match wins; a command no rule
// matches shows none, which covers AUTH, HELLO and scripts' unknown names. These are the
// rules of @opentelemetry/redis-common, which ioredis 6 applies: the same input gives the
// same args as 'ioredis:command' (test/client/tracing.test.ts compares the two).
const SHOWN_ARGS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^ECHO/i, 0],
  [/^(GETSET|LPUSH|MSET|PFA|PSETEX|PUBLISH|RPUSH|SADD|SET|SPUBLISH|XADD|ZADD)/i, 1],
  [/^(HSET|HMSET|LSET|LINSERT)/i, 2],
  [/^(ACL|BIT|B[LRZ]|CLIENT|CLUSTER|CONFIG|COMMAND|DECR|DEL|EVAL|EX|FUNCTION|GEO|GET|HINCR|HMGET|HSCAN|INCR|L[TRLM]|MEMORY|P[EFISTU]|RPOP|S[CDIMORSU]|XACK|X[CDGILPRT]|Z[CDILMPRS])/i, -1],
];

/** `args` (without the command name) as a trace may show them. */
export function sanitizeArgs(command: string, args: readonly CommandArg[]): string[] {
  let shown = 0;
  for (const [re, n] of SHOWN_ARGS) {
    if (re.test(command)) { shown = n; break; }
  }
  const out = new Array<string>(args.length);
  for (let i = 0; i < args.length; i++) out[i] = shown === -1 || i < shown ? String(args[i]) : '?';
  return out;
}

/** The settle functions of one command's promise. */
export interface Settlers {
  resolve: (v: ReplyValue) => void;
  reject: (e: Error) => void;
}

/**
 * Runs `send` (which writes the command) between `start` and `end`, with the start
 * channel's stores entered (as TracingChannel.tracePromise does), and wraps `s` so that its
 * settling publishes error / asyncStart / asyncEnd. A command refused while it is being
 * written settles inside `send`: its async events then follow `end`, as they would for a
 * promise that rejected at once.
 */
export function traceCommand(context: CommandTraceContext, s: Settlers, send: () => void): void {
  const { resolve, reject } = s;
  let writing = true;
  let deferred: (() => void) | undefined;
  const finish = (publish: () => void): void => { if (writing) deferred = publish; else publish(); };
  s.resolve = (v) => {
    context.result = v;
    finish(() => { commandChannel.asyncStart.publish(context); commandChannel.asyncEnd.publish(context); });
    resolve(v);
  };
  s.reject = (e) => {
    context.error = e;
    finish(() => { commandChannel.error.publish(context); commandChannel.asyncStart.publish(context); commandChannel.asyncEnd.publish(context); });
    reject(e);
  };
  commandChannel.start.runStores(context, () => {
    try { send(); } finally { commandChannel.end.publish(context); }
  });
  writing = false;
  deferred?.();
}

/**
 * The connect counterpart: `open` starts a connection attempt and returns; it calls the
 * `report` it is handed once, with the outcome (and the transport on success).
 */
export function traceConnect(context: ConnectTraceContext, open: (report: (err?: Error, transport?: ChannelKind) => void) => void): void {
  let opening = true;
  let deferred: (() => void) | undefined;
  const report = (err?: Error, transport?: ChannelKind): void => {
    const publish = (): void => {
      if (err) { context.error = err; connectChannel.error.publish(context); } else context.transport = transport;
      connectChannel.asyncStart.publish(context);
      connectChannel.asyncEnd.publish(context);
    };
    if (opening) deferred = publish; else publish();
  };
  connectChannel.start.runStores(context, () => {
    try { open(report); } finally { connectChannel.end.publish(context); }
  });
  opening = false;
  deferred?.();
}

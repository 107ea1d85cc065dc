// Test helpers for the async context: connect as a promise, commands as promises, and the
// transports every behaviour runs over.
import { readdirSync } from 'node:fs';
import { AsyncContext, type AsyncOptions, type TransportChoice } from '../../src/async/context.js';
import { redisAsyncConnect, redisAsyncConnectUnix } from '../../src/async/api.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { REDIS_OK } from '../../src/resp/types.js';
import type { RedisServer } from '../helpers/redis-server.js';
import type { CommandArg } from '../../src/format/argv.js';

export interface TransportCase {
  name: string;
  transport: TransportChoice;
  /** Load the module into the server. */
  module: boolean;
  /** Connect over the Unix socket (else TCP loopback). */
  unix: boolean;
}

/** Every behaviour in test/async runs once per row. The shm row is one line. */
export const TRANSPORTS: TransportCase[] = [
  { name: 'socket (unix)', transport: 'socket', module: false, unix: true },
  { name: 'socket (tcp)', transport: 'socket', module: false, unix: false },
  { name: 'shm', transport: 'shm', module: true, unix: true },
];

export function open(srv: RedisServer, tc: TransportCase, opts: AsyncOptions = {}): AsyncContext {
  const o = { transport: tc.transport, connectTimeoutMs: 5000, ...opts };
  return tc.unix ? redisAsyncConnectUnix(srv.socket, o) : redisAsyncConnect('127.0.0.1', srv.port, o);
}

/** Connect and wait for the connect callback; rejects with errstr on failure. */
export function connected(srv: RedisServer, tc: TransportCase, opts: AsyncOptions = {}): Promise<AsyncContext> {
  return whenConnected(open(srv, tc, opts));
}

/** The context once its connect callback ran; rejects with errstr on failure. */
export function whenConnected(ac: AsyncContext): Promise<AsyncContext> {
  return new Promise((resolve, reject) => {
    ac.setConnectCallback((c, status) => (status === REDIS_OK ? resolve(c) : reject(new Error(c.errstr))));
  });
}

/** One command; resolves with its reply (null when the context failed). */
export function cmd(ac: AsyncContext, ...argv: CommandArg[]): Promise<RedisReply | null> {
  return new Promise((resolve) => {
    const rc = ac.commandArgv((_c, r) => resolve(r), undefined, argv);
    if (rc !== REDIS_OK) resolve(null);
  });
}

/** The reply as plain JS for assertions: strings, numbers, null, arrays, {error}. */
export function plain(r: RedisReply | null): unknown {
  if (r === null) return undefined;
  switch (r.type) {
    case 1: case 5: case 13: case 14: return r.str;
    case 6: return { error: r.str };
    case 3: case 8: return r.integer;
    case 7: return r.dval;
    case 4: return null;
    default: return r.element!.map(plain);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * SIGKILL the server; resolves with the time its exit was observed. Delays are measured from
 * there, so a starved test host does not count against the client.
 */
export function killServer(srv: RedisServer): Promise<number> {
  const exited = new Promise<number>((resolve) => srv.proc.once('exit', () => resolve(performance.now())));
  srv.proc.kill('SIGKILL');
  return exited;
}

/** redis-shm segment names currently in /dev/shm. */
export function segments(): string[] {
  return readdirSync('/dev/shm').filter((n) => n.startsWith('redis-shm.'));
}

/** Waits until no segment outside `before` remains (other suites may create short-lived ones). */
export async function noNewSegments(before: string[]): Promise<string[]> {
  let extra: string[] = [];
  for (let i = 0; i < 150; i++) {
    extra = segments().filter((n) => !before.includes(n));
    if (extra.length === 0) break;
    await sleep(20);
  }
  return extra;
}

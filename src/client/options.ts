// Options of the promise client (createClient) and their defaults.
import type { AsyncContext, TransportChoice } from '../async/context.js';
import type { SpinPolicy } from '../async/adapter.js';
import type { ServeMode } from '../transport/shm-open.js';

export interface ClientOptions {
  /** TCP host (default 127.0.0.1) and port (default 6379); ignored when `path` is set. */
  host?: string;
  port?: number;
  /** Unix socket path. */
  path?: string;
  /** 'auto' (default): shm when the server is local and has the module; 'shm'; 'socket'. */
  transport?: TransportChoice;
  db?: number;
  username?: string;
  password?: string;
  /** CLIENT SETNAME at every (re)connect. */
  name?: string;
  /** 2 (default) or 3 (HELLO 3: maps resolve as Map). */
  resp?: 2 | 3;
  /** Whole connect incl. SHM.OPEN, ms (default 10000). */
  connectTimeout?: number;
  /** No reply for this long with commands outstanding fails the connection, ms (0 = none, default). */
  commandTimeout?: number;
  /** Bulk strings resolve as Buffer instead of string (default false). */
  returnBuffers?: boolean;
  /**
   * Pipelining is automatic: a command never waits for earlier replies. 'tick' (default):
   * the commands issued in one tick are handed to the connection together at the end of the
   * tick (the socket writes them with one syscall; over shm they enter the REQ ring back to
   * back). 'immediate': each command goes to the channel at once. Side by side
   * (scripts/bench-pipelining.ts) the two were within the noise of a shared 2-vCPU host.
   */
  autoPipelining?: 'immediate' | 'tick';
  /** Reconnect after a lost connection: false, or ms to wait before attempt n (default: 50·2^n, max 2000). */
  reconnect?: false | ((attempt: number, err: Error) => number | false);
  /** Commands kept while (re)connecting; more reject with ERR_QUEUE_FULL (default 10000). */
  maxOfflineQueue?: number;
  /** Attaches an event-loop adapter (adapters/*) to each new connection. Default: the
   *  busy-poll adapter with its defaults (see docs/api.md, "Which adapter"); pass
   *  `redisNodeAttach` for the doorbell-only node adapter (no polling CPU). */
  adapter?: (ac: AsyncContext) => unknown;
  /** 'adaptive' (default): the shm path spins only while traffic flows and parks when it
   *  pauses. 'always': the module's serving thread never parks while the session is open
   *  and the main thread keeps the reply ring, for the lowest latency of intermittent
   *  traffic at the cost of one server core (docs/api.md "Spin policy"). */
  spin?: SpinPolicy;
  /** Who serves the shm session: 'thread' (a module serving thread, woken by futex) or
   *  'main' (the server's main thread in its event loop, woken through the socket); default
   *  the REDIS_SHM_SERVE environment variable, else 'thread' (docs/api.md "Serve mode"). */
  serve?: ServeMode;
}

export const DEFAULT_MAX_OFFLINE_QUEUE = 10000;

export function defaultBackoff(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2000);
}

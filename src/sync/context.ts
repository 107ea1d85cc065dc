// The synchronous context (hiredis redisContext): every call blocks the calling thread until
// its reply arrives, as in C. It BLOCKS THE EVENT LOOP: use it in scripts, CLIs, worker
// threads, or where a sequential request/response loop must be as fast as possible.
//
// One logical connection carried by a socket and, when the server has the module, a shm
// session. Commands bound to the connection go over the socket (src/async/route.ts). The
// ordering barrier is simple here: a group of consecutive commands for one channel is sent,
// and the next group (for the other channel) only after every reply of the first was read.
//
// After SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE, MONITOR or CLIENT TRACKING ON the context serves
// everything on the socket for the rest of its life (replies there are not one per command,
// and tracking must see the reads), so it then behaves exactly like a plain socket client.
import { asRedisError, RedisError } from '../errors.js';
import { formatArgv, type CommandArg } from '../format/argv.js';
import { formatToArgv, type FormatArg } from '../format/printf.js';
import { isPubSubWord } from '../async/pubsub.js';
import { Queue } from '../async/queue.js';
import {
  changesSession, clusterFlagsAfter, commandName, inMultiAfter, isSocketOnly, needsFence, NO_CLUSTER_FLAGS, socketByClusterFlags,
  suppressesReplies, trackingSwitch, type ClusterFlags, type Route,
} from '../async/route.js';
import { Reader } from '../resp/reader.js';
import type { RedisReply, StringEncoding } from '../resp/reply.js';
import { REDIS_REPLY_ERROR, REDIS_REPLY_PUSH } from '../resp/types.js';
import type { ChannelKind } from '../transport/channel.js';
import { NOT_LOCAL_REASON } from '../transport/shm-open.js';
import type { SocketTarget } from '../transport/socket.js';
import { BlockingShm } from './blocking-shm.js';
import { BlockingSocket } from './blocking-socket.js';
import { openSyncShm } from './shm-open.js';

export type SyncTransport = 'auto' | 'shm' | 'socket';

export interface SyncOptions {
  /** 'auto' (default): shm when possible, else the socket; 'shm': shm or fail; 'socket'. */
  transport?: SyncTransport;
  /** Limit for connect including SHM.OPEN (ms; default 10000; 0 = none). */
  connectTimeoutMs?: number;
  /** Limit for each reply (ms; 0 = none, the default, as in hiredis). */
  commandTimeoutMs?: number;
  /** How long the thread spins on the REP ring before parking (µs; default 200). */
  spinUs?: number;
  /** How reply strings decode (default utf8). */
  encoding?: StringEncoding;
  /** Aggregates may nest this many levels below the top-level one (default 7, as hiredis). */
  maxDepth?: number;
  /** Called with RESP3 pushes that are not pub/sub traffic (e.g. tracking invalidations); without it they are dropped. */
  pushCallback?: (reply: RedisReply) => void;
}

interface Entry {
  bytes: Uint8Array;
  route: Route;
  /** SHM.SYNC or SHM.FENCE sent by the context: its reply is consumed, not returned. */
  internal: false | 'sync' | 'fence';
  sync: boolean;
  /** WAIT/WAITAOF: needs SHM.FENCE first once anything went over shm. */
  fence: boolean;
}

/** How often a thread waiting on the REP ring checks that the socket lifeline is alive. */
const LIFELINE_CHECK_MS = 100;

const STICKY = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor']);

export class RedisContext {
  /** 0, or the REDIS_ERR_* code of the error that broke the context (sticky, as in hiredis). */
  err = 0;
  errstr = '';
  /** The same error with its stable code. */
  error: RedisError | undefined;
  /** 'shm' or 'socket' once connected. */
  transport: ChannelKind | undefined;
  /** Why 'auto' uses the socket. */
  transportReason: string | undefined;

  private sock: BlockingSocket | undefined;
  private shm: BlockingShm | undefined;
  private readonly sockReader: Reader<RedisReply>;
  private readonly shmReader: Reader<RedisReply>;
  /** Where BlockingShm.write drains replies while REQ is full (one closure, not one per send). */
  private readonly feedShm = (chunk: Uint8Array): void => this.shmReader.feed(chunk);
  private readonly pending = new Queue<Entry>();
  private readonly inflight = new Queue<Entry>();
  private inflightRoute: Route = 'socket';
  /** Something was sent over shm: WAIT must fence first (docs/api.md). */
  private servedOverShm = false;
  private inMulti = false;
  private cluster: ClusterFlags = NO_CLUSTER_FLAGS;
  private socketOnly = false;
  private commandTimeoutMs: number;
  private pushCallback: ((reply: RedisReply) => void) | undefined;

  constructor(readonly target: SocketTarget, readonly options: SyncOptions = {}) {
    const enc = { ...(options.encoding ? { encoding: options.encoding } : {}), ...(options.maxDepth ? { maxDepth: options.maxDepth } : {}) };
    this.sockReader = new Reader<RedisReply>(enc);
    this.shmReader = new Reader<RedisReply>(enc);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 0;
    this.pushCallback = options.pushCallback;
    const t = options.transport ?? 'auto';
    if (t !== 'auto' && t !== 'shm' && t !== 'socket') {
      this.setError(new RedisError('ERR_ARGUMENT', `transport must be 'auto', 'shm' or 'socket', got ${String(t)}`));
      return;
    }
    try {
      this.connect(t);
    } catch (e) {
      this.fail(e);
    }
  }

  private connect(choice: SyncTransport): void {
    const ms = this.options.connectTimeoutMs ?? 10000;
    const sock = BlockingSocket.connect(this.target, ms);
    this.sock = sock;
    if (choice === 'socket') { this.transport = 'socket'; this.socketOnly = true; return; }
    const spinNs = (this.options.spinUs ?? 200) * 1000;
    const res = sock.isLocal
      ? openSyncShm((argv) => this.socketRoundTrip(argv, ms))
      : NOT_LOCAL_REASON;
    if (typeof res !== 'string') {
      this.shm = new BlockingShm(res, spinNs);
      this.transport = 'shm';
      return;
    }
    if (choice === 'shm') throw new RedisError('ERR_SHM_UNAVAILABLE', `shm transport unavailable: ${res}`);
    this.transport = 'socket';
    this.transportReason = res;
    this.socketOnly = true;
  }

  /** One command on the socket during connect. */
  private socketRoundTrip(argv: CommandArg[], timeoutMs: number): RedisReply {
    this.sock!.write(formatArgv(argv));
    return this.readFrom('socket', timeoutMs);
  }

  /** hiredis redisSetPushCallback: replaces the push callback; returns the previous one. */
  setPushCallback(fn: ((reply: RedisReply) => void) | undefined): ((reply: RedisReply) => void) | undefined {
    const old = this.pushCallback;
    this.pushCallback = fn;
    return old;
  }

  /** hiredis redisSetTimeout: the per-reply limit in ms (0 = none). */
  setTimeout(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) return -1;
    this.commandTimeoutMs = ms;
    return 0;
  }

  // ---- commands ----------------------------------------------------------------------------

  /** hiredis redisAppendCommandArgv: queue a command; it is written by the next getReply. */
  appendArgv(argv: readonly CommandArg[], argvlen?: readonly number[]): number {
    if (this.err) return -1;
    if (argv.length === 0) {
      this.setError(new RedisError('ERR_ARGUMENT', 'empty command'));
      return -1;
    }
    const name = commandName(argv);
    if (suppressesReplies(name, argv)) {
      this.setError(new RedisError('ERR_ARGUMENT', 'CLIENT REPLY OFF/SKIP is not supported: replies would no longer match their commands'));
      return -1;
    }
    if (STICKY.has(name) || trackingSwitch(name, argv) === true) {
      this.socketOnly = true;
    }
    const route: Route = this.socketOnly || this.inMulti || socketByClusterFlags(this.cluster) || isSocketOnly(name, argv) ? 'socket' : 'shm';
    this.inMulti = inMultiAfter(name, this.inMulti);
    this.cluster = clusterFlagsAfter(name, this.cluster);
    this.pending.push({
      bytes: formatArgv(argv, argvlen), route, internal: false, sync: changesSession(name, argv),
      fence: needsFence(name),
    });
    return 0;
  }

  /** hiredis redisAppendCommand (printf-style). Throws RedisError ERR_FORMAT for a bad format. */
  append(format: string, args: readonly FormatArg[]): number {
    if (this.err) return -1;
    return this.appendArgv(formatToArgv(format, args));
  }

  /** hiredis redisGetReply: the next reply, or null with err/errstr set. */
  getReply(): RedisReply | null {
    if (this.err) return null;
    try {
      return this.nextReply();
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  /** hiredis redisCommandArgv: append + getReply (earlier appended replies come first, as in C). */
  commandArgv(argv: readonly CommandArg[], argvlen?: readonly number[]): RedisReply | null {
    if (this.appendArgv(argv, argvlen) !== 0) return null;
    return this.getReply();
  }

  /** hiredis redisCommand (printf-style). */
  command(format: string, args: readonly FormatArg[]): RedisReply | null {
    if (this.err) return null;
    let argv: Buffer[];
    try { argv = formatToArgv(format, args); } catch (e) { this.fail(e); return null; }
    return this.commandArgv(argv);
  }

  private nextReply(): RedisReply {
    for (;;) {
      if (this.inflight.length === 0 && this.pending.length > 0) this.sendGroup();
      // Nothing outstanding: hiredis blocks reading the connection (pub/sub messages, MONITOR).
      const route = this.inflight.length > 0 ? this.inflightRoute : 'socket';
      const r = this.readFrom(route, this.commandTimeoutMs);
      const head = this.inflight.peek();
      if (r.type === REDIS_REPLY_PUSH && !isPubSub(r)) {
        // RESP3 out-of-band data (e.g. tracking invalidations) is never a command's reply:
        // to the push callback, or dropped, as hiredis's default push handler does.
        this.pushCallback?.(r);
        continue;
      }
      if (head) this.inflight.shift();
      if (head?.internal) {
        // A failed fence (e.g. READONLY on a replica, where WAIT fails too) leaves WAIT counting
        // only the socket's writes, as on a socket; a failed SHM.SYNC breaks the session.
        if (r.type === REDIS_REPLY_ERROR && head.internal === 'sync') throw new RedisError('ERR_OTHER', `SHM.SYNC failed: ${r.str}`);
        continue;
      }
      return r;
    }
  }

  /** Sends the leading run of pending commands that share a channel. */
  private sendGroup(): void {
    const route = this.shm ? this.pending.peek()!.route : 'socket';
    const out: Uint8Array[] = [];
    while (this.pending.length > 0 && (this.shm ? this.pending.peek()!.route : 'socket') === route) {
      const e = this.pending.shift()!;
      if (route === 'socket' && e.fence && this.servedOverShm) {
        // WAIT counts up to the socket's replication offset; the fence moves it past the ring writes
        const f: Entry = { bytes: formatArgv(['SHM.FENCE']), route, internal: 'fence', sync: false, fence: false };
        out.push(f.bytes);
        this.inflight.push(f);
      }
      out.push(e.bytes);
      this.inflight.push(e);
      if (route === 'socket' && e.sync && this.shm) {
        // re-capture db/user/protocol for the shm session before any later shm command runs
        const s: Entry = { bytes: formatArgv(['SHM.SYNC']), route, internal: 'sync', sync: false, fence: false };
        out.push(s.bytes);
        this.inflight.push(s);
      }
    }
    this.inflightRoute = route;
    if (route === 'shm') this.servedOverShm = true;
    const bytes = out.length === 1 ? out[0]! : Buffer.concat(out);
    if (route === 'shm') this.shm!.write(bytes, this.commandTimeoutMs, this.feedShm);
    else this.sock!.write(bytes);
  }

  private readFrom(route: Route, timeoutMs: number): RedisReply {
    const reader = route === 'shm' ? this.shmReader : this.sockReader;
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : 0;
    for (;;) {
      const r = reader.getReply();
      if (r !== undefined) return r;
      const left = deadline > 0 ? deadline - performance.now() : 0;
      if (deadline > 0 && left <= 0) throw new RedisError('ERR_TIMEOUT', `Timeout: no reply for ${timeoutMs} ms`);
      if (route === 'socket') {
        const chunk = this.sock!.read(deadline > 0 ? left : 0);
        if (chunk !== undefined) reader.feed(chunk);
        continue;
      }
      // Over shm, wake up now and then to look at the lifeline: a server killed outright
      // never marks the session closed, but its socket does close.
      const chunk = this.shm!.read(deadline > 0 ? Math.min(left, LIFELINE_CHECK_MS) : LIFELINE_CHECK_MS);
      if (chunk !== undefined) { reader.feed(chunk); continue; }
      const early = this.sock!.tryRead();  // throws once the socket closed
      if (early !== undefined) this.sockReader.feed(early);
    }
  }

  // ---- errors and closing ------------------------------------------------------------------

  private setError(err: RedisError): void {
    this.error = err;
    this.err = err.hiredisErr;
    this.errstr = err.message;
  }

  private fail(e: unknown): void {
    this.setError(asRedisError(e));
    // replies can no longer be matched to commands: the connection is done, as in hiredis
    this.release();
  }

  private release(): void {
    this.shm?.close();
    this.shm = undefined;
    this.sock?.close();
    this.sock = undefined;
    this.pending.drain();
    this.inflight.drain();
  }

  /** hiredis redisReconnect: drop the connection and everything pending, connect again. */
  reconnect(): number {
    this.release();
    this.err = 0;
    this.errstr = '';
    this.error = undefined;
    this.transport = undefined;
    this.transportReason = undefined;
    this.inMulti = false;
    this.socketOnly = false;
    this.cluster = NO_CLUSTER_FLAGS;
    this.sockReader.free();
    this.shmReader.free();
    try {
      this.connect(this.options.transport ?? 'auto');
      return 0;
    } catch (e) {
      this.fail(e);
      return -1;
    }
  }

  /** hiredis redisFree. */
  free(): void {
    this.release();
    if (!this.err) this.setError(new RedisError('ERR_CLOSED', 'the context is freed'));
  }
}

/** Pub/sub pushes are what redisGetReply returns to a subscriber; other pushes are out of band. */
function isPubSub(r: RedisReply): boolean {
  const first = r.element?.[0]?.str;
  return first !== undefined && first !== null && isPubSubWord(first.toLowerCase());
}

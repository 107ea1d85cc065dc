// The asynchronous context (hiredis redisAsyncContext): commands with reply callbacks over one
// logical connection that is carried by a socket channel and, when the server has the module,
// a shm channel. Commands bound to the connection go over the socket (src/async/route.ts);
// the ordering barrier below makes the pair behave like one connection.
//
// States (see docs/api.md for the diagram):
//   connecting --(socket up, handshake, transport chosen)--> connected
//   connecting --(error / timeout)--> closed            connect callback(REDIS_ERR)
//   connected  --(redisAsyncDisconnect / QUIT)--> disconnecting --(drained)--> closed  (REDIS_OK)
//   connected | disconnecting --(error)--> closed       disconnect callback(REDIS_ERR)
//   any --(redisAsyncFree)--> closed                    disconnect callback(REDIS_OK) if it was connected
//
// Ordering barrier: at any moment only one channel has user commands in flight. A command for
// the other channel waits (in `held`, with everything issued after it) until every reply on
// the busy channel has been delivered. So replies and callbacks follow send order, and a
// routed command runs on the server after every earlier shm command and before every later one.
import { debuglog } from 'node:util';
import { asRedisError, RedisError } from '../errors.js';
import { formatArgv, type CommandArg } from '../format/argv.js';
import { formatToArgv, type FormatArg } from '../format/printf.js';
import { Reader } from '../resp/reader.js';
import { RedisReply, type StringEncoding } from '../resp/reply.js';
import { REDIS_ERR, REDIS_OK, REDIS_REPLY_ERROR, REDIS_REPLY_PUSH, REDIS_REPLY_STATUS } from '../resp/types.js';
import type { Channel, ChannelHandlers, ChannelKind } from '../transport/channel.js';
import { SocketChannel, type SocketTarget } from '../transport/socket.js';
import { nodeAdapter, type AsyncAdapterHooks, type AsyncAdapterTarget, type SpinPolicy } from './adapter.js';
import { Subscriptions, subMarkerFor, type SubMarker, type Subscriber } from './pubsub.js';
import { Queue } from './queue.js';
import { startupCommands, type StartupOptions } from './startup.js';
import {
  changesSession, clusterFlagsAfter, routeOf, commandName, inMultiAfter, needsFence, NO_CLUSTER_FLAGS,
  suppressesReplies, trackingSwitch, word, type ClusterFlags, type Route,
} from './route.js';
import { openShmChannel, type ShmOpener } from './shm-open.js';
import type { ServeMode } from '../transport/shm-open.js';

const debug = debuglog('redis-shm');

export type AsyncState = 'connecting' | 'connected' | 'disconnecting' | 'closed';
export type TransportChoice = 'auto' | 'shm' | 'socket';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReplyCallback<P = any> = (ac: AsyncContext, reply: RedisReply | null, privdata: P) => void;
export type ConnectCallback = (ac: AsyncContext, status: number) => void;
export type DisconnectCallback = (ac: AsyncContext, status: number) => void;
export type PushCallback = (ac: AsyncContext, reply: RedisReply) => void;

/** username / password / protocol / db / name (StartupOptions) are sent at connect, before
 *  SHM.OPEN: AUTH / HELLO / SELECT / CLIENT SETNAME. */
export interface AsyncOptions extends StartupOptions {
  /** Limit for the whole connect: socket, handshake and SHM.OPEN (ms; default 10000; 0 = none). */
  connectTimeoutMs?: number;
  /** Fail the context when a reply is outstanding and nothing arrived for this long (ms; 0 = none). */
  commandTimeoutMs?: number;
  /** 'auto' (default): shm when possible, else the socket, saying why; 'shm': shm or fail; 'socket'. */
  transport?: TransportChoice;
  /** RESP3 pushes that are not pub/sub traffic of a subscription (e.g. client tracking). */
  pushCallback?: PushCallback;
  /** Called once when 'auto' falls back to the socket, with the reason. */
  onTransportFallback?: (ac: AsyncContext, reason: string) => void;
  /** How reply strings decode (default utf8). */
  encoding?: StringEncoding;
  /** Replace how shm sessions are opened (tests, custom segments). */
  shmOpener?: ShmOpener;
  /** 'adaptive' (default) or 'always': see SpinPolicy and docs/api.md "Spin policy". */
  spin?: SpinPolicy;
  /** Who serves the shm session: 'thread' (a module serving thread) or 'main' (the server's
   *  main thread, rung through the socket); default REDIS_SHM_SERVE, else 'thread'
   *  (docs/api.md "Serve mode"). */
  serve?: ServeMode;
}

interface Entry {
  cb: ReplyCallback | null;
  privdata: unknown;
  bytes: Uint8Array;
  /** Fixed when issued: socket-only by the rule or inside MULTI; else shm when available. */
  route: Route;
  name: string;
  /** Re-capture the session state (SHM.SYNC) after this command. */
  sync: boolean;
  /** Protocol asked by HELLO. */
  proto: 2 | 3 | undefined;
  /** CLIENT TRACKING on (true) / off (false). */
  tracking: boolean | undefined;
  sub: SubMarker | undefined;
  /** For the context's own commands. */
  internal: ((r: RedisReply | null) => void) | undefined;
}

/** A channel that can be asked to deliver whatever reply bytes it has now. */
interface PollableChannel extends Channel {
  poll(): unknown;
}

/** A channel whose replies this thread can read itself (ShmChannel). */
interface DirectChannel extends Channel {
  pollDirect(spinNs?: number, parkNs?: number): boolean;
  releaseDirect(): void;
}

const MONITOR_LINE = /^\d+\.\d+ \[\d+ /;


/** A user callback threw: surface it as an uncaught exception, outside the context's stack. */
function rethrowLater(e: unknown): void {
  process.nextTick(function rethrowCallbackError() { throw e; });
}

export class AsyncContext implements AsyncAdapterTarget {
  /** 0, or the REDIS_ERR_* code of the error that closed the context (sticky). */
  err = 0;
  errstr = '';
  /** The error that closed the context, with its stable code. */
  error: RedisError | undefined;
  state: AsyncState = 'connecting';
  /** The channel commands are served on; undefined until connected. */
  transport: ChannelKind | undefined;
  /** Why shm is not used, when 'auto' fell back to the socket. */
  transportReason: string | undefined;
  /** Free for the user (hiredis ac->data). */
  data: unknown;
  /** The attached adapter's hooks (hiredis ac->ev). */
  ev: AsyncAdapterHooks | undefined;

  private sock: SocketChannel | undefined;
  private shm: Channel | undefined;
  private readonly sockReader: Reader<RedisReply>;
  private readonly shmReader: Reader<RedisReply>;
  private readonly sockQ = new Queue<Entry>();
  private readonly shmQ = new Queue<Entry>();
  private readonly held = new Queue<Entry>();
  private readonly subs = new Subscriptions();
  private monitor: Subscriber | undefined;
  private inMulti = false;
  private cluster: ClusterFlags = NO_CLUSTER_FLAGS;
  private servedOverShm = false;
  private protocol: 2 | 3 = 2;
  private tracking = false;
  private connectCb: ConnectCallback | undefined;
  private pushCb: PushCallback | undefined;
  private disconnectCb: DisconnectCallback | undefined;
  private inCallback = 0;
  private freePending = false;
  private disconnectRequested = false;
  private quitting = false;
  private lastActivity = 0;
  private timerArmed = false;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(readonly target: SocketTarget, readonly options: AsyncOptions = {}) {
    this.pushCb = options.pushCallback;
    const enc = options.encoding ? { encoding: options.encoding } : {};
    this.sockReader = new Reader<RedisReply>(enc);
    this.shmReader = new Reader<RedisReply>(enc);
    if (options.spin !== undefined && options.spin !== 'adaptive' && options.spin !== 'always') {
      this.setError(new RedisError('ERR_ARGUMENT', `spin must be 'adaptive' or 'always', got ${String(options.spin)}`));
      return;
    }
    const t = options.transport ?? 'auto';
    if (t !== 'auto' && t !== 'shm' && t !== 'socket') {
      this.setError(new RedisError('ERR_ARGUMENT', `transport must be 'auto', 'shm' or 'socket', got ${String(t)}`));
      return;
    }
    queueMicrotask(() => { void this.start(); });
  }

  // ---- callbacks and adapter ---------------------------------------------------------------

  /** hiredis redisAsyncSetConnectCallback: once only. */
  setConnectCallback(fn: ConnectCallback): number {
    if (this.connectCb) return REDIS_ERR;
    this.connectCb = fn;
    return REDIS_OK;
  }

  /** hiredis redisAsyncSetDisconnectCallback: once only. */
  setDisconnectCallback(fn: DisconnectCallback): number {
    if (this.disconnectCb) return REDIS_ERR;
    this.disconnectCb = fn;
    return REDIS_OK;
  }

  /** hiredis redisAsyncSetPushCallback: replaces the push callback, returns the previous one. */
  setPushCallback(fn: PushCallback | undefined): PushCallback | undefined {
    const old = this.pushCb;
    this.pushCb = fn;
    return old;
  }

  /** Attach an adapter (hiredis redisXxxAttach). Refuses a second one, as hiredis does. */
  attach(make: (ctx: AsyncAdapterTarget) => AsyncAdapterHooks): number {
    if (this.ev) return REDIS_ERR;
    this.ev = make(this);
    return REDIS_OK;
  }

  private hooks(): AsyncAdapterHooks {
    return (this.ev ??= nodeAdapter(this));
  }

  // ---- issuing commands --------------------------------------------------------------------

  /**
   * hiredis redisAsyncCommand. Returns REDIS_OK when queued, REDIS_ERR when the context is
   * closing or closed. Throws RedisError ERR_FORMAT for a bad format.
   */
  command<P>(cb: ReplyCallback<P> | null, privdata: P, format: string, ...args: FormatArg[]): number {
    if (this.state === 'closed' || this.disconnectRequested) return REDIS_ERR;
    return this.commandArgv(cb, privdata, formatToArgv(format, args));
  }

  /** hiredis redisAsyncCommandArgv (argvlen optional: caps each argument's length). */
  commandArgv<P>(cb: ReplyCallback<P> | null, privdata: P, argv: readonly CommandArg[], argvlen?: readonly number[]): number {
    if (this.state === 'closed' || this.disconnectRequested) return REDIS_ERR;
    const bytes = formatArgv(argv, argvlen);
    const name = commandName(argv);
    if (suppressesReplies(name, argv)) {
      throw new RedisError('ERR_ARGUMENT', 'CLIENT REPLY OFF/SKIP is not supported: replies would no longer match their callbacks');
    }
    const sub = subMarkerFor(name, argv.length);
    if (sub !== undefined && this.inMulti) {
      // Queued, its confirmations would come back inside EXEC's reply and the subscription
      // could not be told from ordinary replies afterwards.
      throw new RedisError('ERR_ARGUMENT', `${name.toUpperCase()} inside MULTI is not supported by the async context`);
    }
    const route: Route = routeOf(name, argv, this.inMulti, this.cluster);
    this.inMulti = inMultiAfter(name, this.inMulti);
    this.cluster = clusterFlagsAfter(name, this.cluster);
    let proto: 2 | 3 | undefined;
    if (name === 'hello' && argv.length > 1) {
      const v = Number(word(argv[1]));
      if (v === 2 || v === 3) proto = v;
    }
    const tracking = trackingSwitch(name, argv);
    const e: Entry = {
      cb: cb as ReplyCallback | null, privdata, bytes, route, name, sync: changesSession(name, argv), proto, tracking,
      sub, internal: undefined,
    };
    if (name === 'quit') {
      // QUIT is a graceful disconnect: nothing after it, and the close that follows is clean.
      this.quitting = true;
      this.submit(e);
      this.disconnect();
      return REDIS_OK;
    }
    this.submit(e);
    return REDIS_OK;
  }

  private submit(e: Entry): void {
    const via = this.held.length > 0 ? undefined : this.sendable(e);
    if (via === undefined) this.held.push(e);
    else this.send(e, via);
  }

  private activeRoute(e: Entry): ChannelKind {
    if (this.transport !== 'shm' || e.route === 'socket') return 'socket';
    // RESP2 subscribed mode refuses most commands; let the server say so, on the socket.
    if (this.protocol === 2 && this.subs.active) return 'socket';
    // Client-side caching tracks the keys read by this connection: only the socket client
    // can do that (a command run by the module is not tracked for it).
    if (this.tracking) return 'socket';
    return 'shm';
  }

  /** The channel `e` goes out on now, or undefined while it must wait (the barrier, or not connected). */
  private sendable(e: Entry): ChannelKind | undefined {
    if (this.state !== 'connected' && this.state !== 'disconnecting') return undefined;
    const via = this.activeRoute(e);
    return (via === 'socket' ? this.shmQ.length : this.sockQ.length) === 0 ? via : undefined;
  }

  private send(e: Entry, via: ChannelKind): void {
    const idle = this.sockQ.length + this.shmQ.length === 0;
    if (via === 'shm') {
      this.servedOverShm = true;
      this.shmQ.push(e);
      this.shm!.write(e.bytes);
    } else {
      // The fence's own reply is not the user's: an error (e.g. READONLY on a replica, where
      // WAIT fails anyway) leaves WAIT counting only the socket's writes, as on a socket.
      if (this.servedOverShm && needsFence(e.name)) this.sendInternal(['SHM.FENCE'], () => {});
      this.sockQ.push(e);
      this.sock!.write(e.bytes);
      // SHM.SYNC right behind it: the session re-captures db/user/protocol before any later
      // shm command runs (later shm commands wait for this reply too). After a failed
      // command it re-captures unchanged state, which is harmless.
      if (e.sync && this.transport === 'shm') this.sendInternal(['SHM.SYNC'], (r) => {
        if (r !== null && r.type === REDIS_REPLY_ERROR) this.fail(new RedisError('ERR_OTHER', `SHM.SYNC failed: ${r.str}`));
      });
    }
    if (idle && this.state !== 'closed') {
      this.lastActivity = performance.now();
      this.hooks().addRead();
      this.armTimer();
    }
  }

  private sendInternal(argv: CommandArg[], done: (r: RedisReply | null) => void): void {
    const e: Entry = {
      cb: null, privdata: undefined, bytes: formatArgv(argv), route: 'socket', name: '', sync: false, proto: undefined,
      tracking: undefined, sub: undefined, internal: done,
    };
    this.sockQ.push(e);
    this.sock!.write(e.bytes);
  }

  /** One command on the socket during connect, as a promise (for the handshake and SHM.OPEN). */
  private socketCommand(argv: CommandArg[]): Promise<RedisReply> {
    return new Promise((resolve, reject) => {
      this.sendInternal(argv, (r) => {
        if (r === null) reject(this.error ?? new RedisError('ERR_CLOSED', 'the context closed'));
        else resolve(r);
      });
    });
  }

  private pump(): void {
    for (let e = this.held.peek(); e !== undefined; e = this.held.peek()) {
      const via = this.sendable(e);
      if (via === undefined) return;
      this.held.shift();
      this.send(e, via);
    }
  }

  private pending(): number {
    return this.sockQ.length + this.shmQ.length + this.held.length;
  }

  // ---- receiving ---------------------------------------------------------------------------

  private readonly onSockData = (chunk: Uint8Array): void => {
    if (this.state === 'closed') return;
    this.feed(this.sockReader, chunk, false);
  };

  private readonly onShmData = (chunk: Uint8Array): void => {
    if (this.state === 'closed') return;
    this.feed(this.shmReader, chunk, true);
  };

  private feed(reader: Reader<RedisReply>, chunk: Uint8Array, shm: boolean): void {
    try {
      reader.feed(chunk);
      for (let r = reader.getReply(); r !== undefined; r = reader.getReply()) {
        if (shm) this.dispatchShm(r);
        else this.dispatchSocket(r);
        if (this.state === 'closed') return;
      }
    } catch (e) {
      // A protocol error from a reader (user callbacks never throw through here). Anything
      // else is a bug of ours: fail the context rather than the channel's event handler.
      this.fail(e instanceof RedisError ? e : new RedisError('ERR_OTHER', `internal error: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
      if (!(e instanceof RedisError)) rethrowLater(e);
    }
  }

  private dispatchShm(r: RedisReply): void {
    this.lastActivity = performance.now();
    if (r.type === REDIS_REPLY_PUSH) { this.push(r); return; }
    const e = this.shmQ.shift();
    if (e === undefined) {
      this.fail(new RedisError('ERR_PROTOCOL', 'a reply arrived on the shm ring with no command pending'));
      return;
    }
    this.deliver(e, r);
  }

  private dispatchSocket(r: RedisReply): void {
    this.lastActivity = performance.now();
    const head = this.sockQ.peek();
    const isPush = r.type === REDIS_REPLY_PUSH;
    if (isPush || (this.protocol === 2 && (this.subs.active || head?.sub !== undefined))) {
      const ev = this.subs.classify(r);
      if (ev?.type === 'message') {
        if (ev.to) this.call(ev.to.cb as ReplyCallback | null, r, ev.to.privdata);
        else if (isPush) this.push(r);
        return;
      }
      if (ev?.type === 'confirm' && head?.sub !== undefined && this.subs.matches(ev, head.sub)) {
        const { to, done } = this.subs.confirm(ev, head.sub, { cb: head.cb as Subscriber['cb'], privdata: head.privdata });
        if (done) this.sockQ.shift();
        this.call(to.cb as ReplyCallback | null, r, to.privdata);
        if (done) this.afterReply();
        return;
      }
    }
    if (isPush) { this.push(r); return; }
    if (this.monitor && r.type === REDIS_REPLY_STATUS && MONITOR_LINE.test(r.str ?? '')) {
      this.call(this.monitor.cb as ReplyCallback | null, r, this.monitor.privdata);
      return;
    }
    const e = this.sockQ.shift();
    if (e === undefined) {
      this.fail(new RedisError('ERR_PROTOCOL', 'a reply arrived on the socket with no command pending'));
      return;
    }
    this.deliver(e, r);
  }

  private deliver(e: Entry, r: RedisReply): void {
    if (e.internal) e.internal(r);
    else {
      if (r.type !== REDIS_REPLY_ERROR) this.track(e);
      this.call(e.cb, r, e.privdata);
    }
    this.afterReply();
  }

  /** Connection state that successful commands change, as the server sees it. */
  private track(e: Entry): void {
    switch (e.name) {
      case 'hello': if (e.proto) this.protocol = e.proto; break;
      case 'client': if (e.tracking !== undefined) this.tracking = e.tracking; break;
      case 'reset': {
        this.protocol = 2;
        this.tracking = false;
        this.inMulti = false;
        this.dropSubscribers();
        break;
      }
      case 'monitor': this.monitor = { cb: e.cb as Subscriber['cb'], privdata: e.privdata }; break;
    }
  }

  private afterReply(): void {
    if (this.state === 'closed') return;
    if (this.sockQ.length + this.shmQ.length === 0) this.ev?.delRead();
    this.pump();
    this.finishDisconnectIfDrained();
  }

  private push(r: RedisReply): void {
    const cb = this.pushCb;
    if (!cb) return;
    this.inCallback++;
    try { cb(this, r); } catch (e) { rethrowLater(e); } finally { this.inCallback--; }
    this.afterCallback();
  }

  /** Run a user callback: its exceptions never unwind the context (re-thrown on nextTick). */
  private call(cb: ReplyCallback | null, r: RedisReply | null, privdata: unknown): void {
    if (!cb) return;
    this.inCallback++;
    try { cb(this, r, privdata); } catch (e) { rethrowLater(e); } finally { this.inCallback--; }
    this.afterCallback();
  }

  private afterCallback(): void {
    if (this.inCallback > 0) return;
    if (this.freePending) { this.freePending = false; this.free(); return; }
    // disconnect() asked inside a callback that no reply follows (a pub/sub message, a push)
    this.finishDisconnectIfDrained();
  }

  // ---- adapter entry points ----------------------------------------------------------------

  /** hiredis redisAsyncHandleRead: pull reply bytes from a pollable channel now. */
  handleRead(): void {
    const shm = this.shm as PollableChannel | undefined;
    if (shm && typeof shm.poll === 'function' && this.state !== 'closed') shm.poll();
  }

  /** The spin policy adapters read (AsyncAdapterTarget.spin). */
  get spin(): SpinPolicy { return this.options.spin ?? 'adaptive'; }

  /** Adapter entry point for busy-polling (see AsyncAdapterTarget.readDirect). */
  readDirect(spinNs = 0, parkNs = 0): number {
    const shm = this.shm as DirectChannel | undefined;
    if (!shm || this.shmQ.length === 0 || this.state === 'closed' || typeof shm.pollDirect !== 'function') return -1;
    return shm.pollDirect(spinNs, parkNs) ? 1 : 0;
  }

  /** Adapter entry point: the adapter stopped polling (see AsyncAdapterTarget.releaseRead). */
  releaseRead(): void {
    const shm = this.shm as DirectChannel | undefined;
    if (shm && typeof shm.releaseDirect === 'function') shm.releaseDirect();
  }

  /** hiredis redisAsyncHandleTimeout. */
  handleTimeout(): void {
    this.timerArmed = false;
    if (this.state === 'closed') return;
    const ms = this.options.commandTimeoutMs ?? 0;
    if (ms <= 0 || this.sockQ.length + this.shmQ.length === 0) return;
    const idle = performance.now() - this.lastActivity;
    if (idle >= ms) this.fail(new RedisError('ERR_TIMEOUT', `Timeout: no reply for ${ms} ms`));
    else this.armTimer(ms - idle);
  }

  private armTimer(ms = this.options.commandTimeoutMs ?? 0): void {
    if (this.timerArmed || !(ms > 0)) return;
    this.timerArmed = true;
    this.hooks().scheduleTimer(ms);
  }

  // ---- connecting --------------------------------------------------------------------------

  private async start(): Promise<void> {
    if (this.closed) return;
    const ms = this.options.connectTimeoutMs ?? 10000;
    if (ms > 0) {
      this.connectTimer = setTimeout(() => this.fail(new RedisError('ERR_TIMEOUT', `Connection timed out after ${ms} ms`)), ms);
    }
    let sock: SocketChannel;
    try {
      sock = await SocketChannel.connect({ ...this.target, connectTimeoutMs: ms }, { onData: this.onSockData, onClose: this.onSockClose });
    } catch (e) {
      this.fail(asRedisError(e));
      return;
    }
    if (this.closed) { sock.close(); return; }
    this.sock = sock;
    try {
      await this.handshake();
      if (this.closed) return;
      await this.chooseTransport(sock);
    } catch (e) {
      this.fail(asRedisError(e));
      return;
    }
    if (this.closed) return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.state = this.disconnectRequested ? 'disconnecting' : 'connected';
    debug('connected over %s%s', this.transport, this.transportReason ? ` (${this.transportReason})` : '');
    if (this.connectCb) {
      this.callStatus(this.connectCb, REDIS_OK);
      this.afterCallback();
    }
    if (this.closed) return;
    this.pump();
    this.finishDisconnectIfDrained();
  }

  /** A method, not a field read: TypeScript must not narrow the state across awaits. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  private async handshake(): Promise<void> {
    // Sent pipelined; the first error fails the connect.
    const steps = startupCommands(this.options).map(([what, argv]) => [what, this.socketCommand(argv)] as const);
    for (const [what, p] of steps) {
      const r = await p;
      if (r.type === REDIS_REPLY_ERROR) throw new RedisError('ERR_OTHER', `${what} failed: ${r.str}`);
    }
    if (this.options.protocol === 3) this.protocol = 3;
  }

  private async chooseTransport(sock: SocketChannel): Promise<void> {
    const choice = this.options.transport ?? 'auto';
    if (choice === 'socket') { this.transport = 'socket'; return; }
    let reason: string;
    if (!sock.isLocal) {
      reason = 'the server is not on this host (shm needs a Unix socket or a loopback address)';
    } else {
      const opener = this.options.shmOpener ?? openShmChannel;
      const handlers: ChannelHandlers = { onData: this.onShmData, onClose: this.onShmClose };
      const nativeWake = this.ev?.shmWake === 'native';
      const res = await opener({ lifeline: sock, command: (argv) => this.socketCommand(argv), handlers, nativeWake, spinAlways: this.spin === 'always', serve: this.options.serve });
      if (this.closed) { if (typeof res !== 'string') res.close(); return; }
      if (typeof res !== 'string') {
        this.shm = res;
        this.transport = 'shm';
        return;
      }
      reason = res;
    }
    if (choice === 'shm') throw new RedisError('ERR_SHM_UNAVAILABLE', `shm transport unavailable: ${reason}`);
    this.transport = 'socket';
    this.transportReason = reason;
    debug('shm unavailable, using the socket: %s', reason);
    const cb = this.options.onTransportFallback;
    if (cb) {
      try { cb(this, reason); } catch (e) { rethrowLater(e); }
    }
  }

  // ---- closing -----------------------------------------------------------------------------

  private readonly onSockClose = (err?: RedisError): void => {
    if (this.state === 'closed') return;
    if (this.quitting) { this.finishDisconnect(); return; }
    this.fail(err ?? new RedisError('ERR_EOF', 'Server closed the connection'));
  };

  private readonly onShmClose = (err?: RedisError): void => {
    if (this.state === 'closed') return;
    // After QUIT the server ends the shm session as it drops the connection, which we may
    // notice before the socket has delivered QUIT's reply: then the socket's close finishes.
    if (this.quitting) { if (!this.sock?.isOpen || this.sockQ.length === 0) this.finishDisconnect(); return; }
    this.fail(err ?? new RedisError('ERR_SHM_CLOSED', 'the shm session closed'));
  };

  private setError(err: RedisError): void {
    this.error = err;
    this.err = err.hiredisErr;
    this.errstr = err.message;
  }

  private teardown(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.shm?.close();
    this.sock?.close();
  }

  /** Every pending callback once with a null reply, in send order; then the subscribers. */
  private flushCallbacks(): void {
    const pending = [...this.sockQ.drain(), ...this.shmQ.drain(), ...this.held.drain()];
    for (const e of pending) {
      if (e.internal) e.internal(null);
      else this.call(e.cb, null, e.privdata);
    }
    this.dropSubscribers();
  }

  /** Every subscriber and the MONITOR callback once with a null reply, then forgotten. */
  private dropSubscribers(): void {
    const dropped = this.subs.clear();
    if (this.monitor) dropped.push(this.monitor);
    this.monitor = undefined;
    for (const s of dropped) this.call(s.cb as ReplyCallback | null, null, s.privdata);
  }

  private callStatus(cb: ConnectCallback | DisconnectCallback | undefined, status: number): void {
    if (!cb) return;
    this.inCallback++;
    try { cb(this, status); } catch (e) { rethrowLater(e); } finally { this.inCallback--; }
  }

  /** The context failed: err/errstr set, every callback gets null, then connect/disconnect cb. */
  private fail(err: RedisError): void {
    if (this.state === 'closed') return;
    const wasConnected = this.state !== 'connecting';
    this.setError(err);
    debug('context failed: %s', err.message);
    this.closeNow(wasConnected ? this.disconnectCb : this.connectCb, REDIS_ERR);
  }

  private finishDisconnect(): void {
    if (this.state === 'closed') return;
    this.closeNow(this.disconnectCb, REDIS_OK);
  }

  /** A requested disconnect completes once nothing is pending and no callback is running. */
  private finishDisconnectIfDrained(): void {
    if (this.state === 'disconnecting' && this.inCallback === 0 && this.pending() === 0) this.finishDisconnect();
  }

  /** Closed from now on: channels closed, every pending callback once with null, then `cb(status)`. */
  private closeNow(cb: ConnectCallback | DisconnectCallback | undefined, status: number): void {
    this.state = 'closed';
    this.teardown();
    this.flushCallbacks();
    this.callStatus(cb, status);
    this.ev?.cleanup();
    this.freePending = false;
  }

  /**
   * hiredis redisAsyncDisconnect: accept no new commands, let pending replies arrive and
   * their callbacks run, then close and call the disconnect callback with REDIS_OK.
   */
  disconnect(): void {
    if (this.state === 'closed') return;
    this.disconnectRequested = true;
    if (this.state === 'connecting') return;
    this.state = 'disconnecting';
    this.finishDisconnectIfDrained();
  }

  /**
   * hiredis redisAsyncFree: close now; pending callbacks get a null reply, then the disconnect
   * callback runs with REDIS_OK if the context was connected. Inside a callback it is deferred
   * until that callback returns.
   */
  free(): void {
    if (this.inCallback > 0) { this.freePending = true; return; }
    if (this.state === 'closed') return;
    this.closeNow(this.state !== 'connecting' ? this.disconnectCb : undefined, REDIS_OK);
  }
}

// The promise client: one logical connection (an async context over shm or the socket)
// with JS values, typed command methods, automatic pipelining, MULTI and pipelines, and
// reconnection with a bounded offline queue.
//
// States:
//   idle --connect()--> connecting --ok--> ready --lost--> reconnecting --ok--> ready
//   connecting --failed--> closed (connect() rejects)      reconnecting --gave up--> closed
//   ready | reconnecting --quit()/disconnect()--> closed
//
// Commands issued while not ready wait in the offline queue (bounded: ERR_QUEUE_FULL).
// Commands in flight when a connection is lost reject with its error; they are not
// replayed, because the server may have run them.
import { EventEmitter } from 'eventemitter3';
import type { AsyncContext } from '../async/context.js';
import { redisAsyncConnect, redisAsyncConnectUnix } from '../async/api.js';
import { commandName, suppressesReplies, word } from '../async/route.js';
import { redisBusyPollAttach } from '../../adapters/busy-poll.js';
import { installCommands, type CommandMethods } from '../commands/index.js';
import { RedisError, ReplyError } from '../errors.js';
import { formatArgv, type CommandArg } from '../format/argv.js';
import type { RedisReply } from '../resp/reply.js';
import { REDIS_OK, REDIS_REPLY_ERROR } from '../resp/types.js';
import type { ChannelKind } from '../transport/channel.js';
import { Batch, type BatchOf } from './batch.js';
import { defaultBackoff, DEFAULT_MAX_OFFLINE_QUEUE, type ClientOptions } from './options.js';
import { toValue, type ReplyValue } from './reply.js';
import { commandChannel, connectChannel, sanitizeArgs, traceCommand, traceConnect } from './tracing.js';

/** Commands answered by a stream of messages: one promise cannot carry them. */
const MULTI_REPLY = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor']);

/** The command's lowercase name, or why the client refuses it before sending it. */
function vet(args: CommandArg[], checkFormat = false): string | RedisError {
  if (!Array.isArray(args) || args.length === 0) return new RedisError('ERR_ARGUMENT', 'a command needs at least its name');
  // a single command's bad argument is caught when it is issued; a batch checks up front
  if (checkFormat) {
    try { formatArgv(args); } catch (e) { return e instanceof RedisError ? e : new RedisError('ERR_ARGUMENT', String(e)); }
  }
  const name = commandName(args);
  if (MULTI_REPLY.has(name)) {
    return new RedisError('ERR_ARGUMENT', `${name.toUpperCase()} is answered by a stream of messages, not one reply: use a Subscriber (createSubscriber / new Subscriber(client))${name === 'monitor' ? ' or the async API' : ''}`);
  }
  if (suppressesReplies(name, args)) {
    return new RedisError('ERR_ARGUMENT', 'CLIENT REPLY OFF/SKIP is not supported: replies would no longer match their commands');
  }
  return name;
}

export type ClientState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** A raw reply handler for commands answered more than once (SUBSCRIBE, MONITOR). */
export type RawHandler = (reply: RedisReply | null) => void;

interface Pending {
  args: CommandArg[];
  /** The lowercase command name (for track()). */
  name: string;
  resolve: (v: ReplyValue) => void;
  reject: (e: Error) => void;
  /** Resolve with the raw reply instead of converting (internal use). */
  raw?: RawHandler;
}

export interface ClientEvents {
  connect: [transport: ChannelKind];
  ready: [];
  error: [err: Error];
  reconnecting: [info: { attempt: number; delay: number; error: Error }];
  end: [];
  /** RESP3 pushes that are not pub/sub traffic (e.g. tracking invalidations). */
  push: [value: ReplyValue];
}

/** Methods the client defines itself instead of the generated ones. */
type OwnMethods = 'multi' | 'quit';
export interface RedisClient extends Omit<CommandMethods<Promise<ReplyValue>>, OwnMethods> {}

export class RedisClient extends EventEmitter<ClientEvents> {
  state: ClientState = 'idle';
  /** 'shm' or 'socket' while connected. */
  transport: ChannelKind | undefined;
  /** Why 'auto' is on the socket. */
  transportReason: string | undefined;
  /** The current async context (for adapters and diagnostics). */
  context: AsyncContext | undefined;

  private readonly offline: Pending[] = [];
  private batch: Pending[] = [];
  private flushScheduled = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private db: number;
  private name: string | undefined;
  private readonly buffers: boolean;
  /** Re-issued after a reconnect (the pub/sub layer registers its subscriptions here). */
  private readonly restorers = new Set<() => void>();
  /** The completion of a connect attempt in progress. */
  private opening: ((err?: Error) => void) | undefined;
  private closedBy: RedisError | undefined;
  private lastError: RedisError | undefined;
  /** Connect attempts so far (the connect trace's connectionEpoch). */
  private epoch = 0;
  /** The reply callback of every command (its Pending rides as privdata: no closure per command). */
  private readonly onReply = (_ac: AsyncContext, r: RedisReply | null, p: Pending): void => this.settle(p, r);

  constructor(readonly options: ClientOptions = {}) {
    super();
    this.db = options.db ?? 0;
    this.name = options.name;
    this.buffers = options.returnBuffers ?? false;
  }

  /** Connects (once). Rejects when the first connect fails; later losses reconnect. */
  connect(): Promise<this> {
    if (this.state !== 'idle') return Promise.reject(new RedisError('ERR_ARGUMENT', `connect() called in state ${this.state}`));
    this.state = 'connecting';
    return new Promise((resolve, reject) => {
      this.open((err) => {
        if (!err) { resolve(this); return; }
        if (this.state !== 'closed') { this.state = 'closed'; this.failQueued(err); this.emit('end'); }
        reject(err);
      });
    });
  }

  get isReady(): boolean { return this.state === 'ready'; }

  /** Sends one command; resolves with its reply as JS values, rejects with ReplyError or RedisError. */
  sendCommand(args: CommandArg[]): Promise<ReplyValue> {
    const name = vet(args);
    if (typeof name !== 'string') return Promise.reject(name);
    return this.queue(args, name);
  }

  /**
   * Several commands, queued all or none: while offline, a batch that does not fit in the
   * offline queue is refused whole (ERR_QUEUE_FULL), so a MULTI block is never cut in two.
   */
  sendCommands(list: CommandArg[][]): Promise<ReplyValue>[] {
    // Refuse the whole batch for anything refused client-side: inside MULTI, a command that
    // never reached the server would let EXEC run the others (no EXECABORT).
    const names: string[] = [];
    for (const args of list) {
      const name = vet(args, true);
      if (typeof name !== 'string') return list.map(() => Promise.reject(name));
      names.push(name);
    }
    const max = this.options.maxOfflineQueue ?? DEFAULT_MAX_OFFLINE_QUEUE;
    if ((this.state === 'connecting' || this.state === 'reconnecting') && this.offline.length + list.length > max) {
      const err = new RedisError('ERR_QUEUE_FULL', `the offline queue is full (${max} commands waiting for the connection; this batch has ${list.length})`);
      return list.map(() => Promise.reject(err));
    }
    return list.map((args, i) => this.queue(args, names[i]!));
  }

  /** A command whose every reply (confirmations, messages) goes to `handler` (internal: pub/sub, MONITOR). */
  sendRaw(args: CommandArg[], handler: RawHandler, onError?: (err: Error) => void): void {
    this.enqueue({ args, name: commandName(args), resolve: () => undefined, reject: (e) => (onError ? onError(e) : handler(null)), raw: handler });
  }

  /** Runs `fn` after every reconnect (before queued commands go out); returns an unregister function. */
  onRestore(fn: () => void): () => void {
    this.restorers.add(fn);
    return () => this.restorers.delete(fn);
  }

  /** MULTI ... EXEC: queue commands on the returned object, then `await exec()`. */
  multi(): BatchOf {
    return new Batch(this, true) as BatchOf;
  }

  /** Commands sent together without a transaction; `exec()` resolves with every result (errors as values). */
  pipeline(): BatchOf {
    return new Batch(this, false) as BatchOf;
  }

  /** Graceful: QUIT after every pending reply; no reconnect. */
  async quit(): Promise<'OK'> {
    if (this.state === 'closed' || this.state === 'idle') { this.state = 'closed'; return 'OK'; }
    const ctx = this.context;
    if (this.state !== 'ready' || !ctx) { this.disconnect(); return 'OK'; }
    this.flush();
    this.state = 'closed';
    await new Promise<void>((resolve) => {
      ctx.commandArgv(() => resolve(), undefined, ['QUIT']);
    });
    this.failQueued(new RedisError('ERR_CLOSED', 'the client quit'));
    return 'OK';
  }

  /** Immediate: pending commands reject with ERR_CLOSED; no reconnect. */
  disconnect(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state !== 'idle';
    this.state = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const err = new RedisError('ERR_CLOSED', 'the client disconnected');
    const ctx = this.context;
    this.context = undefined;
    this.transport = undefined;
    // commands in flight get their null reply from free(); the context is no longer ours, so
    // settle() reports ERR_CLOSED for them
    this.closedBy = err;
    ctx?.free();
    this.failQueued(err);
    this.opening?.(err);
    if (wasOpen) this.emit('end');
  }

  // ---- sending -----------------------------------------------------------------------------

  private queue(args: CommandArg[], name: string): Promise<ReplyValue> {
    return new Promise((resolve, reject) => this.enqueue({ args, name, resolve, reject }));
  }

  private enqueue(p: Pending): void {
    if (this.state === 'closed' || this.state === 'idle') {
      p.reject(new RedisError('ERR_CLOSED', this.state === 'idle' ? 'the client is not connected: call connect()' : 'the client is closed'));
      return;
    }
    if (this.state !== 'ready') {
      const max = this.options.maxOfflineQueue ?? DEFAULT_MAX_OFFLINE_QUEUE;
      if (this.offline.length >= max) {
        p.reject(new RedisError('ERR_QUEUE_FULL', `the offline queue is full (${max} commands waiting for the connection)`));
        return;
      }
      this.offline.push(p);
      return;
    }
    if (this.options.autoPipelining === 'immediate') { this.issue(p); return; }
    this.batch.push(p);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Hands this tick's commands to the connection together. */
  private flush(): void {
    this.flushScheduled = false;
    const b = this.batch;
    if (b.length === 0) return;
    this.batch = [];
    // the connection went away in this tick: these go first when it is back, in order
    if (!this.context || this.state !== 'ready') { this.offline.unshift(...b); return; }
    for (const p of b) this.issue(p);
  }

  private issue(p: Pending): void {
    const ctx = this.context;
    if (!ctx || this.state !== 'ready') { this.offline.push(p); return; }
    // traced when written, once (an offline command is traced when it leaves the queue)
    if (commandChannel.hasSubscribers && !p.raw) {
      const { address, port } = this.server();
      traceCommand({
        command: p.name, args: sanitizeArgs(p.name, p.args.slice(1)), database: this.db,
        serverAddress: address, serverPort: port, transport: ctx.transport ?? 'socket',
      }, p, () => this.write(ctx, p));
      return;
    }
    this.write(ctx, p);
  }

  private write(ctx: AsyncContext, p: Pending): void {
    let status: number;
    try {
      status = ctx.commandArgv(this.onReply, p, p.args);
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    if (status !== REDIS_OK) p.reject(new RedisError('ERR_CLOSED', 'the connection is closing'));
  }

  /** Remember a successful SELECT / CLIENT SETNAME so a reconnect restores it. */
  private track(p: Pending): void {
    const args = p.args;
    if (p.name === 'select' && args.length === 2) this.db = Number(args[1]);
    else if (p.name === 'client' && args.length === 3 && word(args[1]) === 'setname') this.name = String(args[2]);
  }

  private settle(p: Pending, r: RedisReply | null): void {
    if (p.raw) { p.raw(r); return; }
    if (r === null) {
      p.reject(this.closedBy ?? this.context?.error ?? this.lastError ?? new RedisError('ERR_CLOSED', 'the connection closed'));
      return;
    }
    if (r.type === REDIS_REPLY_ERROR) { p.reject(new ReplyError(r.str ?? '')); return; }
    this.track(p);
    p.resolve(toValue(r, this.buffers));
  }

  // ---- connecting --------------------------------------------------------------------------

  /** Where the client connects, as traces name it. */
  private server(): { address: string; port: number | undefined } {
    const o = this.options;
    return o.path ? { address: o.path, port: undefined } : { address: o.host ?? '127.0.0.1', port: o.port ?? 6379 };
  }

  private open(finish: (err?: Error) => void): void {
    this.epoch++;
    if (!connectChannel.hasSubscribers) { this.dial(finish); return; }
    const { address, port } = this.server();
    traceConnect({ serverAddress: address, serverPort: port, connectionEpoch: this.epoch }, (report) => {
      this.dial((err) => { report(err, this.transport); finish(err); });
    });
  }

  private dial(finish: (err?: Error) => void): void {
    const o = this.options;
    const done = (err?: Error): void => {
      if (this.opening !== done) return;
      this.opening = undefined;
      finish(err);
    };
    this.opening = done;
    const ao = {
      transport: o.transport ?? 'auto', connectTimeoutMs: o.connectTimeout ?? 10000, commandTimeoutMs: o.commandTimeout ?? 0,
      username: o.username, password: o.password, protocol: o.resp ?? 2, db: this.db, name: this.name, spin: o.spin, serve: o.serve,
      pushCallback: (_ac: AsyncContext, r: RedisReply) => this.emit('push', toValue(r, this.buffers)),
    };
    const ctx = o.path ? redisAsyncConnectUnix(o.path, ao) : redisAsyncConnect(o.host ?? '127.0.0.1', o.port ?? 6379, ao);
    this.context = ctx;
    // Default: busy-poll (direct REP reads over shm; on the socket it never polls). The data
    // behind the choice is in docs/api.md ("Which adapter").
    if (o.adapter) o.adapter(ctx); else redisBusyPollAttach(ctx);
    ctx.setConnectCallback((c, status) => {
      if (this.context !== c) return;
      this.lastError = c.error;
      if (status !== REDIS_OK) { this.context = undefined; done(c.error ?? new RedisError('ERR_OTHER', c.errstr)); return; }
      if (this.state === 'closed') { c.free(); return; }
      this.transport = c.transport;
      this.transportReason = c.transportReason;
      this.attempt = 0;
      this.state = 'ready';
      this.emit('connect', c.transport!);
      // resubscriptions first (flushed now, not on the next tick), then what waited offline
      for (const f of this.restorers) f();
      this.flush();
      for (const p of this.offline.splice(0)) this.issue(p);
      this.emit('ready');
      done();
    });
    ctx.setDisconnectCallback((c, status) => {
      if (this.context !== c) return;
      this.lastError = c.error;
      this.context = undefined;
      this.transport = undefined;
      if (this.state === 'closed') { this.emit('end'); return; }
      this.lost(c.error ?? new RedisError(status === REDIS_OK ? 'ERR_EOF' : 'ERR_OTHER', c.errstr || 'the connection closed'));
    });
  }

  private lost(err: Error): void {
    this.emit('error', err);
    this.scheduleReconnect(err);
  }

  private scheduleReconnect(err: Error): void {
    const r = this.options.reconnect;
    const delay = r === false ? false : (r ?? defaultBackoff)(this.attempt, err);
    if (delay === false) {
      this.state = 'closed';
      this.failQueued(err);
      this.emit('end');
      return;
    }
    this.state = 'reconnecting';
    this.emit('reconnecting', { attempt: this.attempt, delay, error: err });
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state !== 'reconnecting') return;
      this.open((e) => { if (e && this.state === 'reconnecting') this.scheduleReconnect(e); });
    }, delay);
  }

  private failQueued(err: Error): void {
    for (const p of [...this.batch.splice(0), ...this.offline.splice(0)]) p.reject(err);
  }
}

installCommands(RedisClient.prototype);

/** Creates a client; call `await client.connect()` before (or while) sending commands. */
export function createClient(options?: ClientOptions): RedisClient {
  return new RedisClient(options);
}

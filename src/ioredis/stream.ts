// The stream an ioredis connection reads and writes when it uses ShmConnector. ioredis sees
// one Duplex that behaves like its socket; underneath, the connection's commands go over the
// shm rings once the session is open, and the commands bound to the connection go over the
// socket, which stays the session's lifeline.
//
// Phases:
//   framed       requests are split into commands and routed (src/async/route.ts); replies
//                of both channels are framed so the connector's own commands (SHM.OPEN,
//                SHM.SYNC, SHM.FENCE) can be answered without ioredis seeing them.
//   passthrough  bytes go to the socket and come back untouched, as with ioredis's own
//                socket: when shm is not available (no module, remote host, refused), and,
//                for the rest of the connection, once it subscribes, MONITORs, turns on
//                CLIENT TRACKING, asks for CLIENT REPLY OFF/SKIP, or writes something that is
//                not a multibulk command: from then on replies do not follow commands.
//
// The upgrade: ioredis's handshake (AUTH/HELLO, SELECT, CLIENT SETNAME/SETINFO) is socket-only
// by the routing rule, so it runs on the socket. The first command the ring would serve (the
// ready check's INFO) waits while SHM.OPEN goes out on the socket behind the handshake, so the
// session takes the user, db and protocol ioredis set up.
//
// Ordering barrier (as in the async context, docs/api.md §4): only one channel has commands
// in flight at a time; a command for the other channel waits, with everything written after
// it, until the busy channel has answered everything. So ioredis receives replies in the order
// it wrote the commands, and each command runs on the server after the ones written before it.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { debuglog } from 'node:util';
import { busyPollHooks, type BusyPollOptions } from '../../adapters/busy-poll.js';
import { nodeAdapter, type AsyncAdapterHooks, type AsyncAdapterTarget, type SpinPolicy } from '../async/adapter.js';
import { Queue } from '../async/queue.js';
import {
  changesSession, clusterFlagsAfter, routeOf, inMultiAfter, needsFence, NO_CLUSTER_FLAGS,
  suppressesReplies, trackingSwitch, type ClusterFlags,
} from '../async/route.js';
import { RedisError } from '../errors.js';
import { formatArgv, type CommandArg } from '../format/argv.js';
import { Reader } from '../resp/reader.js';
import type { RedisReply } from '../resp/reply.js';
import { REDIS_REPLY_ERROR, REDIS_REPLY_PUSH } from '../resp/types.js';
import { BoundaryScanner } from '../spinner/frame.js';
import type { ChannelHandlers } from '../transport/channel.js';
import { openShm, type ServeMode } from '../transport/shm-open.js';
import type { ShmChannel } from '../transport/shm.js';
import { SocketChannel, type SocketTarget } from '../transport/socket.js';
import { RequestSplitter, type SplitCommand } from './requests.js';

const debug = debuglog('redis-shm');
const PUSH_TYPE = 0x3e;  // '>'
/** Commands after which replies no longer follow commands one to one. */
const STICKY = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor']);

/** What the connection ended up on, reported once per connection (the Redis 'shm' event). */
export interface TransportInfo {
  transport: 'shm' | 'socket';
  /** Why shm is not used (transport 'socket'). */
  reason?: string;
  /** The server's session id (transport 'shm'). */
  session?: number;
}

export interface ShmStreamOptions {
  /** Where the socket goes (for the is-it-local check). */
  target: SocketTarget;
  /** Ring bytes per direction (power of two; default 1 MiB). */
  ringBytes?: number;
  /** 'adaptive' (default) or 'always' (the serving thread and this thread keep polling while the session is open). */
  spin?: SpinPolicy;
  /** Busy-poll the REP ring after each write (default), with these options; false: wait for the spinner's doorbell only. */
  poll?: BusyPollOptions | false;
  /** Who serves the session ('thread' or 'main'; default REDIS_SHM_SERVE, else 'thread'). */
  serve?: ServeMode;
  /** Called once when the connection settles on shm or on the socket. */
  onTransport?: (info: TransportInfo) => void;
}

/** A command waiting for the barrier. */
interface Pending {
  bytes: Uint8Array;
  /** 'raw': bytes that end the framed phase (see the file comment). */
  route: 'shm' | 'socket' | 'raw';
  sync: boolean;
  fence: boolean;
}

/** A reply expected on the socket: ioredis's (internal undefined) or the connector's own. */
interface SockEntry { internal: ((r: RedisReply | null) => void) | undefined }
const USER: SockEntry = { internal: undefined };

/** Commands of one write are adjacent views of its buffer: one view of the whole run, no copy
 *  (a pipeline goes into REQ straight from ioredis's buffer). Anything else is concatenated. */
function joined(parts: Uint8Array[]): Uint8Array {
  const first = parts[0]!;
  let end = first.byteOffset + first.byteLength;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.buffer !== first.buffer || p.byteOffset !== end) return Buffer.concat(parts);
    end += p.byteLength;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

function raw(bytes: Uint8Array): Pending {
  return { bytes, route: 'raw', sync: false, fence: false };
}

/** lost: the session closed under the connection, which ends once the socket has answered what it carries. */
type ShmState = 'untried' | 'opening' | 'open' | 'off' | 'lost';

export class ShmStream extends Duplex implements AsyncAdapterTarget {
  /** Transport the connection's commands use now ('socket' until the session is open). */
  transport: 'shm' | 'socket' = 'socket';
  /** Why shm is not used, once that is known. */
  reason: string | undefined;
  /** Commands sent so far over each channel (the connector's own not counted; in the
   *  passthrough phase writes are counted, not commands). */
  readonly sent = { shm: 0, socket: 0 };

  private readonly sock: SocketChannel;
  private shm: ShmChannel | undefined;
  private shmState: ShmState = 'untried';
  private passthrough = false;
  private readonly splitter = new RequestSplitter();
  private readonly sockScan = new BoundaryScanner();
  private readonly shmScan = new BoundaryScanner();
  private readonly internalReader = new Reader<RedisReply>();
  private readonly sockQ = new Queue<SockEntry>();
  private internalPending = 0;
  private shmInFlight = 0;
  private readonly held = new Queue<Pending>();
  private inMulti = false;
  private cluster: ClusterFlags = NO_CLUSTER_FLAGS;
  private servedOverShm = false;
  private rawErr: Error | undefined;
  private finalCb: ((err?: Error | null) => void) | undefined;
  private reported = false;
  private readonly hooks: AsyncAdapterHooks;
  private reading = false;
  /** Ring writes of the current write() call, sent as one. */
  private ringBatch: Uint8Array[] = [];

  constructor(private readonly raw: Socket, private readonly opts: ShmStreamOptions) {
    super({ allowHalfOpen: true });
    const handlers: ChannelHandlers = { onData: this.onSockData, onClose: this.onSockClose };
    const { channel, open } = SocketChannel.adopt(raw, opts.target, handlers, { connectTimeoutMs: 0 });
    this.sock = channel;
    open.catch(() => { if (!this.destroyed) this.destroy(this.rawErr ?? new Error('Connection is closed.')); });
    raw.on('error', (e) => { this.rawErr ??= e; });
    raw.once('connect', () => this.emit('connect'));
    raw.once('secureConnect', () => this.emit('secureConnect'));
    raw.on('timeout', () => this.emit('timeout'));
    this.hooks = opts.poll === false ? nodeAdapter(this) : busyPollHooks(this, opts.poll ?? {});
  }

  // ---- what ioredis reads of a net.Socket ----------------------------------------------------

  get connecting(): boolean { return this.raw.connecting; }
  get remoteAddress(): string | undefined { return this.raw.remoteAddress; }
  get remotePort(): number | undefined { return this.raw.remotePort; }
  get localAddress(): string | undefined { return this.raw.localAddress; }
  get localPort(): number | undefined { return this.raw.localPort; }
  setNoDelay(on?: boolean): this { this.raw.setNoDelay(on); return this; }
  setKeepAlive(on?: boolean, delayMs?: number): this { this.raw.setKeepAlive(on, delayMs); return this; }
  setTimeout(ms: number, cb?: () => void): this {
    if (cb) this.once('timeout', cb);
    this.raw.setTimeout(ms);
    if (ms === 0 && cb) this.removeListener('timeout', cb);
    return this;
  }
  ref(): this { this.raw.ref(); return this; }
  unref(): this { this.raw.unref(); return this; }

  // ---- the adapter target (busy-poll reads the REP ring on this thread) ----------------------

  get spin(): SpinPolicy { return this.opts.spin ?? 'adaptive'; }
  handleRead(): void { if (this.shm && !this.destroyed) this.shm.poll(); }
  handleTimeout(): void { /* ioredis keeps its own timers */ }
  readDirect(spinNs = 0, parkNs = 0): number {
    const shm = this.shm;
    if (!shm || this.shmInFlight === 0 || this.destroyed) return -1;
    return shm.pollDirect(spinNs, parkNs) ? 1 : 0;
  }
  releaseRead(): void { this.shm?.releaseDirect(); }

  // ---- writing ------------------------------------------------------------------------------

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.accept(chunk);
    cb();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    for (const c of chunks) this.accept(c.chunk);
    cb();
  }

  override _read(): void { /* replies are pushed as they arrive */ }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.held.length > 0) { this.finalCb = cb; return; }
    this.endSocket(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.hooks.cleanup();
    const shm = this.shm;
    this.shm = undefined;
    shm?.close();
    this.sock.close();
    if (!this.raw.destroyed) this.raw.destroy();
    for (let e = this.sockQ.shift(); e !== undefined; e = this.sockQ.shift()) e.internal?.(null);
    this.held.drain();
    const f = this.finalCb;
    this.finalCb = undefined;
    f?.(err);
    cb(err);
  }

  private endSocket(cb: (err?: Error | null) => void): void {
    this.raw.end();
    cb();
  }

  private accept(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.passthrough && this.held.length === 0) { this.sock.write(chunk); this.sent.socket++; return; }
    if (this.passthrough || this.stopFraming) { this.submit(raw(chunk)); return; }
    const { commands, rest } = this.splitter.split(chunk);
    for (const c of commands) this.submit(this.classify(c));
    if (rest) {
      debug('ioredis stream: bytes that are not a multibulk command; the rest of the connection is passed through');
      this.stopFraming = true;
      this.submit(raw(rest));
    }
    if (this.stopFraming) {
      // a command cut across writes after the point where framing stopped goes out as bytes
      const tail = this.splitter.takePending();
      if (tail) this.submit(raw(tail));
    }
    this.flushRing();
  }

  /** Set once the framed phase must end for good (raw bytes were written). */
  private stopFraming = false;

  /** The route of one command, and the connection state it changes (in write order). */
  private classify(c: SplitCommand): Pending {
    const { name, argv } = c;
    if (this.stopFraming || STICKY.has(name) || suppressesReplies(name, argv) || trackingSwitch(name, argv) === true) {
      this.stopFraming = true;
      return raw(c.bytes);
    }
    const route = routeOf(name, argv, this.inMulti, this.cluster);
    this.inMulti = inMultiAfter(name, this.inMulti);
    this.cluster = clusterFlagsAfter(name, this.cluster);
    return { bytes: c.bytes, route, sync: changesSession(name, argv), fence: needsFence(name) };
  }

  private submit(p: Pending): void {
    if (this.held.length > 0 || !this.trySend(p)) this.held.push(p);
  }

  /** Sends `p` now if the barrier allows; false while it must wait. */
  private trySend(p: Pending): boolean {
    if (this.passthrough) { this.flushRing(); this.sock.write(p.bytes); this.sent.socket++; return true; }
    if (p.route === 'raw') {
      if (this.shmInFlight > 0 || this.sockQ.length > 0) return false;
      this.enterPassthrough('the connection left request/reply mode (pub/sub, MONITOR, tracking or raw bytes)');
      this.sock.write(p.bytes);
      this.sent.socket++;
      return true;
    }
    let via = p.route;
    if (via === 'shm') {
      if (this.shmState === 'untried') { this.upgrade(); return false; }
      if (this.shmState === 'opening' || this.shmState === 'lost') return false;
      if (this.shmState === 'off') via = 'socket';
    }
    if (via === 'shm') {
      if (this.sockQ.length > 0) return false;
      this.servedOverShm = true;
      this.ringBatch.push(p.bytes);
      this.shmInFlight++;
      this.sent.shm++;
      this.noteSent();
      return true;
    }
    if (this.shmInFlight > 0) return false;
    this.flushRing();
    if (p.fence && this.servedOverShm && this.shm) this.sendInternal(['SHM.FENCE'], () => {});
    this.sockQ.push(USER);
    this.sock.write(p.bytes);
    this.sent.socket++;
    this.noteSent();
    if (p.sync && this.shm) {
      this.sendInternal(['SHM.SYNC'], (r) => {
        if (r && r.type === REDIS_REPLY_ERROR) this.fail(new RedisError('ERR_OTHER', `SHM.SYNC failed: ${r.str}`));
      });
    }
    return true;
  }

  private flushRing(): void {
    const b = this.ringBatch;
    if (b.length === 0) return;
    this.ringBatch = [];
    const shm = this.shm;
    if (!shm) return;
    shm.write(b.length === 1 ? b[0]! : joined(b));
  }

  private pump(): void {
    for (let p = this.held.peek(); p !== undefined; p = this.held.peek()) {
      if (!this.trySend(p)) break;
      this.held.shift();
    }
    this.flushRing();
    if (this.held.length === 0 && this.finalCb) {
      const f = this.finalCb;
      this.finalCb = undefined;
      this.endSocket(f);
    }
  }

  private sendInternal(argv: CommandArg[], done: (r: RedisReply | null) => void): void {
    this.sockQ.push({ internal: done });
    this.internalPending++;
    this.sock.write(formatArgv(argv));
    this.noteSent();
  }

  private internalCommand(argv: Array<string | Uint8Array>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.sendInternal(argv, (r) => {
        if (r === null) reject(new RedisError('ERR_CLOSED', 'the connection closed'));
        else resolve(r);
      });
    });
  }

  private noteSent(): void {
    if (this.reading) return;
    this.reading = true;
    this.hooks.addRead();
  }

  private noteAnswered(): void {
    if (!this.reading || this.sockQ.length + this.shmInFlight > 0) return;
    this.reading = false;
    this.hooks.delRead();
  }

  // ---- the upgrade --------------------------------------------------------------------------

  private upgrade(): void {
    this.shmState = 'opening';
    const handlers: ChannelHandlers = { onData: this.onShmData, onClose: this.onShmClose };
    const ring = this.opts.ringBytes;
    openShm(
      { lifeline: this.sock, command: (argv) => this.internalCommand(argv), handlers },
      { reqCapacity: ring, repCapacity: ring, spinAlways: this.spin === 'always', serve: this.opts.serve },
    ).then((res) => {
      if (this.destroyed) { if (typeof res !== 'string') res.channel.close(); return; }
      if (typeof res === 'string') { this.settleOff(res); return; }
      this.shm = res.channel;
      this.shmState = 'open';
      this.transport = 'shm';
      debug('ioredis stream: commands go over shm (session %d)', res.info.session);
      this.report({ transport: 'shm', session: res.info.session });
      this.pump();
    }, (e: unknown) => {
      if (!this.destroyed) this.settleOff(`SHM.OPEN failed: ${(e as Error)?.message ?? String(e)}`);
    });
  }

  /** Shm is not available: the socket carries everything, untouched, from now on. */
  private settleOff(reason: string): void {
    this.shmState = 'off';
    this.reason = reason;
    debug('ioredis stream: shm unavailable, staying on the socket: %s', reason);
    this.report({ transport: 'socket', reason });
    // Nothing of ours is in flight (SHM.OPEN was answered), so framing can stop once the
    // socket has answered what it was sent before; held commands follow in order.
    if (this.internalPending === 0) this.enterPassthrough(reason);
    this.pump();
  }

  private enterPassthrough(reason: string): void {
    if (this.passthrough) return;
    this.flushRing();
    this.passthrough = true;
    this.sockQ.drain();
    this.noteAnswered();
    const shm = this.shm;
    if (shm) {
      debug('ioredis stream: leaving shm for the rest of the connection: %s', reason);
      this.shm = undefined;
      this.shmState = 'off';
      this.transport = 'socket';
      shm.close();  // the server ends the session when it sees the segment closed
    }
  }

  private report(info: TransportInfo): void {
    if (this.reported) return;
    this.reported = true;
    try { this.opts.onTransport?.(info); } catch (e) { process.nextTick(() => { throw e; }); }
  }

  // ---- replies ------------------------------------------------------------------------------

  private readonly onSockData = (chunk: Uint8Array): void => {
    if (this.destroyed) return;
    if (this.passthrough) { this.push(chunk); return; }
    const end = chunk.length;
    let i = 0;
    let from = 0;  // start of bytes still to be pushed to ioredis
    try {
      while (i < end) {
        const head = this.sockQ.peek();
        const j = this.sockScan.next(chunk, i, end);
        const stop = j < 0 ? end : j;
        if (head?.internal) {
          if (i > from) this.push(chunk.subarray(from, i));
          this.internalReader.feed(chunk.subarray(i, stop));
          from = stop;
        }
        if (j < 0) break;
        i = j;
        if (this.sockScan.lost) throw new RedisError('ERR_PROTOCOL', 'unframeable reply bytes on the socket');
        if (this.sockScan.topType === PUSH_TYPE && !head?.internal) continue;  // a push, not a reply
        if (!head) continue;  // a reply to nothing: ioredis's parser decides
        if (head.internal) {
          const r = this.internalReply();
          if (r === undefined) continue;  // it was a push
          this.sockQ.shift();
          this.internalPending--;
          head.internal(r);
          if (this.destroyed) return;
        } else {
          this.sockQ.shift();
        }
      }
    } catch (e) {
      this.fail(e instanceof RedisError ? e : new RedisError('ERR_PROTOCOL', String(e)));
      return;
    }
    if (from < end) this.push(from === 0 ? chunk : chunk.subarray(from));
    this.afterReplies();
  };

  /** The connector's own reply just framed (pushes in front of it are skipped). */
  private internalReply(): RedisReply | undefined {
    for (let r = this.internalReader.getReply(); r !== undefined; r = this.internalReader.getReply()) {
      if (r.type !== REDIS_REPLY_PUSH) return r;
    }
    return undefined;
  }

  private readonly onShmData = (chunk: Uint8Array): void => {
    if (this.destroyed) return;
    this.push(Buffer.from(chunk));  // the chunk is only valid during this call
    const end = chunk.length;
    let i = 0;
    for (let j = this.shmScan.next(chunk, i, end); j >= 0; j = this.shmScan.next(chunk, i, end)) {
      this.shmInFlight--;
      i = j;
      if (i >= end) break;
    }
    if (this.shmScan.lost || this.shmInFlight < 0) {
      this.fail(new RedisError('ERR_SHM_CORRUPT', 'the REP ring carried more replies than commands, or unframeable bytes'));
      return;
    }
    this.afterReplies();
  };

  private afterReplies(): void {
    this.noteAnswered();
    if (this.shmState === 'lost' && this.sockQ.length === 0) { this.endLost(); return; }
    if (this.held.length > 0) this.pump();
    if (this.shmState === 'off' && !this.passthrough && this.internalPending === 0 && this.held.length === 0) this.enterPassthrough(this.reason ?? '');
  }

  // ---- closing ------------------------------------------------------------------------------

  private readonly onSockClose = (): void => {
    // As net does: the socket's error (ECONNRESET, ...) if it had one, else a plain close.
    // After the reply bytes already pushed have reached ioredis (a push can sit in the
    // readable buffer until the next tick; destroying now would drop QUIT's +OK).
    setImmediate(() => { if (!this.destroyed) this.destroy(this.rawErr); });
  };

  private readonly onShmClose = (err?: RedisError): void => {
    if (this.destroyed || !this.shm) return;  // ours (destroy, passthrough)
    this.shm = undefined;
    // The session went away under the connection: replies on the ring are lost, so the
    // connection is lost, as when a socket closes. ioredis reconnects; corruption is an error.
    debug('ioredis stream: the shm session closed: %s', err?.message ?? 'no reason');
    this.shmState = 'lost';
    this.lostErr = err;
    // Nothing lost on the ring but the socket still owes replies (QUIT's +OK, as the server
    // drops the connection): those come first.
    if (this.shmInFlight > 0 || this.sockQ.length === 0) this.endLost();
  };

  private lostErr: RedisError | undefined;

  private endLost(): void {
    const err = this.lostErr;
    if (err && (err.code === 'ERR_SHM_CORRUPT' || err.code === 'ERR_NATIVE')) this.fail(err);
    else setImmediate(() => { if (!this.destroyed) this.destroy(); });
  }

  private fail(err: RedisError): void {
    if (this.destroyed) return;
    debug('ioredis stream failed: %s', err.message);
    this.destroy(err);
  }
}

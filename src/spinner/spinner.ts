// Main-thread side of the spinner: owns the one worker of this process, registers shm
// channels with it, waits for its doorbell with Atomics.waitAsync and drains each channel's
// inbox into its sink. A channel registered with nativeWake (the native adapter's) rings a
// second doorbell instead, which a native thread of the addon (BellWatcher) waits on and
// reports through a ThreadSafeFunction; that thread runs while such a channel is registered.
// The worker exists only while at least one channel is registered, and is unref'd so it
// never keeps the process alive.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { RedisError } from '../errors.js';
import { loadAddon, type RawAddon, type RawBellWatcher } from '../native/addon.js';
import {
  BELL_SEQ, CONTROL_INTS, CTRL_SEQ, CTRL_STOP, INBOX_HEADER_BYTES, IN_HEAD, IN_REQ_ARMED, IN_REQ_EVENTS, IN_REQ_SEQ,
  IN_SPACE_TAKEN, IN_STATUS, IN_TAIL, IN_WAKE, IN_WANT_SPACE, WAKE_NATIVE,
  MAIN_PARKED, NATIVE_SEQ, STATUS_ACTIVE, STATUS_CLOSED, STATUS_RELEASED, WORKER_PARKED, type ControlMessage, type WorkerConfig,
  IN_MID_REPLY, IN_OWNER, IN_WRITTEN, OWNER_MAIN, OWNER_WANTED, OWNER_WORKER, WORKER_READY,
} from './slots.js';

export type InboxEnd = 'closed' | 'corrupt' | 'lost';

/** Where a channel's reply bytes go. */
export interface InboxSink {
  /** Whole replies (unless one is larger than the inbox). The view is valid only during the call. */
  onData(chunk: Uint8Array): void;
  /** The worker saw the server free REQ space after watchSpace(). */
  onSpace?(): void;
  /** The worker saw the segment close or corrupt, or the worker itself died. Called once. */
  onEnd(why: InboxEnd): void;
}

export interface SpinnerOptions {
  /** Worker spin budget before it parks, ns (default 50 µs). */
  spinNs?: number;
  /** Longest single park, ns (default 100 ms). */
  parkNs?: number;
  /** Yield the core now and then while spinning (default true): on 2 cores the event loop
   *  the worker just signalled may otherwise wait behind the spin. */
  yieldSpin?: boolean;
}

const DEFAULT_INBOX = 256 * 1024;

// Atomics.waitAsync is in Node 20's V8 but not in the ES2023 lib typings.
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms?: number): WaitAsyncResult }).waitAsync;

/** What claim() found: the REP ring is not ours (yet), or it now is, at a reply boundary
 *  or in the middle of a reply. */
export const CLAIM_NO = 0;
export const CLAIM_AT_BOUNDARY = 1;
export const CLAIM_MID_REPLY = 2;

interface Registration {
  id: number;
  hdr: Int32Array;
  data: Uint8Array;
  cap: number;
  head: number;
  sink: InboxSink | undefined;  // undefined once unregistered: bytes are dropped
  ended: boolean;
  released: Array<() => void>;
  /** Last IN_REQ_EVENTS value seen. */
  reqEvents: number;
  /** drain() is on the stack for this registration. */
  draining: boolean;
  /** The main thread wants to read REP itself (claim() was called, release() not yet). */
  want: boolean;
  /** The main thread reads REP itself now (the worker lent it: OWNER_MAIN). */
  direct: boolean;
  /** Woken through the native watcher (NATIVE_SEQ), not waitAsync. */
  native: boolean;
}

function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  // Running from the TypeScript sources (vitest): use the compiled worker in dist/.
  const built = new URL('../../dist/src/spinner/worker.js', import.meta.url);
  const builtPath = fileURLToPath(built);
  if (!existsSync(builtPath)) {
    throw new RedisError('ERR_SHM_UNAVAILABLE', 'the spinner worker is not compiled: run npm run build:ts');
  }
  // The worker and everything it imports: a stale build would test old code.
  const srcDir = fileURLToPath(new URL('..', import.meta.url));
  const builtAt = statSync(builtPath).mtimeMs;
  for (const f of ['spinner/worker.ts', 'spinner/slots.ts', 'spinner/frame.ts', 'native/addon.ts', 'native/segment.ts', 'errors.ts']) {
    if (statSync(srcDir + f).mtimeMs > builtAt) {
      throw new RedisError('ERR_SHM_UNAVAILABLE', `dist/src/spinner/worker.js is older than src/${f}: run npm run build:ts`);
    }
  }
  return built;
}

/** How long the worker outlives its last channel (ms). */
const LINGER_MS = 1000;

export class Spinner {
  private static current: Spinner | undefined;
  private static options: SpinnerOptions = {};

  /** Sets the worker options used when the next worker starts. */
  static configure(opts: SpinnerOptions): void { Spinner.options = { ...opts }; }

  /** The process's spinner, starting its worker if none runs. */
  static get(): Spinner {
    if (!Spinner.current || Spinner.current.stopped) Spinner.current = new Spinner(Spinner.options);
    return Spinner.current;
  }

  /** Doorbell wakes of the live spinner's main thread so far, through the native watcher and
   *  through waitAsync, and whether the watcher thread runs (diagnostics and tests). */
  static get wakeStats(): { native: number; waitAsync: number; watcher: boolean } {
    const s = Spinner.current;
    return s && !s.stopped
      ? { native: s.nativeBells, waitAsync: s.asyncBells, watcher: s.watcher !== undefined }
      : { native: 0, waitAsync: 0, watcher: false };
  }

  /** Registered channels of the live spinner (0 when no worker runs). */
  static get channelCount(): number { return Spinner.current && !Spinner.current.stopped ? Spinner.current.regs.size : 0; }

  private readonly addon: RawAddon;
  private readonly ctrl: Int32Array;
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly regs = new Map<number, Registration>();
  private stopped = false;
  private waiting = false;
  /** A waitAsync on BELL_SEQ is outstanding (at most one; it stays valid across re-arms). */
  private asyncWaiting = false;
  /** Registered channels with nativeWake, and the thread that waits on NATIVE_SEQ for them. */
  private nativeRegs = 0;
  private watcher: RawBellWatcher | undefined;
  private nativeBells = 0;
  private asyncBells = 0;
  /** drain() skipped a registration whose drain was already on the stack. */
  private skipped = false;
  private readonly onExit = (): void => this.stop();

  private constructor(opts: SpinnerOptions) {
    this.addon = loadAddon();
    this.ctrl = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const cfg: WorkerConfig = { ctrl: this.ctrl.buffer as SharedArrayBuffer, port: port2, spinNs: opts.spinNs ?? 50_000, parkNs: opts.parkNs ?? 100e6, yieldSpin: opts.yieldSpin ?? true };
    // execArgv: [] -- the parent's flags (--input-type, loaders, test hooks) are not for this worker
    this.worker = new Worker(workerUrl(), { workerData: cfg, transferList: [port2], name: 'redis-shm spinner', execArgv: [] });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(undefined));
    // A parked worker cannot see process termination: wake it so exit does not wait a park out.
    process.once('exit', this.onExit);
  }

  /** Starts delivering the REP bytes of segment `id` to `sink`. The main thread must not
   *  read that REP ring until unregister() resolves. nativeWake: the worker's doorbell for
   *  this channel wakes the main thread through the addon's BellWatcher thread (a
   *  ThreadSafeFunction call) instead of Atomics.waitAsync. */
  register(id: number, sink: InboxSink, inboxBytes = DEFAULT_INBOX, nativeWake = false): void {
    if (this.stopped) throw new RedisError('ERR_CLOSED', 'spinner stopped');
    if (this.linger) { clearTimeout(this.linger); this.linger = undefined; }
    if (!Number.isInteger(inboxBytes) || inboxBytes < 4096 || (inboxBytes & (inboxBytes - 1)) !== 0) {
      throw new RedisError('ERR_ARGUMENT', 'inboxBytes must be a power of two >= 4096');
    }
    if (this.regs.has(id)) throw new RedisError('ERR_ARGUMENT', `segment ${id} is already registered`);
    const sab = new SharedArrayBuffer(INBOX_HEADER_BYTES + inboxBytes);
    const reg: Registration = {
      id, hdr: new Int32Array(sab, 0, INBOX_HEADER_BYTES / 4), data: new Uint8Array(sab, INBOX_HEADER_BYTES),
      cap: inboxBytes, head: 0, sink, ended: false, released: [], reqEvents: 0, draining: false, want: false, direct: false,
      native: nativeWake,
    };
    if (nativeWake) {
      // The watcher starts (reading NATIVE_SEQ) before the worker learns of the channel, so
      // every native ring for it comes after that read.
      this.startWatcher();
      Atomics.store(reg.hdr, IN_WAKE, WAKE_NATIVE);  // SC: set before the 'add' below; never changes
      this.nativeRegs++;
    }
    this.regs.set(id, reg);
    this.post({ op: 'add', id, inbox: sab });
    this.arm();
  }

  /** Stops the worker if no channel is registered (an open that started it failed). */
  stopIfUnused(): void {
    if (this.regs.size === 0) this.lingerThenStop();
  }

  /** The last channel went: keep the (parked, unref'd) worker for LINGER_MS, so a reconnect
   *  or the next connection does not pay its boot again (130-300 ms on a loaded 2-vCPU host,
   *  enough to time out ioredis's ready check under a short commandTimeout). */
  private linger: ReturnType<typeof setTimeout> | undefined;
  private lingerThenStop(): void {
    if (this.stopped || this.linger) return;
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.regs.size === 0) this.stop();
    }, LINGER_MS);
    this.linger.unref();
  }

  /** Resolves once the worker runs its loop (its boot takes tens of ms in a fresh process;
   *  a channel opened before that would wait that long for its first reply). */
  async ready(): Promise<void> {
    // SC load: the worker stores 1 before its first pass
    while (!this.stopped && Atomics.load(this.ctrl, WORKER_READY) !== 1) {
      const w = waitAsync(this.ctrl, WORKER_READY, 0, 100);
      if (w.async) await w.value;
    }
  }

  /**
   * Direct reads: the main thread asks to read segment `id`'s REP ring itself (for
   * busy-polling). Delivers what the inbox holds first (order), then returns CLAIM_NO while
   * the worker has not let go yet (it does at its next pass; call again), or the REP ring is
   * the caller's from now on: CLAIM_AT_BOUNDARY / CLAIM_MID_REPLY say where the byte stream
   * stands. The caller reads REP itself until release().
   */
  claim(id: number): number {
    const reg = this.regs.get(id);
    if (!reg || this.stopped || reg.ended || reg.sink === undefined) return CLAIM_NO;
    if (reg.direct) return CLAIM_AT_BOUNDARY;
    if (reg.draining) return CLAIM_NO;  // called from inside a delivery: not now
    reg.want = true;
    // SC load: OWNER_MAIN is stored by the worker after IN_WRITTEN and IN_MID_REPLY
    const owner = Atomics.load(reg.hdr, IN_OWNER);
    if (owner === OWNER_WORKER) {
      // SC store before the bump: the worker's pass after it sees the request
      Atomics.store(reg.hdr, IN_OWNER, OWNER_WANTED);
      this.addon.ringControl(this.ctrl, CTRL_SEQ);
    }
    this.drain(reg);
    if (owner !== OWNER_MAIN || reg.ended || !reg.want) return CLAIM_NO;
    return this.takeOver(reg);
  }

  /** True once after the worker's REP read took the server's REP-space flag (the server
   *  waited for space); for a main-thread-served session the caller then rings the server. */
  takeSpaceWake(id: number): boolean {
    const reg = this.regs.get(id);
    // SC load, then exchange only when set: pairs with the worker's store before it published
    // the chunk we got (a delivery usually finds 0, and a plain load is cheaper than an RMW)
    return reg !== undefined && Atomics.load(reg.hdr, IN_SPACE_TAKEN) === 1 && Atomics.exchange(reg.hdr, IN_SPACE_TAKEN, 0) === 1;
  }

  /** Hands segment `id`'s REP ring back to the worker (after claim()); `midReply`: the bytes
   *  the caller read stop inside a reply. */
  release(id: number, midReply: boolean): void {
    const reg = this.regs.get(id);
    if (!reg) return;
    reg.want = false;
    if (reg.direct) { this.giveBack(reg, midReply); return; }
    // A request still pending is bounced when the worker grants it: its doorbell (or our next
    // re-check before waiting) drains, and drain() bounces a grant nobody wants. But the
    // grant may have landed already, its doorbell spent: then no drain is coming. Bounce it
    // now (after the current delivery, if one is on the stack: order).
    const bounce = (): void => {
      if (!reg.draining && !this.stopped && this.regs.get(reg.id) === reg) this.bounceGrant(reg);
    };
    if (reg.draining) queueMicrotask(bounce);
    else bounce();
  }

  /** The worker lent REP (OWNER_MAIN) but the main thread no longer wants it: take the inbox
   *  as it stands and hand REP straight back. True if it did. The one bounce, for drain()
   *  (the grant's doorbell) and release() (a grant whose doorbell was spent already); never
   *  called from inside a delivery. `status`: IN_STATUS (an SC load unless drain() passes the
   *  one it loaded first); a closed or released channel has no grant to bounce. */
  private bounceGrant(reg: Registration, status = Atomics.load(reg.hdr, IN_STATUS)): boolean {
    if (reg.want || reg.direct || status !== STATUS_ACTIVE) return false;
    // SC load: OWNER_MAIN is stored by the worker after IN_WRITTEN and IN_MID_REPLY
    if (Atomics.load(reg.hdr, IN_OWNER) !== OWNER_MAIN) return false;
    const mid = this.takeOver(reg) === CLAIM_MID_REPLY;
    this.giveBack(reg, mid);
    return true;
  }

  private takeOver(reg: Registration): number {
    // SC loads, after the OWNER_MAIN load: the worker stored them before it
    const written = Atomics.load(reg.hdr, IN_WRITTEN) >>> 0;
    const mid = Atomics.load(reg.hdr, IN_MID_REPLY) === 1;
    // the unfinished reply the worker copied past its last publish: deliver it too (the reader reassembles)
    if (written !== reg.head) {
      const was = reg.draining;
      reg.draining = true;
      try { this.deliverRange(reg, written); } finally { reg.draining = was; }
    }
    reg.head = written;
    // SC stores: the inbox is ours while lent; tail = head = written is where the worker resumes
    Atomics.store(reg.hdr, IN_HEAD, written);
    Atomics.store(reg.hdr, IN_TAIL, written);
    Atomics.store(reg.hdr, IN_WANT_SPACE, 0);
    reg.direct = true;
    return mid ? CLAIM_MID_REPLY : CLAIM_AT_BOUNDARY;
  }

  private giveBack(reg: Registration, midReply: boolean): void {
    reg.direct = false;
    // SC stores, OWNER last: the worker loads OWNER, then IN_MID_REPLY
    Atomics.store(reg.hdr, IN_MID_REPLY, midReply ? 1 : 0);
    Atomics.store(reg.hdr, IN_OWNER, OWNER_WORKER);
    this.addon.ringControl(this.ctrl, CTRL_SEQ);  // a parked worker puts the ring back in its wait set
  }

  /** Stops delivery at once; resolves when the worker no longer touches the REP ring. */
  unregister(id: number): Promise<void> {
    const reg = this.regs.get(id);
    if (!reg || this.stopped) return Promise.resolve();
    reg.sink = undefined;
    const done = new Promise<void>((resolve) => reg.released.push(resolve));
    if (reg.released.length === 1) this.post({ op: 'remove', id });
    this.arm();
    return done;
  }

  /** A request was just written: if the worker is parked, wake it now so that its wake-up
   *  overlaps the server's work instead of following it. One load when it is awake. */
  expectReply(): void {
    // SC load, used as a hint: a stale 0 just leaves the normal path (the server's futex wake)
    if (!this.stopped && Atomics.load(this.ctrl, WORKER_PARKED) === 1) this.addon.ringControl(this.ctrl, CTRL_SEQ);
  }

  /** The main thread armed REQ space (Segment.armSpace() returned `seq`, and writable() was
   *  still 0): have the worker wait for the server's space wake and report it via onSpace. */
  watchSpace(id: number, seq: number): void {
    const reg = this.regs.get(id);
    if (!reg || this.stopped) return;
    // SC stores, seq first: the worker reads IN_REQ_ARMED, then IN_REQ_SEQ
    Atomics.store(reg.hdr, IN_REQ_SEQ, seq | 0);
    Atomics.store(reg.hdr, IN_REQ_ARMED, 1);
    this.addon.ringControl(this.ctrl, CTRL_SEQ);  // a parked worker re-builds its wait set
    this.arm();
  }

  /** The main thread is no longer waiting for REQ space. */
  unwatchSpace(id: number): void {
    const reg = this.regs.get(id);
    if (reg) Atomics.store(reg.hdr, IN_REQ_ARMED, 0);  // SC: the worker stops watching at its next pass
  }

  /** Delivers whatever the worker has published, now (for a busy-polling caller such as
   *  an adapter that spins while replies are outstanding): every channel's, or segment
   *  `id`'s only. True if bytes were delivered. */
  poll(id?: number): boolean {
    if (this.stopped) return false;
    if (id === undefined) return this.drainAll();
    const reg = this.regs.get(id);
    return reg ? this.drain(reg) : false;
  }

  private post(msg: ControlMessage): void {
    this.port.postMessage(msg);
    // the message is queued before the bump, so the worker's receiveMessageOnPort after it sees it
    this.addon.ringControl(this.ctrl, CTRL_SEQ);
  }

  /** Waits for the doorbell unless already waiting. Never loops synchronously on data, so
   *  a channel streaming replies cannot starve the event loop. */
  private arm(): void {
    if (this.waiting || this.stopped || this.regs.size === 0) return;
    // SC load before announcing: a bell after our re-check changes the value we wait on
    const seq = Atomics.load(this.ctrl, BELL_SEQ);
    // SC store, ordered before the inbox loads in drainAll (pairs with the worker's IN_TAIL store + MAIN_PARKED load)
    Atomics.store(this.ctrl, MAIN_PARKED, 1);
    this.skipped = false;
    // A registration skipped because its drain is on the stack (arm() called from inside a
    // delivery) was not re-checked: do not wait on the strength of it.
    if (this.drainAll() || this.skipped) { this.unpark(); setImmediate(() => this.arm()); return; }
    if (this.stopped || this.regs.size === 0) { this.unpark(); return; }
    this.waiting = true;
    // One waitAsync at a time: an outstanding one waits for a bump after an older value,
    // which is still right (a bump since then has resolved it and its onBell is on the way).
    // Native channels ring NATIVE_SEQ instead, which the watcher reports (onNativeBell).
    if (this.asyncWaiting) return;
    const w = waitAsync(this.ctrl, BELL_SEQ, seq);
    if (!w.async) { queueMicrotask(() => this.onBell()); return; }
    this.asyncWaiting = true;
    void w.value.then(() => {
      this.asyncWaiting = false;
      if (this.waiting) this.asyncBells++;
      this.onBell();
    });
  }

  private startWatcher(): void {
    if (this.watcher) return;
    const w: RawBellWatcher = new this.addon.BellWatcher(this.ctrl, NATIVE_SEQ, () => this.onNativeBell(w));
    this.watcher = w;
  }

  private closeWatcher(): void {
    const w = this.watcher;
    if (!w) return;
    this.watcher = undefined;
    w.close();  // joins the thread; a call already queued finds it is no longer this.watcher
  }

  /** The watcher saw NATIVE_SEQ move. Only an armed wait acts on it: when nothing waits,
   *  whoever stopped waiting re-checks the inboxes before waiting again. */
  private onNativeBell(w: RawBellWatcher): void {
    if (w !== this.watcher || !this.waiting || this.stopped) return;
    this.nativeBells++;
    this.onBell();
  }

  private onBell(): void {
    this.waiting = false;
    this.unpark();
    this.drainAll();
    this.arm();
  }

  private unpark(): void {
    // SC store: while 0 the worker skips the notify (we re-check before parking again)
    Atomics.store(this.ctrl, MAIN_PARKED, 0);
  }

  /** Delivers every published byte; returns true if any were delivered. */
  private drainAll(): boolean {
    let any = false;
    for (const reg of this.regs.values()) if (this.drain(reg)) any = true;
    return any;
  }

  private drain(reg: Registration): boolean {
    // A sink that polls from inside onData (a busy-poll adapter's callback) must not see the
    // chunk being delivered a second time: the head only moves after delivery.
    if (reg.draining) { this.skipped = true; return false; }
    reg.draining = true;
    try { return this.drainOnce(reg); } finally { reg.draining = false; }
  }

  private drainOnce(reg: Registration): boolean {
    // SC load of the status FIRST: the worker stores its final IN_TAIL before the status
    const status = Atomics.load(reg.hdr, IN_STATUS);
    // SC load: the inbox bytes below the tail were written before it (acquire)
    const tail = Atomics.load(reg.hdr, IN_TAIL);
    let delivered = false;
    if (!reg.direct && tail !== reg.head) {
      this.deliverRange(reg, tail);
      reg.head = tail;
      // SC store: our reads of the bytes above are done before the worker may overwrite them
      Atomics.store(reg.hdr, IN_HEAD, tail);
      // SC load after the IN_HEAD store: pairs with the worker's IN_WANT_SPACE store + IN_HEAD re-load
      if (Atomics.load(reg.hdr, IN_WANT_SPACE) === 1) {
        Atomics.store(reg.hdr, IN_WANT_SPACE, 0);  // SC: cleared before the bump below
        this.addon.ringControl(this.ctrl, CTRL_SEQ);
      }
      delivered = true;
    }
    // SC load: bumped by the worker after it saw REQ's space_futex move
    const ev = Atomics.load(reg.hdr, IN_REQ_EVENTS);
    if (ev !== reg.reqEvents) {
      reg.reqEvents = ev;
      const sink = reg.sink;
      if (sink?.onSpace) this.guard(() => sink.onSpace!());
    }
    // The worker granted a direct-read request that was withdrawn since.
    if (this.bounceGrant(reg, status)) delivered = true;
    if (status === STATUS_RELEASED) {
      this.regs.delete(reg.id);
      if (reg.native && --this.nativeRegs === 0) this.closeWatcher();  // the worker no longer rings for it
      for (const f of reg.released.splice(0)) f();
      if (this.regs.size === 0) this.lingerThenStop();
    } else if (status !== STATUS_ACTIVE && !reg.ended) {
      reg.ended = true;
      const sink = reg.sink;
      if (sink) this.guard(() => sink.onEnd(status === STATUS_CLOSED ? 'closed' : 'corrupt'));
    }
    return delivered;
  }

  /** Delivers the inbox bytes from reg.head up to `end` (does not move the head). */
  private deliverRange(reg: Registration, end: number): void {
    const used = (end - reg.head) >>> 0;
    const off = reg.head & (reg.cap - 1);
    const first = Math.min(used, reg.cap - off);
    this.deliver(reg, reg.data.subarray(off, off + first));
    if (used > first) this.deliver(reg, reg.data.subarray(0, used - first));
  }

  private deliver(reg: Registration, chunk: Uint8Array): void {
    const sink = reg.sink;
    if (sink) this.guard(() => sink.onData(chunk));
  }

  /** A sink that throws must not unwind the drain loop: re-throw on the next tick. */
  private guard(f: () => void): void {
    try { f(); } catch (e) { process.nextTick(() => { throw e; }); }
  }

  /** Asks the worker to leave its loop; the next register() starts a new one. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    this.closeWatcher();
    // SC store before the bump: the worker reads CTRL_STOP after seeing CTRL_SEQ change
    Atomics.store(this.ctrl, CTRL_STOP, 1);
    this.addon.ringControl(this.ctrl, CTRL_SEQ);
    this.port.close();
  }

  /** The worker died or exited: every channel still registered ends as 'lost'. */
  private fail(err: unknown): void {
    const wasStopped = this.stopped;
    this.stopped = true;
    process.removeListener('exit', this.onExit);
    this.closeWatcher();
    for (const reg of this.regs.values()) {
      this.drain(reg);
      for (const f of reg.released.splice(0)) f();
      if (!reg.ended && reg.sink && !wasStopped) {
        reg.ended = true;
        const sink = reg.sink;
        this.guard(() => sink.onEnd('lost'));
      }
    }
    this.regs.clear();
    if (err && !wasStopped) process.emitWarning(`redis-shm spinner worker failed: ${(err as Error).message ?? String(err)}`);
  }
}

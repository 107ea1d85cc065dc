// Shared-memory channel: request bytes go straight into the REQ ring from the main thread;
// reply bytes arrive through the process's spinner worker (src/spinner). The socket the
// session was opened on stays open as its lifeline: when it closes, so does this channel.
//
// States: open -> closed. Causes of closed: close() or closing the lifeline ourselves (no
// error), the lifeline failing (ERR_EOF), the server closing the session (ERR_SHM_CLOSED
// with its reason; ERR_EOF when its reason is the disconnect), the REP ring violating the
// contract (ERR_SHM_CORRUPT), the spinner worker dying (ERR_NATIVE).
// close() marks the segment CLOSED (reason client) and wakes the server; ending the
// server-side session is the owner's job: SHM.CLOSE on the lifeline, or closing it.
import { RedisError } from '../errors.js';
import { Segment, SHM_CLIENT_SPIN_ALWAYS, SHM_STATE_CLOSED, type CloseReason } from '../native/segment.js';
import { BoundaryScanner } from '../spinner/frame.js';
import { CLAIM_MID_REPLY, CLAIM_NO, Spinner, type InboxEnd } from '../spinner/spinner.js';
import type { Channel, ChannelHandlers } from './channel.js';
import type { SocketChannel } from './socket.js';

const POLL_MS = 2;
/** Direct reads: bytes per read call, and at most this many per pollDirect() call. */
const DIRECT_CHUNK = 64 * 1024;
const DIRECT_MAX = 4 * 1024 * 1024;
/** Direct reads: the segment state is checked once per this many empty reads. */
const STATE_EVERY = 32;
/** Backstop while waiting for a space wake (a server that never wakes producers still progresses). */
const SAFETY_MS = 50;

export interface ShmChannelOptions {
  /** Bytes of the per-channel inbox between the spinner and the main thread (power of two, default 256 KiB). */
  inboxBytes?: number;
  /** Replies wake the main thread through the addon's BellWatcher thread, not Atomics.waitAsync. */
  nativeWake?: boolean;
  /** Set the segment's SHM_CLIENT_SPIN_ALWAYS hint: the module's serving thread keeps spinning
   *  while the session is open (docs/protocol.md "Client hints"). */
  spinAlways?: boolean;
  /** The server's main thread serves the session (SHM.OPEN WAKE SOCKET accepted): when a
   *  write finds the server about to sleep (REQ consumer_parked), ring it with an empty line
   *  on the lifeline socket instead of a futex wake. */
  wakeSocket?: boolean;
}

/** The doorbell: an empty inline line, which the server reads and ignores (no reply). */
const BELL = new Uint8Array([0x0a]);

export class ShmChannel implements Channel {
  readonly kind = 'shm' as const;
  private closed = false;
  /** Request bytes that did not fit in REQ yet, in order; queue[0] is partly written up to queueOff. */
  private queue: Uint8Array[] = [];
  private queueOff = 0;
  private flushScheduled = false;
  private readonly spinner: Spinner;
  private readonly onLifelineClose = (err?: RedisError): void => {
    // No error: our side closed the socket on purpose, so this is a requested close too.
    if (!err) { this.finish(undefined, 'client'); return; }
    this.finish(new RedisError('ERR_EOF', `the socket lifeline of the shm session closed: ${err.message}`, { cause: err }), 'disconnect');
  };

  private readonly wakeSocket: boolean;

  /** Takes ownership of `seg` (an already claimed segment). */
  constructor(private readonly seg: Segment, readonly lifeline: SocketChannel, private readonly handlers: ChannelHandlers, opts: ShmChannelOptions = {}) {
    if (opts.spinAlways) seg.setClientFlags(SHM_CLIENT_SPIN_ALWAYS);
    this.wakeSocket = opts.wakeSocket === true;
    this.spinner = Spinner.get();
    this.spinner.register(seg.id, {
      onData: (chunk) => {
        if (this.closed) return;
        this.delivered++;
        // the worker's read took the server's REP-space flag: a main-thread session is rung
        // by us (the worker has no socket). If the worker found it unset, the server's own
        // re-check after setting it sees the space the worker freed (protocol.md §4).
        if (this.wakeSocket && this.spinner.takeSpaceWake(this.seg.id) && this.lifeline.isOpen) this.lifeline.write(BELL);
        this.handlers.onData(chunk);
      },
      onSpace: () => { if (this.armed) this.flush(); },
      onEnd: (why) => this.onInboxEnd(why),
    }, opts.inboxBytes, opts.nativeWake === true);
    lifeline.addCloseListener(this.onLifelineClose);
  }

  get isOpen(): boolean { return !this.closed; }
  /** Bytes queued because REQ was full. */
  get pendingBytes(): number {
    let n = 0 - this.queueOff;  // (not -x: -0 for an empty queue)
    for (const b of this.queue) n += b.length;
    return n;
  }
  /** The session id the server assigned (also in SHM.INFO). */
  get sessionId(): bigint { return this.seg.sessionId(); }

  /** Delivers reply bytes the spinner has already published, now, instead of at its next
   *  doorbell (for busy-polling adapters). True if any were delivered. */
  poll(): boolean {
    return this.closed ? false : this.spinner.poll(this.seg.id);
  }

  // ---- direct reads (busy-polling on the main thread) ----
  /** Chunks delivered through the spinner's inbox (to tell whether a poll delivered). */
  private delivered = 0;
  /** The main thread reads REP itself (claimed from the spinner worker). */
  private direct = false;
  /** Frames the directly read bytes, so a handback says whether it is mid-reply. */
  private scanner = new BoundaryScanner();
  private directBuf: Uint8Array | undefined;
  private emptyReads = 0;

  /** True while this thread reads REP itself (between a successful pollDirect and releaseDirect). */
  get isDirect(): boolean { return this.direct; }

  /**
   * Delivers reply bytes now, reading the REP ring on this thread (when nothing is there,
   * it waits for up to spinNs, then parks for up to parkNs, blocking this thread): the first call asks the
   * spinner worker for the ring (delivering its inbox first, so order holds); until it lets
   * go, the inbox is drained instead (no waiting). True if any bytes were delivered. The
   * ring stays with this thread until releaseDirect(): whoever calls this must keep polling
   * while replies are outstanding, then release.
   */
  pollDirect(spinNs = 0, parkNs = 0): boolean {
    if (this.closed) return false;
    const before = this.delivered;
    if (!this.direct) {
      const c = this.spinner.claim(this.seg.id);
      if (c === CLAIM_NO || this.closed) return this.delivered !== before;
      this.direct = true;
      this.scanner = new BoundaryScanner();
      if (c === CLAIM_MID_REPLY) this.scanner.loseFraming();
    }
    let total = this.readRing();
    if (total === 0 && spinNs > 0 && !this.closed) {
      // Nothing yet: wait on this thread (the spin yields the core now and then; parkNs >= 1 µs
      // because 0 would mean no limit)
      try { if (this.seg.waitData(Math.floor(spinNs), Math.floor(Math.max(1000, parkNs))) !== 0) total = this.readRing(); } catch (e) { this.fail(e); }
    }
    return total > 0 || this.delivered !== before;
  }

  /** Reads REP on this thread and delivers it; returns bytes delivered. */
  private readRing(): number {
    const buf = this.directBuf ??= new Uint8Array(DIRECT_CHUNK);
    let total = 0;
    try {
      for (;;) {
        const n = this.seg.read(buf, 0, buf.length);
        if (n === 0) break;
        this.scanner.scan(buf, 0, n);
        total += n;
        this.wakeSpace();  // the server may have parked waiting for REP space
        this.handlers.onData(buf.subarray(0, n));
        if (this.closed) return total;
        if (total >= DIRECT_MAX) break;
      }
      if (total === 0 && ++this.emptyReads >= STATE_EVERY) {
        this.emptyReads = 0;
        if (this.seg.state() === SHM_STATE_CLOSED && this.seg.readable() === 0) this.serverClosed();
      }
    } catch (e) { this.fail(e); }
    return total;
  }

  /** Hands REP back to the spinner worker (its doorbell delivers from now on). Idempotent. */
  releaseDirect(): void {
    if (this.closed) return;
    const mid = this.direct && (this.scanner.lost || !this.scanner.idle);
    this.direct = false;
    this.spinner.release(this.seg.id, mid);
  }

  /** Bytes are copied into REQ now, or queued in order (not copied: do not reuse them). */
  write(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    if (this.queue.length > 0) { this.queue.push(bytes); return; }
    let n: number;
    try { n = this.seg.write(bytes, 0, bytes.length); } catch (e) { this.fail(e); return; }
    if (n < bytes.length) {
      this.queue.push(bytes);
      this.queueOff = n;
      this.lastProgress = performance.now();
      this.scheduleFlush();
    }
    if (n > 0) this.wake();
  }

  close(): void {
    this.finish(undefined, 'client');
  }

  /** A wake is done for this tick's first write, and one more is due at the tick's end. */
  private wakeDue = false;
  private readonly wakeAtTickEnd = (): void => { this.wakeDue = false; if (!this.closed) this.wakeNow(); };

  /** After bytes went into REQ: the tick's first write wakes the server at once (its wake-up
   *  overlaps our writing the rest), later writes of the tick share one more check at the
   *  end of the tick (a server that parked meanwhile is woken then). Two native calls per
   *  tick instead of one per command. */
  private wake(): void {
    if (this.wakeDue) return;
    this.wakeDue = true;
    queueMicrotask(this.wakeAtTickEnd);
    this.wakeNow();
  }

  /** After REP bytes were consumed: a server waiting for REP space is woken (a main-thread
   *  session: rung through the socket, protocol.md §4). */
  private wakeSpace(): void {
    if (this.seg.wakeServerSpace() && this.wakeSocket && this.lifeline.isOpen) this.lifeline.write(BELL);
  }

  private wakeNow(): void {
    let parked: boolean;
    try { parked = this.seg.wakeServer(); } catch (e) { this.fail(e); return; }
    // the main thread serves us and was about to sleep: the socket wakes its event loop
    if (parked && this.wakeSocket && this.lifeline.isOpen) this.lifeline.write(BELL);
    if (!this.direct) this.spinner.expectReply();
  }

  /** REQ was full; never block the event loop. While the server drained something in the
   *  last POLL_MS, poll on the next turn of the loop (cheapest when it keeps up). After that,
   *  wait for its space wake instead: announce producer_parked (armSpace), re-check, and let
   *  the spinner worker wait on REQ's space_futex and call onSpace. A slow timer backs it up. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (performance.now() - this.lastProgress < POLL_MS) { setImmediate(this.flushNow); return; }
    let seq: number;
    try {
      seq = this.seg.armSpace();
      if (this.seg.writable() > 0) { this.seg.disarmSpace(); setImmediate(this.flushNow); return; }
    } catch (e) { this.flushScheduled = false; this.fail(e); return; }
    this.armed = true;
    this.spinner.watchSpace(this.seg.id, seq);
    this.safety = setTimeout(this.flushNow, SAFETY_MS);
  }

  private lastProgress = 0;
  private armed = false;
  private safety: ReturnType<typeof setTimeout> | undefined;
  private readonly flushNow = (): void => this.flush();

  private disarm(): void {
    if (!this.armed) return;
    this.armed = false;
    if (this.safety) { clearTimeout(this.safety); this.safety = undefined; }
    this.spinner.unwatchSpace(this.seg.id);
    try { this.seg.disarmSpace(); } catch { /* handle closed */ }
  }

  private flush(): void {
    this.flushScheduled = false;
    this.disarm();
    if (this.closed) return;
    let wrote = false;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        const n = this.seg.write(head, this.queueOff, head.length - this.queueOff);
        if (n > 0) wrote = true;
        this.queueOff += n;
        if (this.queueOff < head.length) break;
        this.queue.shift();
        this.queueOff = 0;
      }
      if (this.queue.length > 0 && this.seg.state() === SHM_STATE_CLOSED) {
        this.serverClosed();
        return;
      }
    } catch (e) { this.fail(e); return; }
    if (wrote) { this.wake(); this.lastProgress = performance.now(); }
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /** The segment's state went CLOSED. If we closed the lifeline ourselves and the server
   *  noticed before our socket did, this is the close we asked for. */
  private serverClosed(): void {
    if (this.lifeline.closeRequested) this.finish(undefined, 'client');
    else this.finish(this.closedError(), 'server');
  }

  private onInboxEnd(why: InboxEnd): void {
    if (why === 'closed') this.serverClosed();
    else if (why === 'corrupt') this.finish(new RedisError('ERR_SHM_CORRUPT', 'the server violated the REP ring contract'), 'corrupt');
    else this.finish(new RedisError('ERR_NATIVE', 'the redis-shm spinner worker stopped unexpectedly'), 'client');
  }

  private closedError(): RedisError {
    let reason: CloseReason = 'none';
    try { reason = this.seg.closeReason(); } catch { /* handle already closed */ }
    // The server saw the lifeline go before we did: the same event as a lifeline close.
    if (reason === 'disconnect') return new RedisError('ERR_EOF', 'the socket lifeline of the shm session closed (reported by the server)');
    return new RedisError('ERR_SHM_CLOSED', `the server closed the shm session (reason: ${reason})`);
  }

  private fail(e: unknown): void {
    const err = e instanceof RedisError ? e : new RedisError('ERR_IO', String(e), { cause: e });
    this.finish(err, err.code === 'ERR_SHM_CORRUPT' ? 'corrupt' : 'client');
  }

  private finish(err: RedisError | undefined, reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.disarm();
    this.queue = [];
    try {
      if (this.seg.state() !== SHM_STATE_CLOSED) this.seg.markClosed(reason);
    } catch { /* already released */ }
    // The worker keeps its own handle (so the mapping) until it has let go of REP.
    void this.spinner.unregister(this.seg.id);
    this.seg.close();
    this.handlers.onClose(err);
  }
}

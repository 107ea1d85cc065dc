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
import { Segment, SHM_STATE_CLOSED, type CloseReason } from '../native/segment.js';
import { Spinner, type InboxEnd } from '../spinner/spinner.js';
import type { Channel, ChannelHandlers } from './channel.js';
import type { SocketChannel } from './socket.js';

const POLL_MS = 2;
/** Backstop while waiting for a space wake (a server that never wakes producers still progresses). */
const SAFETY_MS = 50;

export interface ShmChannelOptions {
  /** Bytes of the per-channel inbox between the spinner and the main thread (power of two, default 256 KiB). */
  inboxBytes?: number;
}

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

  /** Takes ownership of `seg` (an already claimed segment). */
  constructor(private readonly seg: Segment, readonly lifeline: SocketChannel, private readonly handlers: ChannelHandlers, opts: ShmChannelOptions = {}) {
    this.spinner = Spinner.get();
    this.spinner.register(seg.id, {
      onData: (chunk) => { if (!this.closed) this.handlers.onData(chunk); },
      onSpace: () => { if (this.armed) this.flush(); },
      onEnd: (why) => this.onInboxEnd(why),
    }, opts.inboxBytes);
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

  private wake(): void {
    try { this.seg.wakeServer(); } catch (e) { this.fail(e); return; }
    this.spinner.expectReply();
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

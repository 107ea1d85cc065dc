// The shm side of the synchronous API: the calling thread writes the REQ ring and waits on
// the REP ring itself (spin, then futex park, through the addon). No spinner worker is
// involved: this segment is never registered with it, so the main thread owns REP.
import { RedisError } from '../errors.js';
import { Segment, SHM_STATE_CLOSED, type CloseReason } from '../native/segment.js';

const CHUNK = 64 * 1024;
/** Longest single park; between parks the segment state and the deadline are re-checked. */
const PARK_SLICE_NS = 50e6;
/** Park slice while REQ is full (REP is drained between slices). */
const SPACE_SLICE_NS = 1e6;

export class BlockingShm {
  private readonly buf = Buffer.allocUnsafeSlow(CHUNK);
  private closed = false;

  /** Takes ownership of a claimed segment. `spinNs`: how long to spin before parking. */
  constructor(private readonly seg: Segment, private readonly spinNs: number) {
    this.spinNs = Math.max(0, Math.round(spinNs));
  }

  /**
   * Writes all of `bytes`, waiting for REQ space up to `timeoutMs` (0 = no limit). While REQ
   * is full, reply bytes are drained into `onReply`: a server blocked on a full REP ring
   * would otherwise never consume REQ (a deadlock with a large pipeline).
   */
  write(bytes: Uint8Array, timeoutMs: number, onReply: (chunk: Uint8Array) => void): void {
    if (this.closed) throw new RedisError('ERR_CLOSED', 'the context is closed');
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
    let off = 0;
    while (off < bytes.length) {
      const n = this.seg.write(bytes, off, bytes.length - off);
      if (n > 0) { off += n; this.seg.wakeServer(); continue; }
      // REQ is full. A closed session never drains it; one that closed with room left is
      // found by the read that follows every write (read() checks before it waits).
      this.checkOpen();
      if (this.drain(onReply)) continue;
      const left = deadline - performance.now();
      if (left <= 0) throw new RedisError('ERR_TIMEOUT', `Timeout: the REQ ring stayed full for ${timeoutMs} ms`);
      // short parks: the server may fill REP again while we wait for REQ space
      this.seg.waitSpace(1, this.spinNs, Math.ceil(Math.min(SPACE_SLICE_NS, left * 1e6)));
    }
  }

  /** Moves every reply byte available now into `onReply`; true if there were any. */
  private drain(onReply: (chunk: Uint8Array) => void): boolean {
    let any = false;
    for (let n = this.seg.read(this.buf, 0, CHUNK); n > 0; n = this.seg.read(this.buf, 0, CHUNK)) {
      any = true;
      this.seg.wakeServerSpace();
      onReply(this.buf.subarray(0, n));
    }
    return any;
  }

  /**
   * Reply bytes, blocking up to `timeoutMs` (0 = no limit); undefined on timeout. The view
   * is valid until the next call.
   */
  read(timeoutMs: number): Uint8Array | undefined {
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
    for (;;) {
      const n = this.seg.read(this.buf, 0, CHUNK);
      if (n > 0) {
        // REP had no room for the server: let it go on
        this.seg.wakeServerSpace();
        return this.buf.subarray(0, n);
      }
      this.checkOpen();
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      this.seg.waitData(this.spinNs, Math.ceil(Math.min(PARK_SLICE_NS, left * 1e6)));
    }
  }

  close(reason: CloseReason = 'client'): void {
    if (this.closed) return;
    this.closed = true;
    try { if (this.seg.state() !== SHM_STATE_CLOSED) this.seg.markClosed(reason); } catch { /* released */ }
    this.seg.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new RedisError('ERR_CLOSED', 'the context is closed');
    if (this.seg.state() !== SHM_STATE_CLOSED) return;
    // whatever the server published before closing was read above
    let reason: CloseReason = 'none';
    try { reason = this.seg.closeReason(); } catch { /* released */ }
    if (reason === 'disconnect') throw new RedisError('ERR_EOF', 'the socket lifeline of the shm session closed');
    throw new RedisError('ERR_SHM_CLOSED', `the server closed the shm session (reason: ${reason})`);
  }
}

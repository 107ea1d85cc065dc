// The spinner worker: ONE per process, serving every registered shm channel. It waits on
// all REP rings at once (addon.waitMany: spin, then futex_waitv), copies reply bytes into
// each channel's SharedArrayBuffer inbox, and rings the main thread's doorbell only for
// whole replies and only when the main thread is parked.
//
// Ownership: while a channel is registered here this thread is the only reader of its
// REP ring (the `in` endpoint of the segment) and the only writer of IN_TAIL/IN_STATUS/
// IN_WANT_SPACE. After 'remove' it sets STATUS_RELEASED and never touches either again,
// which is how REP ownership is handed back to the main thread. A registered channel's REP
// can also be lent to the main thread (IN_OWNER, for its direct busy-polling reads): on
// OWNER_WANTED the worker pumps once more, publishes how far it copied (IN_WRITTEN) and
// stores OWNER_MAIN; from then on it neither reads nor waits on that ring until the main
// thread stores OWNER_WORKER again.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { loadAddon, type RawSegment } from '../native/addon.js';
import { SHM_STATE_CLOSED } from '../native/segment.js';
import { BoundaryScanner } from './frame.js';
import {
  BELL_SEQ, CTRL_SEQ, CTRL_STOP, INBOX_HEADER_BYTES, IN_HEAD, IN_SPACE_TAKEN, IN_STATUS, IN_TAIL, IN_WANT_SPACE, MAIN_PARKED,
  IN_REQ_ARMED, IN_REQ_EVENTS, IN_REQ_SEQ, STATUS_CLOSED, STATUS_CORRUPT, STATUS_RELEASED, WORKER_PARKED,
  IN_MID_REPLY, IN_OWNER, IN_WAKE, IN_WRITTEN, NATIVE_SEQ, OWNER_MAIN, OWNER_WANTED, WAKE_NATIVE, WORKER_READY,
  type ControlMessage, type WorkerConfig,
} from './slots.js';

interface Entry {
  id: number;
  /** Our own handle (keeps the mapping alive); null if the channel closed before we attached. */
  seg: RawSegment | null;
  hdr: Int32Array;
  data: Uint8Array;
  cap: number;
  /** Private: bytes copied in so far (uint32). */
  written: number;
  /** Private copy of IN_TAIL. */
  published: number;
  scanner: BoundaryScanner;
  /** Closed or corrupt: reported, no longer polled. */
  done: boolean;
  /** The REQ arming (its seq) already reported to the main thread, so it is reported once. */
  reportedSeq: number | undefined;
  /** We handed REP to the main thread (OWNER_MAIN) and have not taken it back yet. */
  lent: boolean;
}

const cfg = workerData as WorkerConfig;
const addon = loadAddon();
const ctrl = new Int32Array(cfg.ctrl);
const entries = new Map<number, Entry>();

function release(e: Entry): void {
  e.seg?.close();
  // SC store: after this the main thread may take the REP ring; we never touch it again
  Atomics.store(e.hdr, IN_STATUS, STATUS_RELEASED);
}

/** Applies queued control messages; true if one changed a status the main thread waits for. */
function handleMessages(): boolean {
  let any = false;
  for (let m = receiveMessageOnPort(cfg.port); m; m = receiveMessageOnPort(cfg.port)) {
    const msg = m.message as ControlMessage;
    if (msg.op === 'add') {
      const hdr = new Int32Array(msg.inbox, 0, INBOX_HEADER_BYTES / 4);
      const data = new Uint8Array(msg.inbox, INBOX_HEADER_BYTES);
      let seg: RawSegment | null = null;
      try { seg = addon.attach(msg.id); } catch { /* the channel closed before we got here */ }
      entries.set(msg.id, {
        id: msg.id, seg, hdr, data, cap: data.length, written: 0, published: 0,
        scanner: new BoundaryScanner(), done: seg === null, reportedSeq: undefined, lent: false,
      });
      if (seg === null) {
        Atomics.store(hdr, IN_STATUS, STATUS_CLOSED);  // SC: seen by the main thread's drain
        any = true;
      }
    } else {
      const e = entries.get(msg.id);
      if (e) { entries.delete(msg.id); release(e); any = true; }
    }
  }
  return any;
}

/** Moves REP bytes into the inbox. Returns 2 if it published, 1 if it made progress, 0 if nothing. */
function pump(e: Entry): number {
  const seg = e.seg;
  if (seg === null) return 0;
  // SC load: the main thread's consumption (its IN_HEAD store) happened before we reuse space
  const head = Atomics.load(e.hdr, IN_HEAD);
  const free = e.cap - ((e.written - head) >>> 0);
  if (free === 0) return 0;
  const off = e.written & (e.cap - 1);
  const want = Math.min(free, e.cap - off);
  let n: number;
  try {
    n = seg.read(e.data, off, want);
    if (n === 0) {
      if (seg.state() !== SHM_STATE_CLOSED) return 0;
      if (seg.readable() !== 0) return 1;  // bytes raced in before the close: read them first
      return finish(e, STATUS_CLOSED);
    }
  } catch {
    return finish(e, STATUS_CORRUPT);
  }
  // the server may have parked waiting for REP space; SC store: seen by the main thread
  // once it has this chunk (published after it)
  if (seg.wakePeerSpace()) Atomics.store(e.hdr, IN_SPACE_TAKEN, 1);
  const start = e.written;
  e.written = (e.written + n) >>> 0;
  const b = e.scanner.scan(e.data, off, off + n);
  let target = e.published;
  if (e.scanner.idle) target = e.written;
  else if (b >= 0) target = (start + (b - off)) >>> 0;
  // The inbox is full of one unfinished reply and the main thread has consumed everything
  // published: the reply is larger than the space, so hand over the part we have (the reader
  // reassembles it). Otherwise the main thread still has whole replies to consume, which
  // frees space (and it rings CTRL_SEQ once it sees IN_WANT_SPACE).
  if (n === free && target === e.published && e.published === head) target = e.written;
  if (target === e.published) return 1;
  publish(e, target);
  return 2;
}

function finish(e: Entry, status: number): number {
  e.done = true;
  publish(e, e.written);
  // SC store: after the final tail, so the main thread delivers every good byte first
  Atomics.store(e.hdr, IN_STATUS, status);
  return 2;
}

function publish(e: Entry, tail: number): void {
  if (tail === e.published) return;
  e.published = tail;
  // SC store: the inbox bytes copied above are visible before the new tail (release), and
  // it is ordered before our MAIN_PARKED load in ringBell (the Dekker pair with the main thread)
  Atomics.store(e.hdr, IN_TAIL, tail);
}

function ringBell(e?: Entry): void {
  // SC load after the IN_TAIL store: either the main thread's re-check sees our tail, or we see it parked
  if (Atomics.load(ctrl, MAIN_PARKED) !== 1) return;
  // SC load of a word the main thread set before registering the channel
  if (e !== undefined && Atomics.load(e.hdr, IN_WAKE) === WAKE_NATIVE) {
    // seq_cst bump + futex wake (inside ringControl): the main thread's BellWatcher thread
    addon.ringControl(ctrl, NATIVE_SEQ);
    return;
  }
  // SC add: a waiter that read BELL_SEQ before announcing itself now fails its compare
  Atomics.add(ctrl, BELL_SEQ, 1);
  Atomics.notify(ctrl, BELL_SEQ);
}

/** REQ space on behalf of the main thread (which cannot block): while it is armed, wait on
 *  REQ's space_futex against the value it armed with; report a change once. True if reported. */
function watchSpace(e: Entry, seg: RawSegment): boolean {
  // SC loads: IN_REQ_SEQ was stored before IN_REQ_ARMED, so an armed flag comes with its seq
  if (Atomics.load(e.hdr, IN_REQ_ARMED) !== 1) return false;
  const seq = Atomics.load(e.hdr, IN_REQ_SEQ) >>> 0;
  if (seq === e.reportedSeq) return false;  // reported; the main thread has not re-armed yet
  if (seg.spaceSeq() === seq) { spaces.push(e.id, seq); return false; }
  e.reportedSeq = seq;
  // SC add: the main thread's drain compares it with the last value it saw
  Atomics.add(e.hdr, IN_REQ_EVENTS, 1);
  ringBell();
  return true;
}

/** REP came back from the main thread: it consumed the inbox up to IN_WRITTEN (our
 *  `written`) and set IN_TAIL there, then read the ring itself. Frame from a fresh start. */
function takeBack(e: Entry): void {
  e.lent = false;
  e.published = e.written;
  e.scanner = new BoundaryScanner();
  // SC load after the OWNER load that showed the handback: stored before it by the main thread
  if (Atomics.load(e.hdr, IN_MID_REPLY) === 1) e.scanner.loseFraming();
}

/** The main thread asked for REP: tell it how far the inbox goes, then let go. */
function lend(e: Entry): void {
  const mid = e.scanner.lost || !e.scanner.idle ? 1 : 0;
  // SC stores, OWNER last: the main thread loads OWNER first, then these
  Atomics.store(e.hdr, IN_WRITTEN, e.written);
  Atomics.store(e.hdr, IN_MID_REPLY, mid);
  Atomics.store(e.hdr, IN_OWNER, OWNER_MAIN);
  e.lent = true;
  ringBell(e);  // a main thread waiting on the doorbell drains the inbox and starts reading
}

const ids: number[] = [];
const spaces: number[] = [];
let lastSeq = Atomics.load(ctrl, CTRL_SEQ) - 1;  // force a first message check
// SC store + notify: the main thread waits for this before it opens its first channel
Atomics.store(ctrl, WORKER_READY, 1);
Atomics.notify(ctrl, WORKER_READY);
for (;;) {
  // SC load before reading messages: a post + ringControl after this makes waitMany return at once
  const seq = Atomics.load(ctrl, CTRL_SEQ);
  if (seq !== lastSeq) {
    lastSeq = seq;
    // SC load: the stop request is published before its ringControl bump
    if (Atomics.load(ctrl, CTRL_STOP) === 1) break;
    // a release (or an add that failed) is news for the main thread too
    if (handleMessages()) ringBell();
  }
  let progress = false;
  for (const e of entries.values()) {
    if (e.done) continue;
    // SC load: the main thread's OWNER_WORKER/OWNER_WANTED stores are followed by a CTRL_SEQ bump
    const owner = Atomics.load(e.hdr, IN_OWNER);
    if (owner === OWNER_MAIN) continue;  // lent: not ours to read
    if (e.lent) takeBack(e);
    // One pump per pass: a pass that moved bytes is followed by another, which pumps again,
    // so the ring is drained until it is empty or the inbox is full without a second empty
    // read (and state() call) per reply. Ring after every publish: one load unless the main
    // thread is parked.
    const r = pump(e);
    if (r > 0) progress = true;
    if (r === 2) ringBell(e);
    if (owner === OWNER_WANTED && !e.done) { lend(e); progress = true; }
  }
  if (progress) continue;
  // About to park. Rings whose inbox is full are left out of the wait; the main thread rings
  // CTRL_SEQ once it frees space (after seeing IN_WANT_SPACE).
  ids.length = 0;
  spaces.length = 0;
  let recheck = false;
  for (const e of entries.values()) {
    if (e.done) continue;
    if (e.seg && watchSpace(e, e.seg)) recheck = true;
    // SC load: lent rings stay out of the wait set (the main thread rings CTRL_SEQ when it
    // hands one back or asks for one, so the set is rebuilt)
    const owner = Atomics.load(e.hdr, IN_OWNER);
    if (owner === OWNER_MAIN) continue;
    if (owner === OWNER_WANTED) { recheck = true; continue; }
    if (((e.written - Atomics.load(e.hdr, IN_HEAD)) >>> 0) === e.cap) {
      // SC store then SC re-load of IN_HEAD: pairs with the main thread's IN_HEAD store + IN_WANT_SPACE load
      Atomics.store(e.hdr, IN_WANT_SPACE, 1);
      if (((e.written - Atomics.load(e.hdr, IN_HEAD)) >>> 0) !== e.cap) recheck = true;
      continue;
    }
    ids.push(e.id);
  }
  if (recheck) continue;
  // nothing to spin on (every ring lent or full): park at once, leaving the cores to the
  // threads that do the work
  addon.waitMany(ids, ctrl, CTRL_SEQ, seq, ids.length > 0 ? cfg.spinNs : 0, cfg.parkNs, cfg.yieldSpin, WORKER_PARKED, spaces);
}

for (const e of entries.values()) release(e);
entries.clear();
cfg.port.close();

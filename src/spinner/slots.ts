// Shared-memory slots between the main thread and the spinner worker. Every slot is an
// index into an Int32Array over a SharedArrayBuffer, sits on its own 64-byte line (16
// ints apart) and has exactly one writer. JS Atomics are sequentially consistent, so an
// Atomics.store followed by an Atomics.load of another slot is the "full fence" the
// wake protocol needs (docs/protocol.md §3); the ordering rule is written at each call.

// ---- control block: one per worker ----
/** Main bumps it with addon.ringControl (a native futex wake) after posting a message or
 *  freeing inbox space; the worker parks on it inside addon.waitMany. */
export const CTRL_SEQ = 0;
/** Worker bumps it and Atomics.notify()s when it published bytes and the main thread is
 *  parked; the main thread waits on it with Atomics.waitAsync. */
export const BELL_SEQ = 16;
/** Main-owned: 1 while the main thread waits (or is about to wait) on BELL_SEQ. */
export const MAIN_PARKED = 32;
/** Main-owned: 1 asks the worker to exit its loop (process exit, last channel closed). */
export const CTRL_STOP = 48;
/** Worker-owned (set inside addon.waitMany): 1 while the worker is parked. The main thread
 *  reads it after writing a request and, if set, rings CTRL_SEQ so the worker is already
 *  awake and spinning when the reply arrives (its wake overlaps the server's work). */
export const WORKER_PARKED = 64;
/** Worker-owned: 1 once its loop runs (the main thread waits for it before a channel opens). */
export const WORKER_READY = 80;
/** The doorbell of channels registered with nativeWake (the native adapter's): the worker
 *  bumps it with addon.ringControl (a real futex wake: Atomics.notify reaches only V8
 *  waiters) when it published bytes for such a channel and the main thread is parked; a
 *  native thread (addon BellWatcher) waits on it and calls the main thread back. The
 *  watcher's close() also bumps it once, to wake its own thread. */
export const NATIVE_SEQ = 96;
export const CONTROL_INTS = 112;

// ---- inbox: one per channel; header ints, then the data ring at INBOX_DATA_OFFSET ----
/** Main-owned: bytes consumed so far (uint32, wraps). */
export const IN_HEAD = 0;
/** Worker-owned: bytes published so far (uint32, wraps); only ever at a reply boundary,
 *  except when one reply is larger than the free inbox space. */
export const IN_TAIL = 16;
/** Worker sets 1 when it stopped reading REP because the inbox was full; the main thread
 *  clears it after consuming and rings CTRL_SEQ. */
export const IN_WANT_SPACE = 32;
/** Worker-owned: one of the STATUS_* values below. */
export const IN_STATUS = 48;
/** Main-owned: 1 while the main thread waits for REQ space (it set producer_parked). */
export const IN_REQ_ARMED = 64;
/** Main-owned: the REQ space_futex value it armed with (stored before IN_REQ_ARMED). */
export const IN_REQ_SEQ = 80;
/** Worker-owned: bumped once per arming when REQ's space_futex moved (the server freed space). */
export const IN_REQ_EVENTS = 96;
/** Who reads this channel's REP ring (see OWNER_*). The main thread writes it in states
 *  OWNER_WORKER and OWNER_MAIN, the worker only in OWNER_WANTED: one writer per state. */
export const IN_OWNER = 112;
/** Worker-owned: bytes copied into the inbox so far (>= IN_TAIL; the bytes past the tail
 *  are an unfinished reply). Stored before the worker hands REP over (OWNER_MAIN). */
export const IN_WRITTEN = 128;
/** Stored by the side handing REP over, before the OWNER store: 1 if the reply stream is in
 *  the middle of a reply at the handover point (the receiver cannot frame it from there). */
export const IN_MID_REPLY = 144;
/** Main-owned, set before the channel is registered and never changed: which doorbell the
 *  worker rings for this channel (WAKE_ASYNC: BELL_SEQ, WAKE_NATIVE: NATIVE_SEQ). */
export const IN_WAKE = 160;
/** Worker sets 1 when its REP read took the server's producer_parked flag (the server waits
 *  for REP space); the main thread exchanges it back to 0 and, for a main-thread-served
 *  session, rings the server through the socket (docs/protocol.md §4). */
export const IN_SPACE_TAKEN = 176;
export const INBOX_HEADER_BYTES = 1024;

export const WAKE_ASYNC = 0;
export const WAKE_NATIVE = 1;

/** The worker reads REP (the default). The main thread may store OWNER_WANTED. */
export const OWNER_WORKER = 0;
/** The main thread asked for REP; the worker stores OWNER_MAIN after its next pump. */
export const OWNER_WANTED = 1;
/** The main thread reads REP itself; the worker neither reads nor waits on it. The main
 *  thread hands it back by storing OWNER_WORKER (and ringing CTRL_SEQ). */
export const OWNER_MAIN = 2;

/** The worker reads this channel's REP ring. */
export const STATUS_ACTIVE = 0;
/** The worker dropped the channel: it no longer touches REP or the inbox. */
export const STATUS_RELEASED = 1;
/** The segment's state went CLOSED (everything before it was published). */
export const STATUS_CLOSED = 2;
/** The REP ring violated the contract. */
export const STATUS_CORRUPT = 3;

/** Messages on the worker's control port (each followed by ringControl(CTRL_SEQ)). */
export type ControlMessage =
  | { op: 'add'; id: number; inbox: SharedArrayBuffer }
  | { op: 'remove'; id: number };

export interface WorkerConfig {
  ctrl: SharedArrayBuffer;
  port: import('node:worker_threads').MessagePort;
  /** Spin budget before parking (ns). */
  spinNs: number;
  /** Longest park (ns); bounds how long a terminating process waits for the worker. */
  parkNs: number;
  /** sched_yield() while spinning, so the event loop it signalled can get a core. */
  yieldSpin: boolean;
}

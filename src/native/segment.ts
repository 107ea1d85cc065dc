// Thin validated wrapper over the addon's segment handle: checks arguments in TypeScript
// and turns native errors (plain Errors with a `code`) into RedisError.
import { RedisError, type ErrorCode } from '../errors.js';
import { loadAddon, type RawSegment } from './addon.js';

export const SHM_STATE_NEW = 0;
export const SHM_STATE_CLAIMED = 1;
export const SHM_STATE_CLOSED = 2;

export const CLOSE_REASONS = ['none', 'client', 'disconnect', 'protocol', 'corrupt', 'server', 'fault'] as const;
/** client_flags bit (native/ring/shm_ring.h). */
export const SHM_CLIENT_SPIN_ALWAYS = 1;

export type CloseReason = (typeof CLOSE_REASONS)[number];

const MIN_CAP = 4096;
const MAX_CAP = 2 ** 30;
const CODES = new Set<ErrorCode>(['ERR_NATIVE', 'ERR_ARGUMENT', 'ERR_SHM_CORRUPT', 'ERR_SHM_CLOSED', 'ERR_CLOSED']);

/** Re-throws a native error as RedisError with the same stable code. */
export function nativeError(e: unknown): RedisError {
  if (e instanceof RedisError) return e;
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return new RedisError(CODES.has(code as ErrorCode) ? (code as ErrorCode) : 'ERR_NATIVE', msg, { cause: e });
}

function call<T>(f: () => T): T {
  try { return f(); } catch (e) { throw nativeError(e); }
}

function checkCap(name: string, c: number): void {
  if (!Number.isInteger(c) || c < MIN_CAP || c > MAX_CAP || (c & (c - 1)) !== 0) {
    throw new RedisError('ERR_ARGUMENT', `${name} must be a power of two between ${MIN_CAP} and ${MAX_CAP}, got ${c}`);
  }
}

function checkSpan(buf: Uint8Array, off: number, len: number): void {
  if (!(buf instanceof Uint8Array)) throw new RedisError('ERR_ARGUMENT', 'expected a Uint8Array');
  if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > buf.length) {
    throw new RedisError('ERR_ARGUMENT', `offset/length out of range (${off}+${len} > ${buf.length})`);
  }
}

function checkNs(name: string, ns: number): void {
  if (!Number.isFinite(ns) || ns < 0) throw new RedisError('ERR_ARGUMENT', `${name} must be a non-negative number of nanoseconds`);
}

export interface CreateOptions {
  reqCapacity: number;
  repCapacity: number;
  /** 0o600 (default) or 0o660 when client and redis-server share a group. */
  mode?: 0o600 | 0o660;
}

/**
 * One segment handle. The creating (client) handle writes REQ and reads REP; a handle from
 * `attach(id)` on another thread shares the same mapping. Each ring endpoint is used by
 * one thread at a time: REQ by the creator's thread, REP by whoever owns reading
 * (the spinner worker while registered with it).
 */
export class Segment {
  /** raw.id() read once: it never changes, and callers ask for it per poll (a native call). */
  private readonly openId: number;
  /** close() was called: id then asks the raw handle again, which throws ERR_CLOSED. */
  private dropped = false;

  private constructor(private readonly raw: RawSegment) { this.openId = call(() => raw.id()); }

  static create(opts: CreateOptions): Segment {
    checkCap('reqCapacity', opts.reqCapacity);
    checkCap('repCapacity', opts.repCapacity);
    const mode = opts.mode ?? 0o600;
    if (mode !== 0o600 && mode !== 0o660) throw new RedisError('ERR_ARGUMENT', 'mode must be 0o600 or 0o660');
    const addon = loadAddon();
    return new Segment(call(() => addon.create(opts.reqCapacity, opts.repCapacity, mode)));
  }

  /** Another handle on a segment created in this process (any thread), by id. */
  static attach(id: number): Segment {
    if (!Number.isInteger(id) || id <= 0) throw new RedisError('ERR_ARGUMENT', 'id must be a positive integer');
    const addon = loadAddon();
    return new Segment(call(() => addon.attach(id)));
  }

  /** TEST/BENCH ONLY: open a segment by name and claim it as the server would. */
  static openPeer(name: string, sessionId = 1): Segment {
    if (!/^\/redis-shm\.[0-9a-f]{32}$/.test(name)) throw new RedisError('ERR_ARGUMENT', `bad segment name ${name}`);
    const addon = loadAddon();
    return new Segment(call(() => addon.openPeer(name, sessionId)));
  }

  get id(): number { return this.dropped ? call(() => this.raw.id()) : this.openId; }
  get name(): string { return call(() => this.raw.name()); }
  /** 16 random bytes; SHM.OPEN presents them as 32 lowercase hex chars. */
  get token(): Buffer { return call(() => this.raw.token()); }
  get tokenHex(): string { return this.token.toString('hex'); }
  get reqCapacity(): number { return call(() => this.raw.capacities()[0]); }
  get repCapacity(): number { return call(() => this.raw.capacities()[1]); }
  get closed(): boolean { return this.raw.isClosed(); }

  /** Removes the /dev/shm name. Idempotent. */
  unlink(): void { call(() => this.raw.unlink()); }

  /** Writes as much of buf[off, off+len) as fits; returns bytes written. Does not wake. */
  write(buf: Uint8Array, off = 0, len = buf.length - off): number {
    checkSpan(buf, off, len);
    return call(() => this.raw.write(buf, off, len));
  }

  /** Reads up to len bytes into buf[off..]; returns bytes read. Does not wake. */
  read(buf: Uint8Array, off = 0, len = buf.length - off): number {
    checkSpan(buf, off, len);
    return call(() => this.raw.read(buf, off, len));
  }

  readable(): number { return call(() => this.raw.readable()); }
  writable(): number { return call(() => this.raw.writable()); }
  /** After write(): wake the server if it parked. True if a futex wake was issued. */
  wakeServer(): boolean { return call(() => this.raw.wakePeerData()); }
  /** After read(): wake the server if it parked waiting for REP space. */
  wakeServerSpace(): boolean { return call(() => this.raw.wakePeerSpace()); }

  /** Blocks this thread until REP has data (spin, then park). Returns readable bytes or 0.
   *  The spin yields the core every 64 probes (yieldSpin, default true): on 2 cores the thread
   *  it waits for may otherwise sit behind the spin for its whole budget. */
  waitData(spinNs: number, parkNs: number, yieldSpin = true): number {
    checkNs('spinNs', spinNs); checkNs('parkNs', parkNs);
    return call(() => this.raw.waitData(spinNs, parkNs, yieldSpin));
  }

  /** Blocks this thread until `want` bytes of REQ are free. Returns free bytes or 0. */
  waitSpace(want: number, spinNs: number, parkNs: number, yieldSpin = true): number {
    if (!Number.isInteger(want) || want <= 0) throw new RedisError('ERR_ARGUMENT', 'want must be a positive integer');
    checkNs('spinNs', spinNs); checkNs('parkNs', parkNs);
    return call(() => this.raw.waitSpace(want, spinNs, parkNs, yieldSpin));
  }

  /** Non-blocking half of "wait for REQ space" for the main thread: sets producer_parked and
   *  returns the space_futex value the spinner should wait against. Re-check writable() after. */
  armSpace(): number { return call(() => this.raw.armSpace()); }
  disarmSpace(): void { call(() => this.raw.disarmSpace()); }

  /** 0 NEW, 1 CLAIMED, 2 CLOSED. */
  state(): number { return call(() => this.raw.state()); }
  closeReason(): CloseReason { return CLOSE_REASONS[call(() => this.raw.closeReason())] ?? 'none'; }
  sessionId(): bigint { return call(() => this.raw.sessionId()); }

  /** Ends the session from this side: close_reason, state = CLOSED, wake parked peers. */
  markClosed(reason: CloseReason = 'client'): void {
    const r = CLOSE_REASONS.indexOf(reason);
    call(() => this.raw.markClosed(r));
  }

  /** Client hints for the server (docs/protocol.md "Client hints"): SHM_CLIENT_SPIN_ALWAYS
   *  asks the serving thread to keep spinning while the session is open; 0 clears it. */
  setClientFlags(flags: number): void { call(() => this.raw.setClientFlags(flags)); }

  counters(): ReturnType<RawSegment['counters']> { return call(() => this.raw.counters()); }

  /** Drops this handle (munmap when it was the last one). Idempotent. */
  close(): void { this.raw.close(); this.dropped = true; }
}

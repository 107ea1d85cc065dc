// Loads the native addon (build/Release/redis_shm.node, else prebuilds/; see binaries.ts)
// and describes its raw surface.
// Use src/native/segment.ts, not this, from the rest of the library: it validates
// arguments and turns native errors into RedisError.
import { createRequire } from 'node:module';
import { RedisError } from '../errors.js';
import { addonPath, libc } from './binaries.js';
import { elfArchProblem } from './elf.js';

/** One handle on a mapped segment (see native/addon/native_segment.h for thread ownership). */
export interface RawSegment {
  id(): number;
  name(): string;
  token(): Buffer;
  role(): 'client' | 'peer';
  /** [reqCapacity, repCapacity] */
  capacities(): [number, number];
  unlink(): void;
  /** Produce into this side's outgoing ring; returns bytes written (0 when full). */
  write(buf: Uint8Array, off: number, len: number): number;
  /** Consume from this side's incoming ring; returns bytes read (0 when empty). */
  read(buf: Uint8Array, off: number, len: number): number;
  readable(): number;
  writable(): number;
  /** shm_ring_wake_consumer on the outgoing ring; true if a futex wake was issued. */
  wakePeerData(): boolean;
  /** shm_ring_wake_producer on the incoming ring. */
  wakePeerSpace(): boolean;
  /** Blocks the calling thread: spin (sched_yield every 64 probes unless yieldSpin is false),
   *  then park. Readable bytes, 0 on timeout. */
  waitData(spinNs: number, parkNs: number, yieldSpin?: boolean): number;
  waitSpace(want: number, spinNs: number, parkNs: number, yieldSpin?: boolean): number;
  /** Producer side, non-blocking: announce "waiting for space" (producer_parked = 1, full
   *  fence) and return the space_futex value another thread should wait against. */
  armSpace(): number;
  disarmSpace(): void;
  /** The outgoing ring's space_futex (any thread). */
  spaceSeq(): number;
  state(): number;
  closeReason(): number;
  sessionId(): bigint;
  markClosed(reason: number): void;
  setClientFlags(flags: number): void;
  counters(): Record<'outSpins' | 'outParks' | 'outWakes' | 'inSpins' | 'inParks' | 'inWakes' | 'written' | 'read', number>;
  /** Drops this handle's reference; idempotent. The mapping lives until the last handle closes. */
  close(): void;
  isClosed(): boolean;
}

/** See native/addon/bell_watcher.cc. */
export interface RawBellWatcher {
  /** Stops the thread and releases the function; idempotent. */
  close(): void;
  isClosed(): boolean;
  /** Callbacks queued so far. */
  calls(): number;
}

export interface RawAddon {
  create(reqCapacity: number, repCapacity: number, mode: number): RawSegment;
  attach(id: number): RawSegment;
  openPeer(name: string, sessionId: number): RawSegment;
  /** Spin, then park on every listed segment's incoming ring and on ctrl[ctrlIndex] != expected.
   *  yieldSpin: sched_yield now and then while spinning; parkedIndex: a ctrl slot set to 1 while
   *  parked; spaceWaits: [id, seq, ...] outgoing-ring space_futex values to wait against. */
  waitMany(ids: number[], ctrl: Int32Array, ctrlIndex: number, expected: number, spinNs: number, parkNs: number,
    yieldSpin?: boolean, parkedIndex?: number, spaceWaits?: number[]): 0 | 1 | 2;
  ringControl(ctrl: Int32Array, index: number): void;
  /** A real futex wake of native waiters (a BellWatcher) on ctrl[index], without changing it. */
  wakeWaiters(ctrl: Int32Array, index: number): void;
  /** A native thread that futex-waits on ctrl[index] and calls `callback` on this thread's
   *  event loop (a ThreadSafeFunction, unref'd) when the word changes; at most one call is
   *  pending at a time. Its writer must wake it with wakeWaiters or ringControl. */
  BellWatcher: new (ctrl: Int32Array, index: number, callback: () => void) => RawBellWatcher;
  liveSegments(): number;
  layoutVersion: number;
}

let cached: RawAddon | undefined;
let loadError: RedisError | undefined;

const BUILD_HINT = 'no prebuilt binary fits this machine: build it from source with `npm rebuild redis-shm` (needs make, g++ and python3)';

/** Loads the addon at `path` after checking that it is built for this CPU (a binary for
 *  another machine is reported as such instead of failing inside dlopen). */
export function loadAddonFile(path: string): RawAddon {
  const problem = elfArchProblem(path);
  if (problem) throw new RedisError('ERR_SHM_UNAVAILABLE', `native addon unusable: ${problem}; ${BUILD_HINT}`);
  try {
    return createRequire(import.meta.url)(path) as RawAddon;
  } catch (e) {
    throw new RedisError('ERR_SHM_UNAVAILABLE', `native addon ${path} failed to load: ${(e as Error).message}`, { cause: e });
  }
}

/** The addon, loaded once per thread. Throws ERR_SHM_UNAVAILABLE when none is built or
 *  prebuilt for this machine, or it does not load. */
export function loadAddon(): RawAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  let path: string;
  try {
    path = addonPath();
  } catch (e) {
    loadError = new RedisError('ERR_SHM_UNAVAILABLE', `native addon not found (${process.platform}-${process.arch}, ${libc()}): ${BUILD_HINT}`, { cause: e });
    throw loadError;
  }
  try {
    return (cached = loadAddonFile(path));
  } catch (e) {
    loadError = e as RedisError;
    throw loadError;
  }
}

/** Why the addon does not load on this machine, or null when it does. */
export function addonProblem(): string | null {
  try { loadAddon(); return null; } catch (e) { return (e as Error).message; }
}

/** True when the addon loads on this platform. */
export function addonAvailable(): boolean {
  try { loadAddon(); return true; } catch { return false; }
}

// Opening a shm session on an already connected socket (docs/protocol.md §4): create the
// segment, send SHM.OPEN on the socket, unlink the name whatever happens, check what the
// server accepted, and wrap the claimed segment in a ShmChannel. Independent of how
// replies are parsed: the caller runs the command and hands back the reply.
import { RedisError, ReplyError } from '../errors.js';
import { addonProblem } from '../native/addon.js';
import { Segment, SHM_STATE_CLAIMED } from '../native/segment.js';
import { Spinner } from '../spinner/spinner.js';
import type { ChannelHandlers } from './channel.js';
import { ShmChannel, type ShmChannelOptions } from './shm.js';
import type { SocketChannel } from './socket.js';

export const SHM_PROTOCOL_VERSION = 1;
const DEFAULT_RING = 1024 * 1024;
/** The reason given when the server is reached over a non-loopback address. */
export const NOT_LOCAL_REASON = 'the server is not on this host (shared memory needs a Unix socket or loopback TCP)';

export interface ShmOpenOptions extends ShmChannelOptions {
  /** REQ ring bytes (power of two, default 1 MiB). */
  reqCapacity?: number;
  /** REP ring bytes (power of two, default 1 MiB). */
  repCapacity?: number;
  /** 0o600 (default) or 0o660 when client and redis-server run as different users of one group. */
  mode?: 0o600 | 0o660;
  /** Who serves the session (docs/protocol.md §4 "WAKE SOCKET"): 'thread' (a module serving
   *  thread, woken by futex) or 'main' (the server's main thread, in its event loop, woken by
   *  an empty line on the socket). Default: the REDIS_SHM_SERVE environment variable, else 'thread'. */
  serve?: ServeMode;
}

export type ServeMode = 'thread' | 'main';

/** The serve mode an opener asks for: the option, else REDIS_SHM_SERVE, else 'thread'. */
export function serveMode(opt: ServeMode | undefined): ServeMode {
  if (opt !== undefined) return opt;
  return process.env.REDIS_SHM_SERVE === 'main' ? 'main' : 'thread';
}

export interface ShmOpenRequest {
  /** The connected, authenticated socket; it stays open as the session's lifeline. */
  lifeline: SocketChannel;
  /** Runs one command on the lifeline; resolves with its reply (a redisReply-like object or
   *  plain values), rejects or resolves with an error reply when the server refuses. */
  command(args: Array<string | Uint8Array>): Promise<unknown>;
  /** Where the shm channel delivers reply bytes and its close. */
  handlers: ChannelHandlers;
}

/** What the server accepted (the SHM.OPEN reply). */
export interface ShmSessionInfo {
  version: number;
  session: number;
  reqCapacity: number;
  repCapacity: number;
  serverPid: number;
  /** 'socket' when the main thread serves the session (the client rings the socket). */
  wake: 'socket' | 'futex';
}

interface ReplyLike { type?: number; str?: string | null; integer?: number | bigint; element?: ReplyLike[] | null }
const REPLY_ERROR = 6;

function scalar(v: unknown): string | number | undefined {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  const r = v as ReplyLike | null;
  if (r && typeof r === 'object' && 'type' in r) {
    if (r.str !== null && r.str !== undefined) return r.str;
    if (r.integer !== undefined) return Number(r.integer);
  }
  return undefined;
}

/** The error text of an error reply, or undefined. */
function errorText(reply: unknown): string | undefined {
  if (reply instanceof Error) return reply.message;
  const r = reply as ReplyLike | null;
  if (r && typeof r === 'object' && r.type === REPLY_ERROR) return r.str ?? 'error reply';
  return undefined;
}

/** Parses the reply map (RESP3 map or RESP2 flat array) into ShmSessionInfo. */
export function parseOpenReply(reply: unknown): ShmSessionInfo | string {
  let items: unknown[] | undefined;
  if (Array.isArray(reply)) items = reply;
  else if (reply instanceof Map) items = [...reply.entries()].flat();
  else if (reply && typeof reply === 'object' && Array.isArray((reply as ReplyLike).element)) items = (reply as ReplyLike).element!;
  if (!items || items.length % 2 !== 0) return 'SHM.OPEN replied with something other than a map';
  const m = new Map<string, string | number | undefined>();
  for (let i = 0; i < items.length; i += 2) m.set(String(scalar(items[i])), scalar(items[i + 1]));
  const num = (k: string): number => Number(m.get(k));
  const info: ShmSessionInfo = {
    version: num('version'), session: num('session'), reqCapacity: num('req-capacity'),
    repCapacity: num('rep-capacity'), serverPid: num('server-pid'), wake: m.get('wake') === 'socket' ? 'socket' : 'futex',
  };
  for (const [k, v] of Object.entries(info)) if (k !== 'wake' && !Number.isFinite(v)) return `SHM.OPEN reply lacks ${k}`;
  return info;
}

/**
 * Checks the SHM.OPEN reply against the segment it was sent for: what the server accepted
 * when it claimed the segment with what we asked, or the reason shm cannot be used. Shared
 * by the async opener below and the sync context's (src/sync/shm-open.ts).
 */
export function checkOpenReply(seg: Segment, reply: unknown): ShmSessionInfo | string {
  const err = errorText(reply);
  if (err !== undefined) {
    if (/unknown command/i.test(err)) return 'the redis-shm module is not loaded in this redis-server';
    return `the server refused SHM.OPEN: ${err}`;
  }
  const info = parseOpenReply(reply);
  if (typeof info === 'string') return info;
  if (info.version !== SHM_PROTOCOL_VERSION) return `the server speaks shm layout ${info.version}, not ${SHM_PROTOCOL_VERSION}`;
  if (info.reqCapacity !== seg.reqCapacity || info.repCapacity !== seg.repCapacity) return 'the server accepted different ring sizes than the segment has';
  if (seg.state() !== SHM_STATE_CLAIMED) return 'the server replied to SHM.OPEN but did not claim the segment';
  return info;
}

/** A fresh segment to offer with SHM.OPEN, or why none can be made. Shared with the sync opener. */
export function createSegment(reqCapacity: number, repCapacity: number, mode?: 0o600 | 0o660): Segment | string {
  const noAddon = addonProblem();
  if (noAddon) return noAddon;
  try {
    return Segment.create({ reqCapacity, repCapacity, mode });
  } catch (e) {
    return `could not create the shared-memory segment: ${(e as Error).message}`;
  }
}

/** The SHM.OPEN command that offers `seg` (docs/protocol.md §4). */
export function openCommand(seg: Segment, serve: ServeMode = 'thread'): string[] {
  const cmd = ['SHM.OPEN', String(SHM_PROTOCOL_VERSION), seg.name, seg.tokenHex];
  if (serve === 'main') cmd.push('WAKE', 'SOCKET');
  return cmd;
}

/** Gives up a segment the session will not use: marked closed for the server, unmapped. */
export function abandonSegment(seg: Segment): void {
  try { seg.markClosed('client'); } catch { /* closed */ }
  seg.close();
}

/**
 * Opens a shm session over `req.lifeline`. Resolves with the channel, or with the reason
 * shm cannot be used (the caller decides between falling back and failing). The segment's
 * name is removed from /dev/shm on every path.
 */
export async function openShm(req: ShmOpenRequest, opts: ShmOpenOptions = {}): Promise<{ channel: ShmChannel; info: ShmSessionInfo } | string> {
  if (!req.lifeline.isOpen) return 'the socket is not connected';
  if (!req.lifeline.isLocal) return NOT_LOCAL_REASON;
  const seg = createSegment(opts.reqCapacity ?? DEFAULT_RING, opts.repCapacity ?? DEFAULT_RING, opts.mode);
  if (typeof seg === 'string') return seg;
  let ok = false;
  // Start the spinner worker now: it boots (tens of ms in a fresh process) while SHM.OPEN is
  // on the wire, and the channel opens only once it runs, so no first reply waits for it.
  let spinner: Spinner | undefined;
  try { spinner = Spinner.get(); } catch { /* reported by the channel's own Spinner.get() below */ }
  try {
    let reply: unknown;
    try {
      reply = await req.command(openCommand(seg, serveMode(opts.serve)));
    } catch (e) {
      if (e instanceof ReplyError) reply = e;
      else return `SHM.OPEN failed: ${(e as Error).message}`;
    } finally {
      seg.unlink();  // the server unlinked at claim; this covers every other outcome
    }
    const info = checkOpenReply(seg, reply);
    if (typeof info === 'string') return info;
    if (!req.lifeline.isOpen) return 'the socket closed during SHM.OPEN';
    await spinner?.ready();
    if (!req.lifeline.isOpen) return 'the socket closed during SHM.OPEN';
    const channel = new ShmChannel(seg, req.lifeline, req.handlers, { ...opts, wakeSocket: info.wake === 'socket' });
    ok = true;
    return { channel, info };
  } catch (e) {
    if (e instanceof RedisError) return `shm setup failed: ${e.message}`;
    throw e;
  } finally {
    if (!ok) {
      const claimed = seg.state() === SHM_STATE_CLAIMED;
      abandonSegment(seg);
      // the server holds a session we will not use: end it (best effort; the socket may be gone)
      if (claimed && req.lifeline.isOpen) req.command(['SHM.CLOSE']).catch(() => undefined);
      spinner?.stopIfUnused();
    }
  }
}

/** The async context's seam (src/async/shm-open.ts): the channel, or why shm is unavailable. */
export async function openShmChannel(req: ShmOpenRequest, opts?: ShmOpenOptions): Promise<ShmChannel | string> {
  const r = await openShm(req, opts);
  return typeof r === 'string' ? r : r.channel;
}

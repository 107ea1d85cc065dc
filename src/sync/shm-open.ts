// SHM.OPEN for the synchronous context (docs/protocol.md §4): the same steps as the async
// opener in src/transport/shm-open.ts, but blocking and without a spinner registration,
// because the calling thread reads the REP ring itself. Reply parsing and the layout
// version come from the transport's opener.
import type { CommandArg } from '../format/argv.js';
import { addonAvailable } from '../native/addon.js';
import { Segment, SHM_STATE_CLAIMED } from '../native/segment.js';
import type { RedisReply } from '../resp/reply.js';
import { REDIS_REPLY_ERROR } from '../resp/types.js';
import { parseOpenReply, SHM_PROTOCOL_VERSION } from '../transport/shm-open.js';

const RING_BYTES = 1024 * 1024;

/** The claimed segment, or why shm cannot be used. `command` runs one command on the socket. */
export function openSyncShm(command: (argv: CommandArg[]) => RedisReply): Segment | string {
  if (!addonAvailable()) return 'the redis-shm native addon is not available (build/Release/redis_shm.node)';
  let seg: Segment;
  try {
    seg = Segment.create({ reqCapacity: RING_BYTES, repCapacity: RING_BYTES });
  } catch (e) {
    return `could not create the shared-memory segment: ${(e as Error).message}`;
  }
  let ok = false;
  try {
    let reply: RedisReply;
    try {
      reply = command(['SHM.OPEN', String(SHM_PROTOCOL_VERSION), seg.name, seg.tokenHex]);
    } finally {
      seg.unlink();  // the server unlinked at claim; this covers every other outcome
    }
    if (reply.type === REDIS_REPLY_ERROR) {
      const text = reply.str ?? '';
      if (/unknown command/i.test(text)) return 'the redis-shm module is not loaded in this redis-server';
      return `the server refused SHM.OPEN: ${text}`;
    }
    const info = parseOpenReply(reply);
    if (typeof info === 'string') return info;
    if (info.version !== SHM_PROTOCOL_VERSION) return `the server speaks shm layout ${info.version}, not ${SHM_PROTOCOL_VERSION}`;
    if (info.reqCapacity !== seg.reqCapacity || info.repCapacity !== seg.repCapacity) return 'the server accepted different ring sizes than the segment has';
    if (seg.state() !== SHM_STATE_CLAIMED) return 'the server replied to SHM.OPEN but did not claim the segment';
    ok = true;
    return seg;
  } finally {
    if (!ok) {
      try { seg.markClosed('client'); } catch { /* closed */ }
      seg.close();
    }
  }
}

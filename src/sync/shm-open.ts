// SHM.OPEN for the synchronous context (docs/protocol.md §4): the same steps as the async
// opener in src/transport/shm-open.ts, but blocking and without a spinner registration,
// because the calling thread reads the REP ring itself. Reply parsing and the layout
// checks come from the transport's opener (checkOpenReply).
import type { CommandArg } from '../format/argv.js';
import { addonAvailable } from '../native/addon.js';
import { Segment } from '../native/segment.js';
import type { RedisReply } from '../resp/reply.js';
import { checkOpenReply, SHM_PROTOCOL_VERSION } from '../transport/shm-open.js';

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
    const refused = checkOpenReply(seg, reply);
    if (typeof refused === 'string') return refused;
    ok = true;
    return seg;
  } finally {
    if (!ok) {
      try { seg.markClosed('client'); } catch { /* closed */ }
      seg.close();
    }
  }
}

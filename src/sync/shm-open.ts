// SHM.OPEN for the synchronous context (docs/protocol.md §4): the same steps as the async
// opener in src/transport/shm-open.ts, but blocking and without a spinner registration,
// because the calling thread reads the REP ring itself. The segment, the command, the reply
// checks and giving a segment up come from the transport's opener.
import type { CommandArg } from '../format/argv.js';
import type { Segment } from '../native/segment.js';
import type { RedisReply } from '../resp/reply.js';
import { abandonSegment, checkOpenReply, createSegment, openCommand } from '../transport/shm-open.js';

const RING_BYTES = 1024 * 1024;

/** The claimed segment, or why shm cannot be used. `command` runs one command on the socket. */
export function openSyncShm(command: (argv: CommandArg[]) => RedisReply): Segment | string {
  const seg = createSegment(RING_BYTES, RING_BYTES);
  if (typeof seg === 'string') return seg;
  let ok = false;
  try {
    let reply: RedisReply;
    try {
      reply = command(openCommand(seg));
    } finally {
      seg.unlink();  // the server unlinked at claim; this covers every other outcome
    }
    const refused = checkOpenReply(seg, reply);
    if (typeof refused === 'string') return refused;
    ok = true;
    return seg;
  } finally {
    if (!ok) abandonSegment(seg);
  }
}

// How the async context opens its shm channel: the seam between the context and the
// transport's SHM.OPEN opener (src/transport). The opener returns the open channel, or the
// reason shm cannot be used (module missing, refused, ...), which 'auto' reports and 'shm'
// turns into an error.
import type { CommandArg } from '../format/argv.js';
import type { RedisReply } from '../resp/reply.js';
import type { Channel, ChannelHandlers } from '../transport/channel.js';
import type { SocketChannel } from '../transport/socket.js';
import { openShmChannel as openTransportShm, type ServeMode } from '../transport/shm-open.js';

export interface ShmOpenRequest {
  /** The connected, authenticated socket; it stays open as the session's lifeline. */
  lifeline: SocketChannel;
  /** Run one command on the lifeline and get its reply. */
  command(argv: CommandArg[]): Promise<RedisReply>;
  /** Where the shm channel delivers reply bytes and its close. */
  handlers: ChannelHandlers;
  /** Wake through the addon's native thread instead of Atomics.waitAsync (the native adapter). */
  nativeWake?: boolean;
  /** Ask the module's serving thread to keep spinning while the session is open (spin: 'always'). */
  spinAlways?: boolean;
  /** Who serves the session (transport/shm-open.ts ServeMode); default REDIS_SHM_SERVE, else 'thread'. */
  serve?: ServeMode;
}

/** Resolves with the open channel, or with the reason shm is not available. */
export type ShmOpener = (req: ShmOpenRequest) => Promise<Channel | string>;

/** The library's opener (src/transport/shm-open.ts). */
export const openShmChannel: ShmOpener = (req) => openTransportShm(req, { nativeWake: req.nativeWake === true, spinAlways: req.spinAlways === true, serve: req.serve });

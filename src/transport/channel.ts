// The one small interface every transport implements (cf. hiredis redisContextFuncs,
// ioredis AbstractConnector). A channel is an ordered byte pipe to the server: request
// bytes in, reply bytes out. It knows nothing about RESP; readers sit above it.
import type { RedisError } from '../errors.js';

export type ChannelKind = 'socket' | 'shm';

export interface ChannelHandlers {
  /** Reply bytes, in order. The chunk is only valid during the call (copy to keep). */
  onData(chunk: Uint8Array): void;
  /** The channel closed. `err` is undefined for a close we asked for. Called once. */
  onClose(err?: RedisError): void;
}

export interface Channel {
  readonly kind: ChannelKind;
  /** Queue request bytes. Never blocks the event loop, never reorders. */
  write(bytes: Uint8Array): void;
  /** Immediate, idempotent close; pending bytes are dropped. */
  close(): void;
}

// Public entry point of redis-shm.
export * from './errors.js';
export type { Channel, ChannelHandlers, ChannelKind } from './transport/channel.js';
export * from './resp/index.js';
export * from './format/index.js';
export * from './async/index.js';
export * from './sync/index.js';

// Public entry point of redis-shm.
export * from './errors.js';
export type { Channel, ChannelHandlers, ChannelKind } from './transport/channel.js';
export * from './resp/index.js';
export * from './format/index.js';
export * from './async/index.js';
export * from './sync/index.js';
export * from './client/index.js';
export { installCommands, COMMAND_TABLE, type CommandMethods } from './commands/index.js';
export * from './pubsub/index.js';
export * from './cluster/index.js';

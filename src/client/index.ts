// The promise client.
export { RedisClient, createClient, type ClientState, type ClientEvents, type RawHandler } from './client.js';
export { Batch, type BatchOf } from './batch.js';
export type { ClientOptions } from './options.js';
export { toValue, type ReplyValue } from './reply.js';

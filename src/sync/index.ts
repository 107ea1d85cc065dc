// The synchronous API (hiredis's blocking context). Blocks the event loop by design.
export { RedisContext, type SyncOptions, type SyncTransport } from './context.js';
export * from './api.js';

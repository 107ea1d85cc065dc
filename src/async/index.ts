// The asynchronous API: context, hiredis-named functions, adapter hooks, routing rule.
export * from './context.js';
export * from './api.js';
export * from './adapter.js';
export { isSocketOnly, changesSession, SHM_ROUTE_ERROR_PREFIX, type Route } from './route.js';
export type { ShmOpener, ShmOpenRequest } from './shm-open.js';

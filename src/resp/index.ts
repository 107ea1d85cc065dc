// The reply parsing API: reader, reply objects, constants.
export * from './types.js';
export * from './reply.js';
export * from './reader.js';

// redis-shm/ioredis: existing ioredis code over shared memory (docs/api.md, "ioredis").
export { ShmConnector, createShmConnector, type ShmConnectorOptions, type ConnectorOptions } from './connector.js';
export { installShm } from './install.js';
export { ShmStream, type TransportInfo } from './stream.js';

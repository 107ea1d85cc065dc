// redis-shm/ioredis: existing ioredis code over shared memory (docs/api.md, "ioredis").
import type { AbstractConnector } from 'ioredis';
import { ShmConnector as Connector, createShmConnector as createConnector, type ShmConnectorOptions } from './connector.js';

/** Our class, typed as the `Connector` option of the ioredis the user has installed accepts. */
type AsIoredisConnector<T> = T & (new (options: unknown) => AbstractConnector);

/** The ioredis `Connector`: `new Redis({ path, Connector: ShmConnector })`. */
export const ShmConnector = Connector as AsIoredisConnector<typeof Connector>;

/** A ShmConnector class with its own options (ring size, spin policy, polling). */
export function createShmConnector(opts: ShmConnectorOptions): AsIoredisConnector<typeof Connector> {
  return createConnector(opts) as AsIoredisConnector<typeof Connector>;
}

export type { ShmConnectorOptions, ConnectorOptions } from './connector.js';
export { installShm } from './install.js';
export { ShmStream, type TransportInfo } from './stream.js';

// The ioredis connections the BullMQ tests inject: over the Unix socket, or over shm through
// redis-shm/ioredis's connector. maxRetriesPerRequest: null is what BullMQ's blocking
// connections require (it refuses instances without it).
import { Redis } from 'ioredis';
import { ShmConnector } from '../../src/ioredis/index.js';
import type { Connect, Transport } from './workload.js';

export async function connectionFactory(path: string, transport: Transport): Promise<Connect> {
  const options = { path, maxRetriesPerRequest: null };
  if (transport === 'socket') return () => new Redis(options);
  return () => new Redis({ ...options, Connector: ShmConnector });
}

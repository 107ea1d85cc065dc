// Options of the cluster client (createCluster) and their defaults.
import type { ClientOptions } from '../client/options.js';
import { RedisError } from '../errors.js';
import type { NodeAddress } from './topology.js';

/** Per-node connection settings, passed to each node's createClient. */
export type NodeClientOptions = Pick<ClientOptions,
  'transport' | 'username' | 'password' | 'name' | 'resp' | 'connectTimeout' | 'commandTimeout' |
  'returnBuffers' | 'autoPipelining' | 'adapter' | 'maxOfflineQueue'>;

export interface ClusterOptions extends NodeClientOptions {
  /** Where to read the slot map first: addresses or "host:port" strings. */
  rootNodes: Array<NodeAddress | string>;
  /** Send readonly commands to replicas (each replica connection sends READONLY first). Default false. */
  useReplicas?: boolean;
  /** MOVED/ASK redirections and TRYAGAIN/CLUSTERDOWN/unreachable-node retries per command, at most (default 50: with the default retryDelay about 5 s of retrying, longer than a failover takes). */
  maxRedirects?: number;
  /** ms to wait before retry n after TRYAGAIN, CLUSTERDOWN or an unreachable node (default min(20·2^n, 100)). */
  retryDelay?: (attempt: number) => number;
  /**
   * Addresses the cluster announces -> addresses to dial (NAT, containers): a map keyed by
   * "host:port", or a function. Unmapped addresses are dialled as announced.
   */
  nodeAddressMap?: Record<string, NodeAddress | string> | ((announced: NodeAddress) => NodeAddress);
  /** Commands kept while the first slot map is being read (default 10000, then ERR_QUEUE_FULL). */
  maxClusterQueue?: number;
  /** Give up reading the slot map from one node after this many ms (default 5000). */
  mapTimeout?: number;
}

export const DEFAULT_MAX_REDIRECTS = 50;

export function defaultRetryDelay(attempt: number): number {
  return Math.min(20 * 2 ** attempt, 100);
}

export function parseAddress(a: NodeAddress | string): NodeAddress {
  if (typeof a !== 'string') return a;
  const i = a.lastIndexOf(':');
  const port = Number(a.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new RedisError('ERR_ARGUMENT', `bad node address ${JSON.stringify(a)} (want host:port)`);
  return { host: a.slice(0, i), port };
}

export function addressKey(a: NodeAddress): string {
  return `${a.host}:${a.port}`;
}

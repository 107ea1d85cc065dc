// installShm(Redis): from now on every connection of this ioredis class uses ShmConnector
// unless it names another Connector or uses Sentinel. That covers `new Redis()`,
// `duplicate()`, and the node connections of `new Cluster()` (which ioredis builds from the
// same class). ioredis resolves a connection's options in parseOptions(), before it picks
// the connector; the hook adds the Connector option there.
import { ShmConnector } from './connector.js';

interface RedisLike {
  prototype: { parseOptions(...args: unknown[]): void; options?: Record<string, unknown> };
}

const INSTALLED = Symbol.for('redis-shm.installShm');

/** Installs the connector on an ioredis Redis class (5.x or 6.x). Returns the uninstaller.
 *  A second call on the same class only replaces the connector class it installs. */
export function installShm(Redis: unknown, Connector: typeof ShmConnector = ShmConnector): () => void {
  const proto = (Redis as RedisLike | null)?.prototype;
  if (!proto || typeof proto.parseOptions !== 'function') {
    throw new TypeError('installShm: pass the ioredis Redis class (import Redis from "ioredis"), version 5 or 6');
  }
  const slot = proto as unknown as Record<symbol, { Connector: typeof ShmConnector } | undefined>;
  const existing = slot[INSTALLED];
  if (existing) {
    existing.Connector = Connector;
    return () => uninstall(proto, slot);
  }
  const state = { Connector, original: proto.parseOptions };
  slot[INSTALLED] = state;
  proto.parseOptions = function parseOptionsWithShm(this: { options: Record<string, unknown> }, ...args: unknown[]): void {
    state.original.apply(this, args);
    const o = this.options;
    if (o && o.Connector == null && (o.sentinels == null || (Array.isArray(o.sentinels) && o.sentinels.length === 0))) o.Connector = state.Connector;
  };
  return () => uninstall(proto, slot);
}

function uninstall(proto: RedisLike['prototype'], slot: Record<symbol, unknown>): void {
  const state = slot[INSTALLED] as { original: RedisLike['prototype']['parseOptions'] } | undefined;
  if (!state) return;
  proto.parseOptions = state.original;
  delete slot[INSTALLED];
}

// Redis Cluster's key slot, to pick keys by owner without asking a server: the cluster
// client's keySlot (src/cluster/slot.ts; test/module/cluster.test.ts checks it against
// CLUSTER KEYSLOT).

import { keySlot } from '../../src/cluster/slot.js';

/** The slot of a key (the cluster client's own keySlot). */
export function slotOf(key: string): number {
  return keySlot(key);
}

/** The first key `prefix` + n (n = 0, 1, ...) whose slot `ok` accepts. */
export function keyWhere(prefix: string, ok: (slot: number) => boolean): string {
  for (let i = 0; i < 1_000_000; i++) if (ok(slotOf(prefix + i))) return prefix + i;
  throw new Error(`no key ${prefix}<n> in the wanted slots`);
}

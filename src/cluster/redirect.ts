// The cluster's error replies that a client acts on: MOVED and ASK (with slot and
// target), TRYAGAIN and CLUSTERDOWN (retry later). Anything else is the caller's error.
import { ReplyError } from '../errors.js';
import type { NodeAddress } from './topology.js';

export type Redirect =
  | { kind: 'MOVED' | 'ASK'; slot: number; to: NodeAddress }
  | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' };

/** "MOVED 3999 127.0.0.1:6381" -> { kind, slot, to }; IPv6 hosts keep their colons. */
export function parseRedirect(e: unknown): Redirect | undefined {
  if (!(e instanceof ReplyError)) return undefined;
  switch (e.code) {
    case 'TRYAGAIN': case 'CLUSTERDOWN': return { kind: e.code };
    case 'MOVED': case 'ASK': break;
    default: return undefined;
  }
  const m = /^(MOVED|ASK) (\d{1,5}) (\S*):(\d{1,5})$/.exec(e.message);
  if (!m) return undefined;
  const slot = Number(m[2]);
  const port = Number(m[4]);
  if (slot > 16383 || port < 1 || port > 65535) return undefined;
  return { kind: m[1] as 'MOVED' | 'ASK', slot, to: { host: m[3]!, port } };
}

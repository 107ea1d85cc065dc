// Subscriptions of an async context, hiredis style: the callback given with SUBSCRIBE is
// called for the subscribe confirmation, for every message on that channel, and for the
// unsubscribe confirmation, after which it is dropped.
import { REDIS_REPLY_ARRAY, REDIS_REPLY_PUSH } from '../resp/types.js';
import type { RedisReply } from '../resp/reply.js';

export type SubKind = 'channel' | 'pattern' | 'shard';

/** A subscribe-family command in flight: it is answered by confirmations, not one reply. */
export interface SubMarker {
  kind: SubKind;
  subscribe: boolean;
  /** Confirmations still expected; undefined for an unsubscribe-all until the first one. */
  remaining: number | undefined;
}

export interface Subscriber {
  cb: ((ac: never, reply: RedisReply | null, privdata: never) => void) | null;
  privdata: unknown;
}

// Maps, not object literals: names come from users and from the server ("constructor").
const COMMANDS = new Map<string, [SubKind, boolean]>([
  ['subscribe', ['channel', true]], ['psubscribe', ['pattern', true]], ['ssubscribe', ['shard', true]],
  ['unsubscribe', ['channel', false]], ['punsubscribe', ['pattern', false]], ['sunsubscribe', ['shard', false]],
]);

const CONFIRM = COMMANDS;

const MESSAGE = new Map<string, SubKind>([['message', 'channel'], ['pmessage', 'pattern'], ['smessage', 'shard']]);

/** The marker for a subscribe-family command, or undefined for any other command. */
export function subMarkerFor(name: string, argc: number): SubMarker | undefined {
  const c = COMMANDS.get(name);
  if (!c) return undefined;
  const [kind, subscribe] = c;
  // SUBSCRIBE without a channel is an arity error: one ordinary error reply.
  if (subscribe && argc < 2) return undefined;
  return { kind, subscribe, remaining: argc > 1 ? argc - 1 : undefined };
}

/** Is this lowercase word what a pub/sub message or (un)subscribe confirmation starts with? */
export function isPubSubWord(w: string): boolean {
  return COMMANDS.has(w) || MESSAGE.has(w);
}

function kindOf(r: RedisReply): string {
  if ((r.type !== REDIS_REPLY_ARRAY && r.type !== REDIS_REPLY_PUSH) || r.elements < 2) return '';
  const s = r.element![0]!.str;
  return s === null || s.length > 12 ? '' : s.toLowerCase();
}

function key(r: RedisReply | undefined): string {
  const b = r?.buf;
  return b ? b.toString('latin1') : '';
}

export type SubEvent =
  | { type: 'message'; to: Subscriber | undefined }
  | { type: 'confirm'; kind: SubKind; subscribe: boolean; name: string | null; count: number };

export class Subscriptions {
  private readonly maps: Record<SubKind, Map<string, Subscriber>> = {
    channel: new Map(), pattern: new Map(), shard: new Map(),
  };

  /** RESP2 "subscribed mode": the server only takes (un)subscribe, PING, QUIT and RESET. */
  get active(): boolean {
    return this.maps.channel.size + this.maps.pattern.size + this.maps.shard.size > 0;
  }

  /** What a reply or push is for pub/sub, or undefined when it is not pub/sub traffic. */
  classify(r: RedisReply): SubEvent | undefined {
    const k = kindOf(r);
    if (k === '') return undefined;
    const m = MESSAGE.get(k);
    if (m !== undefined) {
      const expect = m === 'pattern' ? 4 : 3;
      if (r.elements !== expect) return undefined;
      return { type: 'message', to: this.maps[m].get(key(r.element![1])) };
    }
    const c = CONFIRM.get(k);
    if (c !== undefined && r.elements === 3) {
      const nameReply = r.element![1]!;
      const count = r.element![2]!.integer;
      return { type: 'confirm', kind: c[0], subscribe: c[1], name: nameReply.buf ? key(nameReply) : null, count: Number(count) };
    }
    return undefined;
  }

  /**
   * Apply a confirmation against the marker at the head of the socket queue. Returns the
   * subscriber to call, and whether the marker is now complete.
   */
  confirm(ev: Extract<SubEvent, { type: 'confirm' }>, marker: SubMarker, issuer: Subscriber): { to: Subscriber; done: boolean } {
    const map = this.maps[ev.kind];
    if (marker.remaining === undefined) marker.remaining = Math.max(1, map.size);
    marker.remaining--;
    let to = issuer;
    if (ev.name !== null) {
      if (ev.subscribe) map.set(ev.name, issuer);
      else {
        const had = map.get(ev.name);
        if (had) { to = had; map.delete(ev.name); }
      }
    }
    return { to, done: marker.remaining <= 0 };
  }

  /** Does this confirmation answer this marker? */
  matches(ev: Extract<SubEvent, { type: 'confirm' }>, marker: SubMarker): boolean {
    return ev.kind === marker.kind && ev.subscribe === marker.subscribe;
  }

  /** Forget everything (RESET, or the context closing); returns the dropped subscribers. */
  clear(): Subscriber[] {
    const out: Subscriber[] = [];
    for (const m of Object.values(this.maps)) { for (const s of m.values()) out.push(s); m.clear(); }
    return out;
  }
}

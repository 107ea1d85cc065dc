// The pub/sub subscriber: SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE on a promise client, with
// hiredis-style per-subscription callbacks (every message, then one final call when the
// subscription ends), EventEmitter events, bounded async iterators, client-tracking
// invalidations (RESP3 pushes and RESP2 __redis__:invalidate messages), and
// resubscription after the client reconnects.
//
// Backpressure policy: events and callbacks run synchronously as messages are parsed, so
// they need no buffer. An async iterator buffers for its consumer up to `maxMessages` and
// `maxBytes`; beyond that it drops the oldest messages (counted in `inbox.dropped`), or the
// newest, or fails with ERR_OOM, as chosen. Memory therefore stays bounded however slow the
// consumer is; the server's own limit (client-output-buffer-limit pubsub) still applies to
// a client that stops reading altogether.
import { EventEmitter } from 'eventemitter3';
import { createClient, type RedisClient } from '../client/client.js';
import type { ClientOptions } from '../client/options.js';
import { RedisError, ReplyError } from '../errors.js';
import type { RedisReply } from '../resp/reply.js';
import { REDIS_REPLY_ARRAY, REDIS_REPLY_ERROR, REDIS_REPLY_PUSH } from '../resp/types.js';
import { Inbox } from './inbox.js';
import type { IteratorOptions, PubSubEnd, PubSubMessage, SubscribeKind, SubscriptionCallback } from './types.js';

export interface SubscriberEvents {
  message: [message: string | Buffer, channel: string];
  pmessage: [message: string | Buffer, channel: string, pattern: string];
  smessage: [message: string | Buffer, channel: string];
  /** Keys invalidated by client-side caching (null: everything, after a flush). */
  invalidate: [keys: string[] | null];
  error: [err: Error];
}

const CMD: Record<SubscribeKind, [string, string]> = {
  channel: ['SUBSCRIBE', 'UNSUBSCRIBE'], pattern: ['PSUBSCRIBE', 'PUNSUBSCRIBE'], shard: ['SSUBSCRIBE', 'SUNSUBSCRIBE'],
};
const CONFIRM: Record<string, [SubscribeKind, boolean]> = {
  subscribe: ['channel', true], psubscribe: ['pattern', true], ssubscribe: ['shard', true],
  unsubscribe: ['channel', false], punsubscribe: ['pattern', false], sunsubscribe: ['shard', false],
};
const END_KIND: Record<SubscribeKind, PubSubEnd['kind']> = { channel: 'unsubscribe', pattern: 'punsubscribe', shard: 'sunsubscribe' };
const INVALIDATE_CHANNEL = '__redis__:invalidate';

interface Waiter {
  kind: SubscribeKind;
  subscribe: boolean;
  /** Names still to be confirmed; empty set for an unsubscribe-all of nothing (one null confirm). */
  names: Set<string>;
  /** A confirmation arrived: the command's replies have begun (an error can no longer be its). */
  started: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

function toList(x: string | string[] | undefined): string[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

export class Subscriber extends EventEmitter<SubscriberEvents> {
  private readonly subs: Record<SubscribeKind, Map<string, SubscriptionCallback | undefined>> = {
    channel: new Map(), pattern: new Map(), shard: new Map(),
  };
  private waiters: Waiter[] = [];
  private readonly inboxes = new Set<Inbox>();
  private readonly buffers: boolean;
  private readonly handler = (r: RedisReply | null): void => { if (r) this.onReply(r); };

  constructor(readonly client: RedisClient) {
    super();
    this.buffers = client.options.returnBuffers ?? false;
    client.onRestore(() => this.restore());
    client.on('push', (v) => {
      if (Array.isArray(v) && v[0] === 'invalidate') this.emit('invalidate', Array.isArray(v[1]) ? v[1].map(String) : null);
    });
    client.on('end', () => this.closeAll(new RedisError('ERR_CLOSED', 'the subscriber\'s client closed')));
  }

  /** Channels, patterns and shard channels currently subscribed. */
  get channels(): string[] { return [...this.subs.channel.keys()]; }
  get patterns(): string[] { return [...this.subs.pattern.keys()]; }
  get shardChannels(): string[] { return [...this.subs.shard.keys()]; }

  subscribe(channels: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('channel', toList(channels), cb); }
  psubscribe(patterns: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('pattern', toList(patterns), cb); }
  ssubscribe(channels: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('shard', toList(channels), cb); }
  /** Without arguments: every channel (as the server does). */
  unsubscribe(channels?: string | string[]): Promise<void> { return this.unsub('channel', toList(channels)); }
  punsubscribe(patterns?: string | string[]): Promise<void> { return this.unsub('pattern', toList(patterns)); }
  sunsubscribe(channels?: string | string[]): Promise<void> { return this.unsub('shard', toList(channels)); }

  /** An async iterator over every message this subscriber receives, bounded as documented above. */
  messages(opts: IteratorOptions = {}): Inbox {
    const inbox = new Inbox(opts, (i) => this.inboxes.delete(i));
    this.inboxes.add(inbox);
    return inbox;
  }

  [Symbol.asyncIterator](): Inbox { return this.messages(); }

  /** Unsubscribes from everything, ends iterators and closes the client. */
  async quit(): Promise<void> {
    await this.client.quit();
    this.closeAll(undefined);
  }

  private sub(kind: SubscribeKind, names: string[], cb: SubscriptionCallback | undefined): Promise<void> {
    if (names.length === 0) return Promise.reject(new RedisError('ERR_ARGUMENT', `${CMD[kind][0]} needs at least one name`));
    for (const n of names) this.subs[kind].set(n, cb);
    return this.issue(kind, true, names, [CMD[kind][0], ...names]);
  }

  private unsub(kind: SubscribeKind, names: string[]): Promise<void> {
    const expect = names.length > 0 ? names : [...this.subs[kind].keys()];
    return this.issue(kind, false, expect, [CMD[kind][1], ...names]);
  }

  private issue(kind: SubscribeKind, subscribe: boolean, names: string[], argv: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { kind, subscribe, names: new Set(names), started: false, resolve, reject };
      this.waiters.push(w);
      this.client.sendRaw(argv, this.handler, (err) => {
        // refused before it reached the server (closed, queue full, bad arguments)
        this.waiters = this.waiters.filter((x) => x !== w);
        if (subscribe) for (const n of names) this.subs[kind].delete(n);
        reject(err);
      });
    });
  }

  private restore(): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      const names = [...this.subs[kind].keys()];
      if (names.length === 0) continue;
      // a waiter of its own, so that a refusal (e.g. NOPERM after an ACL change) is matched to it
      const fail = (e: Error): void => {
        this.waiters = this.waiters.filter((x) => x !== w);
        this.emit('error', e);
      };
      const w: Waiter = { kind, subscribe: true, names: new Set(names), started: false, resolve: () => {}, reject: fail };
      this.waiters.push(w);
      this.client.sendRaw([CMD[kind][0], ...names], this.handler, fail);
    }
  }

  private onReply(r: RedisReply): void {
    if (r.type === REDIS_REPLY_ERROR) { this.refused(new ReplyError(r.str ?? '')); return; }
    if ((r.type !== REDIS_REPLY_ARRAY && r.type !== REDIS_REPLY_PUSH) || !r.element || r.element.length < 3) return;
    const e = r.element;
    const what = e[0]!.str?.toLowerCase() ?? '';
    if (what === 'message' || what === 'smessage') {
      const channel = e[1]!.str ?? '';
      if (channel === INVALIDATE_CHANNEL && e[2]!.type === REDIS_REPLY_ARRAY) {
        this.emit('invalidate', (e[2]!.element ?? []).map((k) => k.str ?? ''));
        return;
      }
      if (channel === INVALIDATE_CHANNEL && e[2]!.element === null && e[2]!.str === null) { this.emit('invalidate', null); return; }
      const m: PubSubMessage = { kind: what, channel, message: this.payload(e[2]!) };
      this.deliver(what === 'message' ? 'channel' : 'shard', channel, m);
      if (what === 'message') this.emit('message', m.message, channel); else this.emit('smessage', m.message, channel);
      return;
    }
    if (what === 'pmessage' && e.length === 4) {
      const pattern = e[1]!.str ?? '';
      const m: PubSubMessage = { kind: 'pmessage', pattern, channel: e[2]!.str ?? '', message: this.payload(e[3]!) };
      this.deliver('pattern', pattern, m);
      this.emit('pmessage', m.message, m.channel, pattern);
      return;
    }
    const c = CONFIRM[what];
    if (c) this.confirm(c[0], c[1], e[1]!.str);
  }

  /** A message's payload: a Buffer with returnBuffers, else a string. */
  private payload(x: RedisReply): string | Buffer {
    return this.buffers && x.buf ? x.buf : x.str ?? '';
  }

  private deliver(kind: SubscribeKind, key: string, m: PubSubMessage): void {
    const cb = this.subs[kind].get(key);
    if (cb) this.guard(cb, m);
    for (const i of this.inboxes) i.push(m);
  }

  private confirm(kind: SubscribeKind, subscribe: boolean, name: string | null): void {
    if (!subscribe && name !== null && this.subs[kind].has(name)) {
      const cb = this.subs[kind].get(name);
      this.subs[kind].delete(name);
      if (cb) this.guard(cb, { kind: END_KIND[kind], channel: name });
    }
    const w = this.waiters.find((x) => x.kind === kind && x.subscribe === subscribe && (name === null ? x.names.size === 0 : x.names.has(name)));
    if (!w) return;  // an unsubscribe-all of names we did not list
    w.started = true;
    if (name !== null) w.names.delete(name);
    if (w.names.size === 0) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve();
    }
  }

  /** The server refused a (un)subscribe command as a whole (NOPERM, CROSSSLOT, MOVED, ...): one
   * error reply and no confirmation. Replies come in order, so it is the oldest command whose
   * confirmations have not begun; its names were never subscribed. */
  private refused(err: ReplyError): void {
    const w = this.waiters.find((x) => !x.started);
    if (!w) { this.emit('error', err); return; }
    this.waiters = this.waiters.filter((x) => x !== w);
    if (w.subscribe) for (const n of w.names) this.subs[w.kind].delete(n);
    w.reject(err);
  }

  /** A callback that throws must not stop delivery: re-throw on the next tick. */
  private guard(cb: SubscriptionCallback, ev: PubSubMessage | PubSubEnd): void {
    try { cb(ev); } catch (e) { process.nextTick(() => { throw e; }); }
  }

  private closeAll(err: Error | undefined): void {
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const [name, cb] of this.subs[kind]) if (cb) this.guard(cb, { kind: END_KIND[kind], channel: name });
      this.subs[kind].clear();
    }
    for (const w of this.waiters.splice(0)) w.reject(err ?? new RedisError('ERR_CLOSED', 'the subscriber closed'));
    for (const i of [...this.inboxes]) i.end();
  }
}

/** A subscriber on its own new connection (RESP2 subscribed connections take no other commands). */
export async function createSubscriber(options: ClientOptions = {}): Promise<Subscriber> {
  const client = createClient(options);
  const s = new Subscriber(client);
  await client.connect();
  return s;
}

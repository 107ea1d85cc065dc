// Pub/sub on a cluster. SUBSCRIBE and PSUBSCRIBE live on one node (the cluster bus carries
// PUBLISH everywhere); SSUBSCRIBE lives on the master owning each channel's slot. Each
// node gets its own subscriber connection (a Subscriber over a promise client, as
// createSubscriber makes). A subscription that ends without being asked to (the server's
// SUNSUBSCRIBE when the slot moves away, a lost node after a failover) is made again where
// the refreshed slot map says, until it succeeds or the subscriber quits.
import { EventEmitter } from 'eventemitter3';
import { createClient } from '../client/client.js';
import { RedisError } from '../errors.js';
import { Inbox } from '../pubsub/inbox.js';
import { Subscriber, type SubscriberEvents } from '../pubsub/subscriber.js';
import type { IteratorOptions, PubSubEnd, PubSubMessage, SubscribeKind, SubscriptionCallback } from '../pubsub/types.js';
import type { RedisCluster } from './cluster.js';
import { addressKey, defaultRetryDelay } from './options.js';
import { keySlot } from './slot.js';
import type { NodeAddress } from './topology.js';

const END: Record<SubscribeKind, PubSubEnd['kind']> = { channel: 'unsubscribe', pattern: 'punsubscribe', shard: 'sunsubscribe' };

function toList(x: string | string[] | undefined): string[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

interface Inner { key: string; sub: Subscriber; ready: Promise<void> }

export class ClusterSubscriber extends EventEmitter<SubscriberEvents> {
  private readonly regs: Record<SubscribeKind, Map<string, SubscriptionCallback | undefined>> = {
    channel: new Map(), pattern: new Map(), shard: new Map(),
  };
  /** Where each subscription lives now (node key). */
  private readonly at: Record<SubscribeKind, Map<string, string>> = { channel: new Map(), pattern: new Map(), shard: new Map() };
  private readonly inners = new Map<string, Inner>();
  private readonly inboxes = new Set<Inbox>();
  private closed = false;
  private retrying = new Set<string>();
  private readonly onRefresh = (): void => this.reconcile();

  constructor(readonly cluster: RedisCluster) {
    super();
    cluster.on('refresh', this.onRefresh);
  }

  get channels(): string[] { return [...this.regs.channel.keys()]; }
  get patterns(): string[] { return [...this.regs.pattern.keys()]; }
  get shardChannels(): string[] { return [...this.regs.shard.keys()]; }

  subscribe(channels: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('channel', toList(channels), cb); }
  psubscribe(patterns: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('pattern', toList(patterns), cb); }
  ssubscribe(channels: string | string[], cb?: SubscriptionCallback): Promise<void> { return this.sub('shard', toList(channels), cb); }
  unsubscribe(channels?: string | string[]): Promise<void> { return this.unsub('channel', toList(channels)); }
  punsubscribe(patterns?: string | string[]): Promise<void> { return this.unsub('pattern', toList(patterns)); }
  sunsubscribe(channels?: string | string[]): Promise<void> { return this.unsub('shard', toList(channels)); }

  /** Node (host:port) each shard channel is subscribed on now. */
  shardNodes(): Map<string, string> { return new Map(this.at.shard); }

  messages(opts: IteratorOptions = {}): Inbox {
    const inbox = new Inbox(opts, (i) => this.inboxes.delete(i));
    this.inboxes.add(inbox);
    return inbox;
  }

  [Symbol.asyncIterator](): Inbox { return this.messages(); }

  async quit(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cluster.off('refresh', this.onRefresh);
    const all = [...this.inners.values()];
    this.inners.clear();
    await Promise.all(all.map((i) => i.sub.client.quit().catch(() => undefined)));
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const [name, cb] of this.regs[kind]) if (cb) this.guard(cb, { kind: END[kind], channel: name });
      this.regs[kind].clear();
    }
    for (const i of [...this.inboxes]) i.end();
  }

  // ----------------------------------------------------------------------------------------

  /** Channels and patterns: the first master; shard channels: the owner of their slot. */
  private home(kind: SubscribeKind, name: string): NodeAddress {
    return this.cluster.masterOf(kind === 'shard' ? keySlot(name) : 0);
  }

  private async sub(kind: SubscribeKind, names: string[], cb: SubscriptionCallback | undefined): Promise<void> {
    if (this.closed) throw new RedisError('ERR_CLOSED', 'the cluster subscriber is closed');
    if (names.length === 0) throw new RedisError('ERR_ARGUMENT', `${kind === 'shard' ? 'SSUBSCRIBE' : kind === 'pattern' ? 'PSUBSCRIBE' : 'SUBSCRIBE'} needs at least one name`);
    for (const n of names) this.regs[kind].set(n, cb);
    const groups = new Map<string, { address: NodeAddress; names: string[] }>();
    for (const n of names) {
      const a = this.home(kind, n);
      // one SSUBSCRIBE per slot: the server refuses shard channels of several slots (CROSSSLOT)
      const gk = kind === 'shard' ? `${addressKey(a)}/${keySlot(n)}` : addressKey(a);
      const g = groups.get(gk) ?? { address: a, names: [] };
      g.names.push(n);
      groups.set(gk, g);
    }
    try {
      await Promise.all([...groups.values()].map((g) => this.subscribeOn(g.address, kind, g.names)));
    } catch (e) {
      for (const n of names) this.regs[kind].delete(n);
      throw e;
    }
  }

  private async unsub(kind: SubscribeKind, names: string[]): Promise<void> {
    const list = names.length > 0 ? names : [...this.regs[kind].keys()];
    const byNode = new Map<string, string[]>();
    for (const n of list) {
      const cb = this.regs[kind].get(n);
      if (!this.regs[kind].has(n)) continue;
      this.regs[kind].delete(n);
      const k = this.at[kind].get(n);
      this.at[kind].delete(n);
      if (k) byNode.set(k, [...(byNode.get(k) ?? []), n]);
      if (cb) this.guard(cb, { kind: END[kind], channel: n });
    }
    await Promise.all([...byNode].map(async ([k, ns]) => {
      const inner = this.inners.get(k);
      if (!inner) return;
      if (kind === 'channel') await inner.sub.unsubscribe(ns);
      else if (kind === 'pattern') await inner.sub.punsubscribe(ns);
      else await inner.sub.sunsubscribe(ns);
    }));
  }

  private inner(address: NodeAddress): Inner {
    const key = addressKey(address);
    const have = this.inners.get(key);
    if (have && have.sub.client.state !== 'closed') return have;
    const client = createClient({ ...this.cluster.nodeOptions, host: address.host, port: address.port, reconnect: false });
    const sub = new Subscriber(client);
    sub.on('error', (e) => this.emit('error', e));
    const inner: Inner = { key, sub, ready: client.connect().then(() => undefined) };
    inner.ready.catch(() => undefined);
    client.on('end', () => { if (this.inners.get(key) === inner) this.inners.delete(key); });
    this.inners.set(key, inner);
    return inner;
  }

  private async subscribeOn(address: NodeAddress, kind: SubscribeKind, names: string[]): Promise<void> {
    const inner = this.inner(address);
    await inner.ready;
    const cb = (ev: PubSubMessage | PubSubEnd): void => this.onInner(kind, inner.key, ev);
    if (kind === 'channel') await inner.sub.subscribe(names, cb);
    else if (kind === 'pattern') await inner.sub.psubscribe(names, cb);
    else await inner.sub.ssubscribe(names, cb);
    for (const n of names) if (this.regs[kind].has(n)) this.at[kind].set(n, inner.key);
  }

  private onInner(kind: SubscribeKind, key: string, ev: PubSubMessage | PubSubEnd): void {
    if (ev.kind === 'message' || ev.kind === 'pmessage' || ev.kind === 'smessage') {
      const name = ev.kind === 'pmessage' ? ev.pattern! : ev.channel;
      if (!this.regs[kind].has(name)) return;
      const cb = this.regs[kind].get(name);
      if (cb) this.guard(cb, ev);
      for (const i of this.inboxes) i.push(ev);
      if (ev.kind === 'message') this.emit('message', ev.message, ev.channel);
      else if (ev.kind === 'pmessage') this.emit('pmessage', ev.message, ev.channel, ev.pattern!);
      else this.emit('smessage', ev.message, ev.channel);
      return;
    }
    // an end we did not ask for: the slot moved away or the node went; subscribe again elsewhere
    if (this.at[kind].get(ev.channel) === key) this.at[kind].delete(ev.channel);
    if (this.regs[kind].has(ev.channel) && !this.closed) this.again(kind, ev.channel, 0);
  }

  private again(kind: SubscribeKind, name: string, attempt: number): void {
    const id = `${kind}\0${name}`;
    if (attempt === 0 && this.retrying.has(id)) return;
    this.retrying.add(id);
    setTimeout(() => {
      if (this.closed || !this.regs[kind].has(name)) { this.retrying.delete(id); return; }
      this.cluster.refresh().catch(() => undefined)
        .then(() => this.subscribeOn(this.home(kind, name), kind, [name]))
        .then(() => this.retrying.delete(id), () => this.again(kind, name, attempt + 1));
    }, attempt === 0 ? 0 : defaultRetryDelay(attempt));
  }

  /** After a new slot map: shard channels whose slot has a new owner move there. */
  private reconcile(): void {
    if (this.closed) return;
    for (const [name, key] of this.at.shard) {
      let home: string;
      try { home = addressKey(this.home('shard', name)); } catch { continue; }
      if (home === key) continue;
      this.at.shard.delete(name);
      const old = this.inners.get(key);
      if (old) old.sub.sunsubscribe([name]).catch(() => undefined);
      else this.again('shard', name, 0);
    }
  }

  private guard(cb: SubscriptionCallback, ev: PubSubMessage | PubSubEnd): void {
    try { cb(ev); } catch (e) { process.nextTick(() => { throw e; }); }
  }
}

/** A subscriber for a connected cluster client (its own connections, one per node it uses). */
export function createClusterSubscriber(cluster: RedisCluster): ClusterSubscriber {
  return new ClusterSubscriber(cluster);
}

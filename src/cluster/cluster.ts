// The cluster client: the promise client's typed commands over a Redis Cluster. Each
// command goes to the node owning its key's slot (a replica for reads with useReplicas),
// over that node's own promise client (shm when the node is local and has the module,
// else the socket). MOVED updates the map and retries; ASK retries once on the target
// after ASKING; TRYAGAIN, CLUSTERDOWN and a node that cannot be dialled retry after a
// bounded backoff; after maxRedirects the command fails with ERR_CLUSTER_REDIRECTS
// carrying the last reply. Commands in flight on a connection that is lost fail with its
// error (the server may have run them), as with createClient.
import { EventEmitter } from 'eventemitter3';
import { commandName } from '../async/route.js';
import { Batch, type BatchOf } from '../client/batch.js';
import type { RedisClient } from '../client/client.js';
import { DEFAULT_MAX_OFFLINE_QUEUE } from '../client/options.js';
import type { ReplyValue } from '../client/reply.js';
import { installCommands, type CommandMethods } from '../commands/index.js';
import { RedisError, ReplyError } from '../errors.js';
import type { CommandArg } from '../format/argv.js';
import type { ChannelKind } from '../transport/channel.js';
import { CommandKeys } from './keys.js';
import {
  addressKey, defaultRetryDelay, DEFAULT_MAX_REDIRECTS, parseAddress, type ClusterOptions, type NodeClientOptions,
} from './options.js';
import { NodePool, type NodeConn } from './pool.js';
import { parseRedirect } from './redirect.js';
import { keySlot } from './slot.js';
import { NO_SHARD, parseClusterShards, parseClusterSlots, type NodeAddress, type SlotMap } from './topology.js';

export type ClusterState = 'idle' | 'connecting' | 'ready' | 'closed';

export interface ClusterNodeInfo extends NodeAddress {
  id: string | undefined;
  role: 'master' | 'replica';
  /** Slot ranges a master serves. */
  slots: Array<[number, number]>;
  /** 'shm' or 'socket' while connected; undefined when this node has no open connection. */
  transport: ChannelKind | undefined;
  /** Why an 'auto' connection is on the socket. */
  transportReason: string | undefined;
}

export interface ClusterEvents {
  ready: [];
  /** A new slot map was read (or a MOVED patched it). */
  refresh: [map: SlotMap];
  /** A node's connection was lost or could not be opened. */
  'node-error': [address: NodeAddress, err: Error];
  error: [err: Error];
  end: [];
}

/** Where a command goes. */
interface Route { slot: number; readonly: boolean }
const ANY = -1;

/** Commands the cluster client refuses, with what to use instead. */
const REFUSED: Record<string, string> = {
  select: 'a cluster has only db 0',
  multi: 'use cluster.multi()', exec: 'use cluster.multi()', discard: 'use cluster.multi()',
  watch: 'WATCH needs one connection: use cluster.nodeClient(address) for a WATCH/MULTI on one node',
  unwatch: 'use cluster.nodeClient(address)',
};

type OwnMethods = 'multi' | 'quit';
export interface RedisCluster extends Omit<CommandMethods<Promise<ReplyValue>>, OwnMethods> {}

const CONNECTION_CODES = new Set(['ERR_IO', 'ERR_EOF', 'ERR_CLOSED', 'ERR_TIMEOUT', 'ERR_SHM_CLOSED', 'ERR_OTHER', 'ERR_SHM_UNAVAILABLE']);

export class RedisCluster extends EventEmitter<ClusterEvents> {
  state: ClusterState = 'idle';
  private map: SlotMap | undefined;
  private keyTable: CommandKeys | undefined;
  private readonly pool: NodePool;
  /** The settings each node connection is made with (for the cluster subscriber's own connections). */
  readonly nodeOptions: NodeClientOptions;
  private readonly roots: NodeAddress[];
  private readonly maxRedirects: number;
  private readonly retryDelay: (attempt: number) => number;
  private refreshing: Promise<SlotMap> | undefined;
  private refreshAgain = false;
  private waiting: Array<() => void> = [];
  private rr = 0;

  constructor(readonly options: ClusterOptions) {
    super();
    if (!options || !Array.isArray(options.rootNodes) || options.rootNodes.length === 0) {
      throw new RedisError('ERR_ARGUMENT', 'createCluster needs rootNodes: at least one "host:port" or { host, port }');
    }
    this.roots = options.rootNodes.map(parseAddress);
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.retryDelay = options.retryDelay ?? defaultRetryDelay;
    const o = options;
    const nodeOptions: NodeClientOptions = this.nodeOptions = {
      transport: o.transport, username: o.username, password: o.password, name: o.name, resp: o.resp,
      connectTimeout: o.connectTimeout, commandTimeout: o.commandTimeout, returnBuffers: o.returnBuffers,
      autoPipelining: o.autoPipelining, adapter: o.adapter, maxOfflineQueue: o.maxOfflineQueue,
    };
    this.pool = new NodePool(nodeOptions, (conn, err) => {
      if (this.state === 'closed') return;
      this.emit('node-error', conn.address, err ?? new RedisError('ERR_EOF', `connection to ${conn.key} closed`));
      this.refreshSoon();
    });
  }

  get isReady(): boolean { return this.state === 'ready'; }

  /** Reads the slot map and the command table, and dials every master (and replica with useReplicas). */
  async connect(): Promise<this> {
    if (this.state !== 'idle') throw new RedisError('ERR_ARGUMENT', `connect() called in state ${this.state}`);
    this.state = 'connecting';
    try {
      await this.refresh();
      // every master's connection open (or failed) before connect() resolves, so nodes() is complete
      await Promise.all(this.pool.all().map((c) => c.settled));
      const any = this.masterConn();
      this.keyTable = new CommandKeys(await any.client.sendCommand(['COMMAND']));
    } catch (e) {
      this.state = 'closed';
      await this.pool.closeAll(false);
      for (const w of this.waiting.splice(0)) w();
      this.emit('end');
      throw e;
    }
    if (this.state !== 'connecting') throw new RedisError('ERR_CLOSED', 'the cluster client was closed while connecting');
    this.state = 'ready';
    for (const w of this.waiting.splice(0)) w();
    this.emit('ready');
    return this;
  }

  /** The current slot map (undefined before connect). */
  get slotMap(): SlotMap | undefined { return this.map; }

  /** Every node of the map, with the transport its connection uses. */
  nodes(): ClusterNodeInfo[] {
    const out: ClusterNodeInfo[] = [];
    for (const s of this.map?.shards ?? []) {
      for (const n of [s.master, ...s.replicas]) {
        const a = this.dialAddress(n);
        const c = this.pool.get(a);
        const live = c && c.client.state === 'ready';
        out.push({
          host: a.host, port: a.port, id: n.id, role: n.role, slots: n.role === 'master' ? s.ranges : [],
          transport: live ? c.client.transport : undefined, transportReason: live ? c.client.transportReason : undefined,
        });
      }
    }
    return out;
  }

  /** The address (as dialled) of the master serving `slot`; a master in turn when no one serves it. */
  masterOf(slot: number): NodeAddress {
    if (!this.map) throw new RedisError('ERR_CLOSED', 'the cluster client is not connected: call connect()');
    return this.nodeFor({ slot, readonly: false }).address;
  }

  /** The promise client of one node (dialled if needed), for keyless commands on a chosen node. */
  nodeClient(address: NodeAddress | string): RedisClient {
    this.assertOpen();
    return this.pool.conn(this.dialAddress(parseAddress(address))).client;
  }

  /** Sends one command to the node owning its key(s); keyless commands go to a master in turn. */
  sendCommand(args: CommandArg[]): Promise<ReplyValue> {
    if (!Array.isArray(args) || args.length === 0) return Promise.reject(new RedisError('ERR_ARGUMENT', 'a command needs at least its name'));
    const refused = REFUSED[commandName(args)];
    if (refused) return Promise.reject(new RedisError('ERR_ARGUMENT', `${String(args[0]).toUpperCase()} on a cluster: ${refused}`));
    if (this.state !== 'ready') return this.whenReady().then(() => this.sendCommand(args));
    const r = this.route(args);
    if (r instanceof Promise) return r.then((route) => this.dispatch(args, route, 0, undefined));
    return this.dispatch(args, r, 0, undefined);
  }

  /** For Batch (pipeline): each command routed on its own, all issued in this tick. */
  sendCommands(list: CommandArg[][]): Promise<ReplyValue>[] {
    return list.map((args) => this.sendCommand(args));
  }

  /** Commands sent together without a transaction, each to its node (in order per node); results in call order. */
  pipeline(): BatchOf {
    return new Batch(this, false) as BatchOf;
  }

  /**
   * MULTI ... EXEC on the node owning the first key's slot. Keys of other slots on that node
   * fail with the server's CROSSSLOT error; keys on other nodes abort it (EXECABORT, MOVED).
   * A transaction aborted because its slot moved (MOVED/ASK at queue time) is run again.
   */
  multi(): BatchOf {
    return new Batch({ sendCommands: (list) => this.transaction(list) }, true) as BatchOf;
  }

  /** SCAN over every master in turn; yields keys. Keys that move during the scan may be missed or repeated. */
  async *scanIterator(opts: { match?: string; count?: number; type?: string } = {}): AsyncGenerator<string | Buffer> {
    await this.whenReady();
    const masters = (this.map?.shards ?? []).filter((s) => s.ranges.length > 0).map((s) => this.dialAddress(s.master));
    for (const m of masters) {
      const client = this.pool.conn(m).client;
      let cursor = '0';
      do {
        const args: CommandArg[] = ['SCAN', cursor];
        if (opts.match !== undefined) args.push('MATCH', opts.match);
        if (opts.count !== undefined) args.push('COUNT', opts.count);
        if (opts.type !== undefined) args.push('TYPE', opts.type);
        const r = await client.sendCommand(args);
        if (!Array.isArray(r) || r.length !== 2 || !Array.isArray(r[1])) throw new RedisError('ERR_PROTOCOL', `unexpected SCAN reply from ${addressKey(m)}`);
        cursor = String(r[0]);
        for (const k of r[1]) yield k as string | Buffer;
      } while (cursor !== '0');
    }
  }

  /** Reads the slot map again now (also done on MOVED and when a node's connection is lost). */
  refresh(): Promise<SlotMap> {
    if (this.refreshing) { this.refreshAgain = true; return this.refreshing; }
    const run = this.readMap().then((map) => {
      this.apply(map);
      return map;
    }).finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain && this.state !== 'closed') { this.refreshAgain = false; this.refreshSoon(); }
    });
    this.refreshing = run;
    return run;
  }

  /** QUIT every node after its pending replies. */
  async quit(): Promise<'OK'> {
    if (this.state === 'closed') return 'OK';
    this.state = 'closed';
    for (const w of this.waiting.splice(0)) w();
    await this.pool.closeAll(true);
    this.emit('end');
    return 'OK';
  }

  /** Immediate: pending commands fail with ERR_CLOSED. */
  disconnect(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const w of this.waiting.splice(0)) w();
    void this.pool.closeAll(false);
    this.emit('end');
  }

  // ---- routing -------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.state === 'closed') throw new RedisError('ERR_CLOSED', 'the cluster client is closed');
  }

  private whenReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed' || this.state === 'idle') {
      return Promise.reject(new RedisError('ERR_CLOSED', this.state === 'idle' ? 'the cluster client is not connected: call connect()' : 'the cluster client is closed'));
    }
    const max = this.options.maxClusterQueue ?? DEFAULT_MAX_OFFLINE_QUEUE;
    if (this.waiting.length >= max) return Promise.reject(new RedisError('ERR_QUEUE_FULL', `the cluster queue is full (${max} commands waiting for the slot map)`));
    return new Promise((resolve, reject) => this.waiting.push(() => (this.state === 'ready' ? resolve() : reject(new RedisError('ERR_CLOSED', 'the cluster client is closed')))));
  }

  /** The slot of the command's first key (readonly per COMMAND); ANY for keyless commands. */
  private route(args: CommandArg[]): Route | Promise<Route> {
    const table = this.keyTable!;
    const readonly = this.options.useReplicas === true && table.isReadonly(args);
    const k = table.keys(args);
    if (k.kind === 'keys') return { slot: keySlot(k.keys[0]!), readonly };
    if (k.kind === 'none') return { slot: ANY, readonly };
    // keys that only the server can find: COMMAND GETKEYS on any master
    return this.masterConn().client.sendCommand(['COMMAND', 'GETKEYS', ...args]).then(
      (keys) => ({ slot: Array.isArray(keys) && keys.length > 0 ? keySlot(keys[0] as CommandArg) : ANY, readonly }),
      () => ({ slot: ANY, readonly }),
    );
  }

  /** The node for a slot: its master, or (readonly) one of its healthy replicas in turn. */
  private nodeFor(route: Route): { address: NodeAddress; readonly: boolean } {
    const map = this.map!;
    const idx = route.slot === ANY ? NO_SHARD : map.slots[route.slot]!;
    const shard = idx === NO_SHARD ? undefined : map.shards[idx];
    if (!shard) return { address: this.masterConn().address, readonly: false };
    if (route.readonly) {
      const rs = shard.replicas.filter((r) => r.healthy);
      if (rs.length > 0) return { address: this.dialAddress(rs[this.rr++ % rs.length]!), readonly: true };
    }
    return { address: this.dialAddress(shard.master), readonly: false };
  }

  /** A connection to some master with slots (in turn), else to a root node. */
  private masterConn(): NodeConn {
    const masters = (this.map?.shards ?? []).filter((s) => s.ranges.length > 0);
    const a = masters.length > 0 ? this.dialAddress(masters[this.rr++ % masters.length]!.master) : this.roots[0]!;
    return this.pool.conn(a);
  }

  private dispatch(args: CommandArg[], route: Route, attempt: number, asking: NodeAddress | undefined): Promise<ReplyValue> {
    if (this.state === 'closed') return Promise.reject(new RedisError('ERR_CLOSED', 'the cluster client is closed'));
    const target = asking ? { address: asking, readonly: false } : this.nodeFor(route);
    const conn = this.pool.conn(target.address, target.readonly);
    let p: Promise<ReplyValue>;
    if (asking) {
      const [a, q] = conn.client.sendCommands([['ASKING'], args]);
      a!.catch(() => undefined);
      p = q!;
    } else {
      p = conn.client.sendCommand(args);
    }
    return p.then(undefined, (e: unknown) => this.failed(e, args, route, attempt, conn));
  }

  private failed(e: unknown, args: CommandArg[], route: Route, attempt: number, conn: NodeConn): Promise<ReplyValue> {
    // a replica still loading its data set: read from the master instead
    if (route.readonly && e instanceof ReplyError && e.code === 'LOADING' && attempt < this.maxRedirects) {
      return this.dispatch(args, { slot: route.slot, readonly: false }, attempt + 1, undefined);
    }
    const r = parseRedirect(e);
    // never sent: the node could not be dialled (a failed master, a stale address)
    const unsent = !r && e instanceof RedisError && CONNECTION_CODES.has(e.code) && !conn.everReady;
    if (!r && !unsent) return Promise.reject(e);
    if (attempt + 1 > this.maxRedirects) {
      const last = e instanceof Error ? e.message : String(e);
      return Promise.reject(new RedisError('ERR_CLUSTER_REDIRECTS', `${String(args[0])} still redirected or retried after ${this.maxRedirects} attempts; last: ${last}`, { cause: e }));
    }
    if (r?.kind === 'MOVED') {
      this.learn(r.slot, r.to.host === '' ? conn.address : r.to);
      return this.dispatch(args, { slot: r.slot, readonly: false }, attempt + 1, undefined);
    }
    if (r?.kind === 'ASK') return this.dispatch(args, route, attempt + 1, this.dialAddress(r.to.host === '' ? { host: conn.address.host, port: r.to.port } : r.to));
    if (!r || r.kind === 'CLUSTERDOWN') this.refreshSoon();
    return new Promise((resolve) => setTimeout(resolve, this.retryDelay(attempt)))
      .then(() => this.dispatch(args, route, attempt + 1, undefined));
  }

  /** MOVED: this slot is now served by `to`; patch the map at once and read it again soon. */
  private learn(slot: number, to: NodeAddress): void {
    const map = this.map;
    if (!map) return;
    let idx = map.shards.findIndex((s) => {
      const a = this.dialAddress(s.master);
      return a.host === this.dialAddress(to).host && a.port === this.dialAddress(to).port;
    });
    if (idx < 0) {
      if (map.shards.length >= NO_SHARD) return;
      map.shards.push({ master: { ...to, id: undefined, role: 'master', healthy: true }, replicas: [], ranges: [] });
      idx = map.shards.length - 1;
    }
    map.slots[slot] = idx;
    this.refreshSoon();
  }

  private refreshTimer: NodeJS.Timeout | undefined;
  /** A refresh shortly (coalescing the MOVEDs and losses of one burst). */
  private refreshSoon(): void {
    if (this.refreshTimer || this.state === 'closed') return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.state === 'closed') return;
      this.refresh().catch((e: Error) => this.emit('error', e));
    }, 10);
  }

  /** MULTI/EXEC: every command to one node, run again when the slot moved under it. */
  private transaction(list: CommandArg[][]): Promise<ReplyValue>[] {
    type Settled = { v: ReplyValue } | { e: unknown };
    const run = async (): Promise<Settled[]> => {
      await this.whenReady();
      let route: Route = { slot: ANY, readonly: false };
      for (const args of list.slice(1, -1)) {
        const r = await this.route(args);
        if (r.slot !== ANY) { route = { slot: r.slot, readonly: false }; break; }
      }
      let asking: NodeAddress | undefined;
      for (let attempt = 0; ; attempt++) {
        const address = asking ?? this.nodeFor(route).address;
        const conn = this.pool.conn(address);
        const ps = conn.client.sendCommands(asking ? [['ASKING'], ...list] : list);
        const settled: Settled[] = await Promise.all(ps.map((p) => p.then((v) => ({ v }), (e: unknown) => ({ e }))));
        if (asking) settled.shift();
        const exec = settled[settled.length - 1]!;
        const aborted = 'e' in exec && exec.e instanceof ReplyError && exec.e.code === 'EXECABORT';
        const red = settled.slice(1, -1).map((s) => ('e' in s ? parseRedirect(s.e) : undefined)).find((x) => x !== undefined);
        if (!aborted || !red || attempt + 1 > this.maxRedirects) return settled;
        asking = undefined;
        if (red.kind === 'MOVED') this.learn(red.slot, red.to);
        else if (red.kind === 'ASK') asking = this.dialAddress(red.to);
        else await new Promise((r) => setTimeout(r, this.retryDelay(attempt)));
      }
    };
    const all = run();
    return list.map((_, i) => all.then((s) => { const x = s[i]!; if ('e' in x) throw x.e; return x.v; }));
  }

  // ---- the slot map --------------------------------------------------------------------------

  /** An announced address as we dial it (nodeAddressMap). */
  private dialAddress(a: NodeAddress): NodeAddress {
    const m = this.options.nodeAddressMap;
    if (!m) return { host: a.host, port: a.port };
    if (typeof m === 'function') return m({ host: a.host, port: a.port });
    const to = m[addressKey(a)];
    return to === undefined ? { host: a.host, port: a.port } : parseAddress(to);
  }

  /** Asks the known masters, then replicas, then the root nodes, until one answers with a valid map. */
  private async readMap(): Promise<SlotMap> {
    const seen = new Set<string>();
    const candidates: NodeAddress[] = [];
    const add = (a: NodeAddress): void => { const k = addressKey(a); if (!seen.has(k)) { seen.add(k); candidates.push(a); } };
    const shards = this.map?.shards ?? [];
    for (const s of shards) if (s.master.healthy) add(this.dialAddress(s.master));
    for (const s of shards) for (const r of s.replicas) add(this.dialAddress(r));
    for (const r of this.roots) add(r);
    const errors: string[] = [];
    for (const a of candidates) {
      if (this.state === 'closed') break;
      const conn = this.pool.conn(a);
      try {
        return await this.withTimeout(this.askMap(conn), `slot map from ${conn.key}`);
      } catch (e) {
        errors.push(`${conn.key}: ${(e as Error).message}`);
        if (e instanceof RedisError && e.code === 'ERR_CLUSTER_MAP' && candidates.length === 1) throw e;
      }
    }
    const mapErr = errors.find((x) => x.includes('malformed'));
    throw new RedisError(mapErr ? 'ERR_CLUSTER_MAP' : 'ERR_CLUSTER_NO_NODE', `no cluster node gave a slot map (${errors.join('; ')})`);
  }

  private async askMap(conn: NodeConn): Promise<SlotMap> {
    let reply: ReplyValue;
    try {
      reply = await conn.client.sendCommand(['CLUSTER', 'SHARDS']);
    } catch (e) {
      // before 7.0, or a proxy without it: CLUSTER SLOTS
      if (!(e instanceof ReplyError) || !/unknown|subcommand/i.test(e.message)) throw e;
      return parseClusterSlots(await conn.client.sendCommand(['CLUSTER', 'SLOTS']), conn.address.host);
    }
    return parseClusterShards(reply, conn.address.host);
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.options.mapTimeout ?? 5000;
    let t: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<never>((_, reject) => { t = setTimeout(() => reject(new RedisError('ERR_TIMEOUT', `no ${what} within ${ms} ms`)), ms); }),
    ]).finally(() => clearTimeout(t));
  }

  /** Installs a map: dials its masters (and replicas with useReplicas), closes nodes no longer in it. */
  private apply(map: SlotMap): void {
    if (this.state === 'closed') return;
    this.map = map;
    const keep = new Set<string>(this.roots.map(addressKey));
    for (const s of map.shards) {
      const m = this.dialAddress(s.master);
      keep.add(addressKey(m));
      if (s.ranges.length > 0 && s.master.healthy) this.pool.conn(m);
      for (const r of s.replicas) {
        const a = this.dialAddress(r);
        keep.add(addressKey(a));
        if (this.options.useReplicas && r.healthy) this.pool.conn(a, true);
      }
    }
    for (const c of this.pool.all()) if (!keep.has(c.key)) this.pool.drop(c.key);
    this.emit('refresh', map);
  }
}

installCommands(RedisCluster.prototype);

/** Creates a cluster client; call `await cluster.connect()` first. */
export function createCluster(options: ClusterOptions): RedisCluster {
  return new RedisCluster(options);
}

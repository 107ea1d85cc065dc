// The slot map, parsed from CLUSTER SHARDS (7.0+) or CLUSTER SLOTS. Pure functions over
// reply values: every field is checked, so a malformed or hostile reply (wrong shapes,
// slots out of range, overlapping owners, absurd sizes) is a clear ERR_CLUSTER_MAP error,
// never a loop, a crash or a silently wrong map.
import { RedisError } from '../errors.js';
import type { ReplyValue } from '../client/reply.js';
import { SLOTS } from './slot.js';

export interface NodeAddress { host: string; port: number }

export interface ShardNode extends NodeAddress {
  /** Node id (CLUSTER SHARDS, or CLUSTER SLOTS' third field when sent). */
  id: string | undefined;
  role: 'master' | 'replica';
  /** False for nodes CLUSTER SHARDS reports as failed. ("loading" counts as healthy: 7.0 also
   *  says it of a replica whose replication offset is still 0; a replica that really is
   *  loading answers -LOADING and the read goes to the master.) */
  healthy: boolean;
}

export interface Shard {
  master: ShardNode;
  replicas: ShardNode[];
  /** Inclusive slot ranges. */
  ranges: Array<[number, number]>;
}

export interface SlotMap {
  shards: Shard[];
  /** Shard index per slot, NO_SHARD where no one serves it. */
  slots: Uint16Array;
  source: 'CLUSTER SHARDS' | 'CLUSTER SLOTS';
}

export const NO_SHARD = 0xffff;
/** More shards (or nodes in one) than any real cluster has means a hostile reply. */
const MAX_SHARDS = 4096;
const MAX_NODES_PER_SHARD = 256;
const MAX_RANGES = SLOTS;

function bad(source: string, what: string): RedisError {
  return new RedisError('ERR_CLUSTER_MAP', `malformed ${source} reply: ${what}`);
}

function str(v: ReplyValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

function int(v: ReplyValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const s = str(v);
  if (s !== undefined && /^-?\d{1,10}$/.test(s)) return Number(s);
  return undefined;
}

/** A RESP3 map, or a RESP2 flat key/value list, as a Map with string keys. */
function fields(v: ReplyValue | undefined, source: string, what: string): Map<string, ReplyValue> {
  const m = new Map<string, ReplyValue>();
  if (v instanceof Map) {
    for (const [k, x] of v) { const ks = str(k); if (ks !== undefined) m.set(ks, x); }
    return m;
  }
  if (!Array.isArray(v) || v.length % 2 !== 0 || v.length > 64) throw bad(source, `${what} is not a key/value list`);
  for (let i = 0; i < v.length; i += 2) {
    const k = str(v[i]);
    if (k === undefined) throw bad(source, `${what} has a non-string key`);
    m.set(k, v[i + 1]!);
  }
  return m;
}

function slotNumber(v: ReplyValue | undefined, source: string): number {
  const n = int(v);
  if (n === undefined || n < 0 || n >= SLOTS) throw bad(source, `slot ${JSON.stringify(String(v))} is not in 0..${SLOTS - 1}`);
  return n;
}

function address(host: string | undefined, port: number | undefined, askedHost: string, source: string): NodeAddress {
  if (port === undefined || port < 1 || port > 65535) throw bad(source, `port ${String(port)} is not in 1..65535`);
  // An empty address means "the node you asked" (CLUSTER SLOTS' documented meaning).
  const h = host === undefined || host === '' ? askedHost : host;
  if (h.length > 255 || /[\s\0]/.test(h)) throw bad(source, `host ${JSON.stringify(h.slice(0, 64))} is not a host name`);
  return { host: h, port };
}

/** Puts each shard's ranges into the per-slot table; two shards claiming one slot is an error. */
function build(shards: Shard[], source: SlotMap['source']): SlotMap {
  const slots = new Uint16Array(SLOTS).fill(NO_SHARD);
  shards.forEach((s, i) => {
    for (const [a, b] of s.ranges) {
      if (a > b) throw bad(source, `slot range ${a}-${b} is reversed`);
      for (let k = a; k <= b; k++) {
        if (slots[k] !== NO_SHARD && slots[k] !== i) {
          const o = shards[slots[k]!]!.master;
          throw bad(source, `slot ${k} is claimed by both ${o.host}:${o.port} and ${s.master.host}:${s.master.port}`);
        }
        slots[k] = i;
      }
    }
  });
  return { shards, slots, source };
}

/** CLUSTER SHARDS: [{slots: [a, b, ...], nodes: [{id, port, ip, endpoint, role, health, ...}]}]. */
export function parseClusterShards(reply: ReplyValue, askedHost: string): SlotMap {
  const src = 'CLUSTER SHARDS';
  if (!Array.isArray(reply)) throw bad(src, 'not an array');
  if (reply.length > MAX_SHARDS) throw bad(src, `${reply.length} shards`);
  const shards: Shard[] = [];
  let ranges = 0;
  for (const [i, entry] of reply.entries()) {
    const f = fields(entry, src, `shard ${i}`);
    const sl = f.get('slots');
    const nodes = f.get('nodes');
    if (!Array.isArray(sl) || sl.length % 2 !== 0) throw bad(src, `shard ${i} has no even slots list`);
    if (!Array.isArray(nodes) || nodes.length > MAX_NODES_PER_SHARD) throw bad(src, `shard ${i} has no nodes list`);
    ranges += sl.length / 2;
    if (ranges > MAX_RANGES) throw bad(src, 'more slot ranges than slots');
    const r: Array<[number, number]> = [];
    for (let k = 0; k < sl.length; k += 2) r.push([slotNumber(sl[k], src), slotNumber(sl[k + 1], src)]);
    let master: ShardNode | undefined;
    const replicas: ShardNode[] = [];
    for (const [j, n] of nodes.entries()) {
      const nf = fields(n, src, `shard ${i} node ${j}`);
      const endpoint = str(nf.get('endpoint'));
      const ip = str(nf.get('ip'));
      const host = endpoint && endpoint !== '?' ? endpoint : ip;
      const role = str(nf.get('role'));
      if (role !== 'master' && role !== 'replica') throw bad(src, `shard ${i} node ${j} has role ${JSON.stringify(role)}`);
      const health = str(nf.get('health'));
      const node: ShardNode = {
        ...address(host, int(nf.get('port')) ?? int(nf.get('tls-port')), askedHost, src),
        id: str(nf.get('id')), role, healthy: health === undefined || health === 'online' || health === 'loading',
      };
      if (role === 'master') {
        // After a failover the old master can still be listed, failed, beside the new one.
        if (master && master.healthy && node.healthy) throw bad(src, `shard ${i} has two online masters`);
        if (!master || (node.healthy && !master.healthy)) master = node;
      } else replicas.push(node);
    }
    if (!master) {
      if (r.length > 0) throw bad(src, `shard ${i} serves slots but lists no master`);
      continue;
    }
    shards.push({ master, replicas, ranges: r });
  }
  return build(shards, src);
}

/** CLUSTER SLOTS: [[start, end, [ip, port, id?, meta?], [replica...]...], ...]. */
export function parseClusterSlots(reply: ReplyValue, askedHost: string): SlotMap {
  const src = 'CLUSTER SLOTS';
  if (!Array.isArray(reply)) throw bad(src, 'not an array');
  if (reply.length > MAX_RANGES) throw bad(src, `${reply.length} slot ranges`);
  const byMaster = new Map<string, Shard>();
  const node = (v: ReplyValue | undefined, role: ShardNode['role']): ShardNode => {
    if (!Array.isArray(v) || v.length < 2) throw bad(src, 'a node entry is not [ip, port, ...]');
    return { ...address(str(v[0]), int(v[1]), askedHost, src), id: str(v[2]), role, healthy: true };
  };
  for (const [i, e] of reply.entries()) {
    if (!Array.isArray(e) || e.length < 3) throw bad(src, `range ${i} is not [start, end, master, ...]`);
    if (e.length > 2 + MAX_NODES_PER_SHARD) throw bad(src, `range ${i} lists ${e.length - 2} nodes`);
    const range: [number, number] = [slotNumber(e[0], src), slotNumber(e[1], src)];
    const master = node(e[2], 'master');
    const key = `${master.host}:${master.port}`;
    let shard = byMaster.get(key);
    if (!shard) {
      shard = { master, replicas: [], ranges: [] };
      byMaster.set(key, shard);
    }
    shard.ranges.push(range);
    for (const r of e.slice(3)) {
      const rn = node(r, 'replica');
      if (!shard.replicas.some((x) => x.host === rn.host && x.port === rn.port)) shard.replicas.push(rn);
    }
  }
  return build([...byMaster.values()], src);
}

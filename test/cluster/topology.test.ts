// The slot map parsers on well-formed replies (RESP2 lists and RESP3 maps) and on
// malformed or hostile ones: always a clear ERR_CLUSTER_MAP, never a loop or a crash.
import { describe, expect, it } from 'vitest';
import { parseClusterShards, parseClusterSlots, NO_SHARD } from '../../src/cluster/topology.js';
import { RedisError, type ReplyValue } from '../../src/index.js';

const node = (port: number, role: string, health = 'online', extra: ReplyValue[] = []): ReplyValue[] =>
  ['id', `id${port}`, 'port', port, 'ip', '127.0.0.1', 'endpoint', '127.0.0.1', 'role', role, 'replication-offset', 1, 'health', health, ...extra];
const shard = (slots: number[], nodes: ReplyValue[][]): ReplyValue[] => ['slots', slots, 'nodes', nodes];

function mapError(f: () => unknown): string {
  try { f(); } catch (e) {
    expect(e).toBeInstanceOf(RedisError);
    expect((e as RedisError).code).toBe('ERR_CLUSTER_MAP');
    return (e as Error).message;
  }
  throw new Error('expected ERR_CLUSTER_MAP');
}

describe('parseClusterShards', () => {
  const good = [
    shard([0, 5460], [node(7000, 'master'), node(7003, 'replica')]),
    shard([5461, 10922], [node(7001, 'master'), node(7004, 'replica', 'failed')]),
    shard([10923, 16000, 16001, 16383], [node(7002, 'master')]),
  ];

  it('reads shards, roles, health and every slot', () => {
    const m = parseClusterShards(good, 'seed');
    expect(m.shards).toHaveLength(3);
    expect(m.shards[0]!.master).toMatchObject({ host: '127.0.0.1', port: 7000, id: 'id7000', role: 'master', healthy: true });
    expect(m.shards[1]!.replicas[0]).toMatchObject({ port: 7004, healthy: false });
    expect(m.slots[0]).toBe(0);
    expect(m.slots[10922]).toBe(1);
    expect(m.slots[16383]).toBe(2);
    expect(m.source).toBe('CLUSTER SHARDS');
  });

  it('reads RESP3 maps the same way', () => {
    const asMap = (l: ReplyValue[]): Map<ReplyValue, ReplyValue> => {
      const m = new Map<ReplyValue, ReplyValue>();
      for (let i = 0; i < l.length; i += 2) m.set(l[i]!, l[i + 1]!);
      return m;
    };
    const r3 = [asMap(['slots', [0, 16383], 'nodes', [asMap(node(7000, 'master'))]])];
    expect(parseClusterShards(r3, 'x').shards[0]!.master.port).toBe(7000);
  });

  it('an empty endpoint means the asked host; "?" falls back to the ip', () => {
    const n = node(7000, 'master');
    n[7] = '';
    n[5] = '';
    expect(parseClusterShards([shard([0, 1], [n])], 'asked').shards[0]!.master.host).toBe('asked');
    const q = node(7000, 'master');
    q[7] = '?';
    expect(parseClusterShards([shard([0, 1], [q])], 'asked').shards[0]!.master.host).toBe('127.0.0.1');
  });

  it('a failed old master beside the promoted one: the online one is the master', () => {
    const m = parseClusterShards([shard([0, 16383], [node(7000, 'master', 'failed'), node(7003, 'master')])], 'x');
    expect(m.shards[0]!.master.port).toBe(7003);
  });

  it('refuses malformed and hostile replies clearly', () => {
    expect(mapError(() => parseClusterShards('OK', 'x'))).toMatch(/not an array/);
    expect(mapError(() => parseClusterShards([42], 'x'))).toMatch(/key\/value/);
    expect(mapError(() => parseClusterShards([['slots', [0], 'nodes', []]], 'x'))).toMatch(/even slots/);
    expect(mapError(() => parseClusterShards([shard([0, 16384], [node(1, 'master')])], 'x'))).toMatch(/not in 0\.\.16383/);
    expect(mapError(() => parseClusterShards([shard([-1, 3], [node(1, 'master')])], 'x'))).toMatch(/slot/);
    expect(mapError(() => parseClusterShards([shard([9, 3], [node(1, 'master')])], 'x'))).toMatch(/reversed/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(1, 'master')]), shard([10, 20], [node(2, 'master')])], 'x'))).toMatch(/slot 10 is claimed by both/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(1, 'replica')])], 'x'))).toMatch(/no master/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(1, 'master'), node(2, 'master')])], 'x'))).toMatch(/two online masters/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(0, 'master')])], 'x'))).toMatch(/port 0/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(70000, 'master')])], 'x'))).toMatch(/port/);
    expect(mapError(() => parseClusterShards([shard([0, 10], [node(1, 'boss')])], 'x'))).toMatch(/role/);
    expect(mapError(() => parseClusterShards([shard(['a', 'b'] as unknown as number[], [node(1, 'master')])], 'x'))).toMatch(/slot/);
    const evil = node(1, 'master');
    evil[5] = 'a b';
    evil[7] = 'a\0b';
    expect(mapError(() => parseClusterShards([shard([0, 1], [evil])], 'x'))).toMatch(/host/);
    // absurd sizes are refused before any work proportional to them
    expect(mapError(() => parseClusterShards(new Array(5000).fill(shard([0, 0], [])), 'x'))).toMatch(/5000 shards/);
    const manyRanges: number[] = [];
    for (let i = 0; i < 40000; i++) manyRanges.push(0, 0);
    expect(mapError(() => parseClusterShards([shard(manyRanges, [node(1, 'master')])], 'x'))).toMatch(/more slot ranges/);
    // a self-referencing shape cannot loop: nested lists are only read to a fixed depth
    const loop: ReplyValue[] = [];
    loop.push('slots', [0, 1], 'nodes', [loop]);
    expect(mapError(() => parseClusterShards([loop], 'x'))).toMatch(/role|key\/value|port/);
  });

  it('slots nobody serves stay NO_SHARD', () => {
    const m = parseClusterShards([shard([0, 100], [node(1, 'master')])], 'x');
    expect(m.slots[101]).toBe(NO_SHARD);
  });
});

describe('parseClusterSlots', () => {
  it('groups ranges by master and keeps replicas', () => {
    const m = parseClusterSlots([
      [0, 5460, ['127.0.0.1', 7000, 'a'], ['127.0.0.1', 7003, 'd']],
      [5461, 10922, ['127.0.0.1', 7001, 'b']],
      [10923, 16383, ['', 7002, 'c']],
      [100, 100, ['127.0.0.1', 7000, 'a']],
    ].slice(0, 3), 'seed');
    expect(m.shards).toHaveLength(3);
    expect(m.shards[0]!.replicas.map((r) => r.port)).toEqual([7003]);
    expect(m.shards[2]!.master.host).toBe('seed');
    expect(m.slots[16383]).toBe(2);
    const split = parseClusterSlots([[0, 10, ['h', 1]], [20, 30, ['h', 1]]], 'x');
    expect(split.shards).toHaveLength(1);
    expect(split.shards[0]!.ranges).toEqual([[0, 10], [20, 30]]);
  });

  it('refuses malformed and hostile replies clearly', () => {
    expect(mapError(() => parseClusterSlots(null, 'x'))).toMatch(/not an array/);
    expect(mapError(() => parseClusterSlots([[0, 10]], 'x'))).toMatch(/range 0/);
    expect(mapError(() => parseClusterSlots([[0, 10, 'h']], 'x'))).toMatch(/node entry/);
    expect(mapError(() => parseClusterSlots([[0, 99999, ['h', 1]]], 'x'))).toMatch(/not in/);
    expect(mapError(() => parseClusterSlots([[0, 10, ['h', 1]], [5, 20, ['h', 2]]], 'x'))).toMatch(/claimed by both/);
    expect(mapError(() => parseClusterSlots([[0, 10, ['h', 'port']]], 'x'))).toMatch(/port/);
    expect(mapError(() => parseClusterSlots(new Array(20000).fill([0, 0, ['h', 1]]), 'x'))).toMatch(/20000 slot ranges/);
  });
});

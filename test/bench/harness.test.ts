import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type Profile } from '../../src/bench/harness.js';
import { ROW_KEYS, type BenchRow } from '../../src/bench/rows.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: false }); });
afterAll(async () => { await srv.stop(); });

const TINY: Profile = { seqMs: 60, tputMs: 60, count100mb: 1, idleReps: 1, idle10s: false, loaded100mb: false, loadedIdle: false };

describe('runBench', () => {
  it('produces one well-formed row per configuration, round and workload against a real server', async () => {
    const progress: string[] = [];
    const rows = await runBench({
      specs: [
        { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null },
        { client: 'node-redis', transport: 'tcp', api: 'promise-timeout-off', adapter: null },
      ],
      eps: { tcp: { host: '127.0.0.1', port: srv.port }, unix: { path: srv.socket } },
      serverPid: srv.pid, profile: TINY, conditions: ['idle'],
      workloads: ['ping-seq', 'burst', 'get-1000-concurrent', 'get-pipeline-100', 'pubsub-delivery', 'value-1kb', 'get-threads', 'idle-cpu', 'first-after-idle'],
      threads: [2, 3], rounds: 2, progress: (l) => progress.push(l),
    });
    for (const r of rows) expect(Object.keys(r)).toEqual([...ROW_KEYS]);
    const by = (w: string) => rows.filter((r) => r.workload === w);
    const workloads = [...new Set(rows.map((r) => r.workload))];
    expect(workloads).toEqual(['ping-seq', 'burst-1ms', 'burst-10x10ms', 'get-1000-concurrent', 'get-pipeline-100', 'pubsub-delivery', 'value-1kb',
      'get-2-threads', 'get-3-threads', 'first-after-idle', 'idle-cpu-1s', 'idle-cpu-1s-server']);
    // Every round has every row, in the configurations' order (whatever order they ran in).
    for (const w of workloads) expect(by(w).map((r) => `${r.round} ${r.client}/${r.transport}`)).toEqual(['1 ioredis/unix', '1 node-redis/tcp', '2 ioredis/unix', '2 node-redis/tcp']);
    expect(rows.slice(0, rows.length / 2).every((r) => r.round === 1)).toBe(true);
    // Progress says the round, the condition and the workload; round 2 ran node-redis first.
    expect(progress).toContain('round 1/2 idle: ping-seq');
    expect(progress).toContain('round 2/2 idle: burst-10x10ms');
    const idleSteps = progress.filter((l) => l.includes('first-after-idle, idle-cpu:'));
    expect(idleSteps).toEqual(['round 1/2 idle: first-after-idle, idle-cpu: ioredis unix promise', 'round 1/2 idle: first-after-idle, idle-cpu: node-redis tcp promise-timeout-off',
      'round 2/2 idle: first-after-idle, idle-cpu: node-redis tcp promise-timeout-off', 'round 2/2 idle: first-after-idle, idle-cpu: ioredis unix promise']);

    const latency = (r: BenchRow) => r.p50_us !== null && r.p99_us !== null && r.p50_us > 0 && r.p50_us <= r.p99_us;
    for (const r of [...by('burst-1ms'), ...by('burst-10x10ms')]) {
      expect(latency(r), JSON.stringify(r)).toBe(true);
      expect(r.ops_per_sec).toBeNull();
    }
    for (const w of ['ping-seq', 'pubsub-delivery', 'value-1kb']) {
      for (const r of by(w)) {
        expect(latency(r), JSON.stringify(r)).toBe(true);
        expect(r.ops_per_sec).toBeGreaterThan(0);
        expect(r.cpu_pct).toBeNull();
      }
    }
    for (const r of [...by('get-1000-concurrent'), ...by('get-pipeline-100'), ...by('get-2-threads'), ...by('get-3-threads')]) expect(r.ops_per_sec, JSON.stringify(r)).toBeGreaterThan(100);
    for (const r of by('first-after-idle')) expect(latency(r)).toBe(true);
    for (const r of [...by('idle-cpu-1s'), ...by('idle-cpu-1s-server')]) {
      expect(r.cpu_pct).not.toBeNull();
      expect(r.cpu_pct!).toBeGreaterThanOrEqual(0);
      expect(r.p50_us).toBeNull();
    }
    expect(rows.every((r) => r.condition === 'idle' && r.adapter === null)).toBe(true);
    expect(progress.some((l) => l.includes('failed'))).toBe(false);
  });

  it('reports a configuration it cannot open instead of failing the run', async () => {
    const progress: string[] = [];
    const rows = await runBench({
      specs: [{ client: 'ioredis', transport: 'tcp', api: 'promise', adapter: null }, { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null }],
      eps: { tcp: { host: '127.0.0.1', port: srv.port }, unix: null },
      serverPid: null, profile: TINY, conditions: ['idle'], workloads: ['ping-seq'], progress: (l) => progress.push(l),
    });
    expect(rows.map((r) => r.transport)).toEqual(['tcp']);
    expect(progress).toContain('  ioredis unix promise: unavailable: the server has no Unix socket to benchmark');

    // With rounds and conditions, once per run (not once per round); busy starts its load first.
    const again: string[] = [];
    const rows2 = await runBench({
      specs: [{ client: 'ioredis', transport: 'tcp', api: 'promise', adapter: null }, { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null }],
      eps: { tcp: { host: '127.0.0.1', port: srv.port }, unix: null },
      serverPid: null, profile: TINY, conditions: ['idle', 'busy'], workloads: ['ping-seq'], rounds: 3, progress: (l) => again.push(l),
    });
    expect(rows2.map((r) => `${r.condition} ${r.transport} ${r.round}`)).toEqual(['idle tcp 1', 'idle tcp 2', 'idle tcp 3', 'busy tcp 1', 'busy tcp 2', 'busy tcp 3']);
    expect(again).toContain('busy: 1 busy-loop process at normal priority started');
    expect(again.indexOf('busy: 1 busy-loop process at normal priority started')).toBeLessThan(again.indexOf('round 1/3 busy: ping-seq'));
    expect(again.filter((l) => l.includes('unavailable'))).toHaveLength(1);
  });

  it('says the same failure once per run, while every round still gets its row', async () => {
    const progress: string[] = [];
    const rows = await runBench({
      specs: [{ client: 'redis-shm', transport: 'unix', api: 'sync', adapter: null }],
      eps: { tcp: null, unix: { path: srv.socket } },
      serverPid: null, profile: TINY, conditions: ['idle'], workloads: ['pubsub-delivery'], rounds: 2, progress: (l) => progress.push(l),
    });
    expect(rows.map((r) => `${r.workload} ${r.round} ${r.p50_us}`)).toEqual(['pubsub-delivery 1 null', 'pubsub-delivery 2 null']);
    expect(progress.filter((l) => l.includes('pubsub-delivery failed: not applicable'))).toHaveLength(1);
  });
});

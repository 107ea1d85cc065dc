import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type Profile } from '../../src/bench/harness.js';
import { ROW_KEYS, type BenchRow } from '../../src/bench/rows.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: false }); });
afterAll(async () => { await srv.stop(); });

const TINY: Profile = { seqMs: 60, tputMs: 60, count100mb: 1, idleReps: 1, idle10s: false, loaded100mb: false, loadedIdle: false };

describe('runBench', () => {
  it('produces one well-formed row per configuration and workload against a real server', async () => {
    const progress: string[] = [];
    const rows = await runBench({
      specs: [
        { client: 'ioredis', transport: 'unix', api: 'promise', adapter: null },
        { client: 'node-redis', transport: 'tcp', api: 'promise-timeout-off', adapter: null },
      ],
      eps: { tcp: { host: '127.0.0.1', port: srv.port }, unix: { path: srv.socket } },
      serverPid: srv.pid, profile: TINY, conditions: ['idle'],
      workloads: ['ping-seq', 'get-1000-concurrent', 'get-pipeline-100', 'pubsub-delivery', 'value-1kb', 'get-threads', 'idle-cpu', 'first-after-idle'],
      threads: 2, progress: (l) => progress.push(l),
    });
    for (const r of rows) expect(Object.keys(r)).toEqual([...ROW_KEYS]);
    const by = (w: string) => rows.filter((r) => r.workload === w);
    const workloads = [...new Set(rows.map((r) => r.workload))];
    expect(workloads).toEqual(['ping-seq', 'get-1000-concurrent', 'get-pipeline-100', 'pubsub-delivery', 'value-1kb', 'get-2-threads',
      'first-after-idle', 'idle-cpu-1s', 'idle-cpu-1s-server']);
    for (const w of workloads) expect(by(w).map((r) => `${r.client}/${r.transport}`)).toEqual(['ioredis/unix', 'node-redis/tcp']);

    const latency = (r: BenchRow) => r.p50_us !== null && r.p99_us !== null && r.p50_us > 0 && r.p50_us <= r.p99_us;
    for (const w of ['ping-seq', 'pubsub-delivery', 'value-1kb']) {
      for (const r of by(w)) {
        expect(latency(r), JSON.stringify(r)).toBe(true);
        expect(r.ops_per_sec).toBeGreaterThan(0);
        expect(r.cpu_pct).toBeNull();
      }
    }
    for (const r of [...by('get-1000-concurrent'), ...by('get-pipeline-100'), ...by('get-2-threads')]) expect(r.ops_per_sec, JSON.stringify(r)).toBeGreaterThan(100);
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
  });
});

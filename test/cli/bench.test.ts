import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommand } from '../../src/cli/bench.js';
import { ROW_KEYS, type BenchRow } from '../../src/bench/rows.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { checkSvg } from '../bench/well-formed.js';
import { captureIo } from './cli-process.js';

let srv: RedisServer;
let tmp: string;
beforeAll(async () => { srv = await startRedis(); tmp = mkdtempSync(join(tmpdir(), 'redis-shm-bench-test-')); });
afterAll(async () => { await srv.stop(); rmSync(tmp, { recursive: true, force: true }); });

describe('redis-shm bench', () => {
  it('writes the JSON rows, the SVG charts and the table for a tiny run', async () => {
    const json = join(tmp, 'rows.json');
    const charts = join(tmp, 'charts');
    const md = join(tmp, 'results.md');
    const io = captureIo();
    const code = await benchCommand(['--quick', '--rounds', '2', '--conditions', 'idle', '--only', 'ping-seq,get-pipeline-100', '--clients', 'ioredis,node-redis unix promise-timeout-off',
      '--socket', srv.socket, '--json', json, '--chart-dir', charts, '--markdown', md], io);
    expect(code, io.err()).toBe(0);

    const rows = JSON.parse(readFileSync(json, 'utf8')) as BenchRow[];
    expect(rows.map((r) => `${r.round} ${r.workload} ${r.client} ${r.api}`)).toEqual([
      '1 ping-seq ioredis promise', '1 ping-seq node-redis promise-timeout-off',
      '1 get-pipeline-100 ioredis promise', '1 get-pipeline-100 node-redis promise-timeout-off',
      '2 ping-seq ioredis promise', '2 ping-seq node-redis promise-timeout-off',
      '2 get-pipeline-100 ioredis promise', '2 get-pipeline-100 node-redis promise-timeout-off',
    ]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual([...ROW_KEYS]);
      expect(r).toMatchObject({ transport: 'unix', adapter: null, condition: 'idle', cpu_pct: null });
      for (const k of ['p50_us', 'p99_us', 'ops_per_sec'] as const) expect(typeof r[k]).toBe('number');
    }

    expect(readdirSync(charts).sort()).toEqual(['latency-p50-idle.svg', 'latency-p99-idle.svg', 'throughput-idle.svg']);
    for (const f of readdirSync(charts)) expect(checkSvg(readFileSync(join(charts, f), 'utf8')), f).toEqual([]);

    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toContain('#### idle host: Latency p50, microseconds, median (worst) of 2 rounds');
    expect(markdown).toMatch(/\| ioredis unix promise \| [\d.k]+ \([\d.k]+\) \|/);
    expect(markdown).toContain('#### idle host: Throughput, commands/s, median (worst) of 2 rounds');

    const table = io.out().split('\n');
    expect(table[0]).toMatch(/^condition\s+workload\s+configuration\s+rounds\s+p50_us\s+worst\s+p99_us\s+worst\s+ops\/s\s+worst\s+cpu%\s+worst$/);
    expect(table.filter((l) => /^idle\s+(ping-seq|get-pipeline-100)\s.*\s2\/2\s/.test(l))).toHaveLength(4);
    expect(io.err()).toMatch(/bench: \[\s*\d+ s\] round 1\/2 idle: ping-seq/);
    expect(io.err()).toMatch(/bench: \[\s*\d+ s\] round 2\/2 idle: get-pipeline-100/);
  });

  it('rejects unknown workloads and conditions', async () => {
    await expect(benchCommand(['--only', 'nope'], captureIo())).rejects.toThrow(/--only: unknown workload "nope"/);
    await expect(benchCommand(['--conditions', 'idle,nope'], captureIo())).rejects.toThrow(/--conditions: unknown condition "nope"/);
    await expect(benchCommand(['--rounds', '0'], captureIo())).rejects.toThrow(/--rounds expects positive integers/);
    await expect(benchCommand(['--clients', 'memcached'], captureIo())).rejects.toThrow(/matches no configuration/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencyCommand, type LatencyResult } from '../../src/cli/latency.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { checkSvg } from '../bench/well-formed.js';
import { alive, captureIo, exited, spawnCli } from './cli-process.js';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'redis-shm-latency-test-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ROW = /^(tcp|unix|shm)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$/;

describe('redis-shm latency', () => {
  it('against the embedded server: prints the table, writes a valid SVG chart, stops the server', async () => {
    const chart = join(tmp, 'latency.svg');
    const io = captureIo();
    expect(await latencyCommand(['--duration', '0.6', '--slice-ms', '20', '--chart', chart], io)).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(io.err()).toMatch(/^embedded redis-server 7\.\d+\.\d+ \(pid \d+\)/);
    expect(lines[0]).toMatch(/^transport\s+min_us\s+avg_us\s+p50_us\s+p99_us\s+max_us\s+samples$/);
    const rows = new Map(lines.slice(2).map((l) => [l.split(/\s+/)[0], l]));
    expect([...rows.keys()]).toEqual(['tcp', 'unix', 'shm']);
    for (const t of ['tcp', 'unix', 'shm']) {
      const m = ROW.exec(rows.get(t)!);
      expect(m, rows.get(t)).not.toBeNull();
      const [min, avg, p50, p99, max, n] = m!.slice(2).map(Number) as [number, number, number, number, number, number];
      expect(n).toBeGreaterThan(5);
      expect(min).toBeGreaterThan(0);
      expect(min <= p50 && p50 <= p99 && p99 <= max && min <= avg && avg <= max).toBe(true);
    }

    const svg = readFileSync(chart, 'utf8');
    expect(checkSvg(svg)).toEqual([]);
    expect(svg).toContain('>tcp<');
    expect(svg).toMatch(/<title>tcp avg: [\d.]+ microseconds<\/title>/);

    const pid = Number(/\(pid (\d+)\)/.exec(io.err())![1]);
    expect(alive(pid)).toBe(false);
  });

  it('--raw measures tcp/unix with the bare RESP loop; --transports picks rows', async () => {
    const io = captureIo();
    expect(await latencyCommand(['--duration', '0.3', '--slice-ms', '20', '--raw', '--transports', 'unix,shm', '--json'], io)).toBe(0);
    const r = JSON.parse(io.out()) as LatencyResult;
    expect(r.transports.map((t) => [t.transport, t.available])).toEqual([['unix', true], ['shm', true]]);
    expect(r.transports[0]!.samples).toBeGreaterThan(5);
    const bad = captureIo();
    await expect(latencyCommand(['--transports', 'udp'], bad)).rejects.toThrow(/unknown transport "udp"/);
    await expect(latencyCommand(['--api', 'carrier-pigeon'], bad)).rejects.toThrow(/--api: unknown API/);
  });

  it('--api sync and --api promise measure shm with those APIs', async () => {
    for (const api of ['sync', 'promise']) {
      const io = captureIo();
      expect(await latencyCommand(['--duration', '0.4', '--slice-ms', '20', '--api', api, '--transports', 'shm', '--json'], io)).toBe(0);
      const [shm] = (JSON.parse(io.out()) as LatencyResult).transports;
      expect(shm, api).toMatchObject({ transport: 'shm', available: true, reason: null });
      expect(shm!.samples, api).toBeGreaterThan(0); // the first round trip can take 100+ ms (spinner start-up)
      expect(shm!.p50_us, api).toBeGreaterThan(0);
    }
  });

  describe('against a given server with the module', () => {
    let srv: RedisServer;
    beforeAll(async () => { srv = await startRedis({ module: true }); });
    afterAll(async () => { await srv.stop(); });

    it('--transports shm: the rows left out are never opened, so the process exits by itself', async () => {
      const p = spawnCli(['latency', '--socket', srv.socket, '--duration', '0.3', '--slice-ms', '20', '--transports', 'shm', '--json']);
      const end = await Promise.race([exited(p), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
      if (end === 'hung') p.kill('SIGKILL');
      expect(end).toEqual({ code: 0, signal: null });
      const r = JSON.parse(p.out()) as LatencyResult;
      expect(r.transports.map((t) => [t.transport, t.available])).toEqual([['shm', true]]);
    });
  });

  describe('against a given server without the module', () => {
    let srv: RedisServer;
    beforeAll(async () => { srv = await startRedis({ module: false }); });
    afterAll(async () => { await srv.stop(); });

    it('--json: finds the TCP port from the socket, measures both, and says why shm is unavailable', async () => {
      const io = captureIo();
      expect(await latencyCommand(['--socket', srv.socket, '--duration', '0.4', '--slice-ms', '20', '--json'], io)).toBe(0);
      const r = JSON.parse(io.out()) as LatencyResult;
      expect(r.server).toBe(`redis at 127.0.0.1:${srv.port} and ${srv.socket}`);
      const [tcp, unix, shm] = r.transports;
      expect(tcp).toMatchObject({ transport: 'tcp', available: true, reason: null });
      expect(unix).toMatchObject({ transport: 'unix', available: true, reason: null });
      expect(tcp!.samples).toBeGreaterThan(10);
      expect(unix!.p99_us).toBeGreaterThanOrEqual(unix!.p50_us!);
      expect(shm).toMatchObject({ transport: 'shm', available: false, samples: 0, avg_us: null });
      expect(shm!.reason).toContain('module is not loaded in this server');
      expect(alive(srv.pid)).toBe(true); // a given server is left running
    });

    it('--history prints interval lines and stops on the abort signal', async () => {
      const ctl = new AbortController();
      const io = captureIo({ signal: ctl.signal });
      setTimeout(() => ctl.abort(), 700);
      expect(await latencyCommand(['--port', String(srv.port), '--history', '--interval', '0.2', '--slice-ms', '20'], io)).toBe(0);
      const hist = io.out().split('\n').filter((l) => l.includes('seconds range'));
      expect(hist.filter((l) => l.startsWith('tcp')).length).toBeGreaterThanOrEqual(2);
      expect(hist.filter((l) => l.startsWith('unix')).length).toBeGreaterThanOrEqual(2);
      expect(hist[0]).toMatch(/^tcp\s+min: [\d.]+, max: [\d.]+, avg: [\d.]+ us \(\d+ samples\) -- 0\.\d\d seconds range$/);
      expect(io.out()).toContain('transport  min_us');
    });
  });
});

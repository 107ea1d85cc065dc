// `redis-shm cluster start|status|stop`: a background cluster that a cluster client can
// use, found again by stop without arguments, and gone (processes and dir) after it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run.js';
import { createCluster } from '../../src/index.js';
import { alive } from './cli-process.js';

function io(): { out: string[]; err: string[]; io: Parameters<typeof run>[1] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, signal: new AbortController().signal } };
}

describe('redis-shm cluster', () => {
  const savedTmp = process.env.TMPDIR;
  const tmp = mkdtempSync(join(tmpdir(), 'redis-shm-cli-cluster-'));
  process.env.TMPDIR = tmp; // the "current cluster" pointer goes here, not in the shared /tmp
  afterAll(() => { process.env.TMPDIR = savedTmp; rmSync(tmp, { recursive: true, force: true }); });

  it('start prints how to connect, the cluster serves, stop ends every node and removes the dir', async () => {
    const s = io();
    expect(await run(['cluster', 'start', '--port', '0', '--masters', '3', '--replicas', '0'], s.io)).toBe(0);
    const text = s.out.join('');
    const port = Number(/rootNodes: \[\{ host: '127\.0\.0\.1', port: (\d+) \}\]/.exec(text)?.[1]);
    expect(port).toBeGreaterThan(0);
    const dir = join(tmp, 'redis-shm-cluster-free');
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { nodes: Array<{ pid: number }> };
    expect(state.nodes).toHaveLength(3);
    try {
      const st = io();
      expect(await run(['cluster', 'status'], st.io)).toBe(0);
      expect(st.out.join('').match(/running/g)).toHaveLength(3);

      const cluster = createCluster({ rootNodes: [{ host: '127.0.0.1', port }] });
      await cluster.connect();
      await cluster.set('cli:k', 'v');
      expect(await cluster.get('cli:k')).toBe('v');
      expect(cluster.nodes().filter((n) => n.transport === 'shm')).toHaveLength(3);
      await cluster.quit();

      // latency --cluster: the rows of every master, shm among them
      const lat = io();
      expect(await run(['latency', '--cluster', `127.0.0.1:${port}`, '--duration', '0.6', '--json'], lat.io)).toBe(0);
      const res = JSON.parse(lat.out.join('')) as { transports: Array<{ transport: string; available: boolean; samples: number }> };
      expect(res.transports).toHaveLength(9);
      for (const t of res.transports) {
        expect(t.transport).toMatch(/^(tcp|unix|shm) 127\.0\.0\.1:\d+$/);
        expect(t.available).toBe(true);
        expect(t.samples).toBeGreaterThan(0);
      }

      // bench --cluster: the four cluster rows, every round measured, and the ratios
      const b = io();
      expect(await run(['bench', '--cluster', `127.0.0.1:${port}`, '--quick'], b.io)).toBe(0);
      const table = b.out.join('');
      for (const label of ['redis-shm shm cluster', 'redis-shm shm cluster node', 'redis-shm tcp cluster', 'ioredis tcp cluster']) {
        expect(table).toMatch(new RegExp(`\\| ${label} \\| \\d+ \\| \\d+ \\| (\\d+ ){3}\\d+ \\|`));
      }
      expect(table).toMatch(/shm \/ ioredis Cluster: +median [\d.]+x, worst [\d.]+x/);
      expect(b.err.join('')).toMatch(/bench --cluster: \[\s*\d+ s\] round 4\/4: 1000 concurrent GET, 4 cluster drivers/);

      const again = io();
      expect(await run(['cluster', 'start', '--port', '0'], again.io)).toBe(2); // still running
      expect(again.err.join('')).toMatch(/still running/);

    } catch (e) {
      await run(['cluster', 'stop'], io().io);
      throw e;
    }
    const stop = io();
    expect(await run(['cluster', 'stop'], stop.io)).toBe(0);
    expect(stop.out.join('')).toMatch(/stopped 3 nodes/);
    for (const n of state.nodes) expect(alive(n.pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    const none = io();
    expect(await run(['cluster', 'stop'], none.io)).toBe(2);
    expect(none.err.join('')).toMatch(/no cluster started/);
  }, 60000);

  it('refuses a bad count with a usage error', async () => {
    const s = io();
    expect(await run(['cluster', 'start', '--masters', '2', '--port', '0'], s.io)).toBe(2);
    expect(s.err.join('')).toMatch(/at least 3 masters/);
    expect(await run(['cluster', 'frobnicate'], io().io)).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawCommand } from '../../src/bench/raw-ping.js';
import { MODULE_PATH } from '../helpers/redis-server.js';
import { until } from '../reliability/helpers.js';
import { alive, exited, spawnCli } from './cli-process.js';

describe('redis-shm server', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`runs redis-server with the module, prints how to connect, and stops cleanly on ${signal}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'redis-shm-serve-test-'));
      const sock = join(dir, 's.sock');
      const p = spawnCli(['server', '--port', '0', '--unixsocket', sock, '--dir', dir]);
      try {
        await until(() => p.out().includes('Press Ctrl-C to stop.') || p.exitCode !== null, 10_000, 'the ready banner');
        const out = p.out();
        expect(out, p.err()).toContain('Press Ctrl-C to stop.');
        const port = Number(/tcp:\s+127\.0\.0\.1:(\d+)/.exec(out)![1]);
        const pid = Number(/\(pid (\d+)\)/.exec(out)![1]);
        expect(out).toContain(`unix:    ${sock}`);
        expect(out).toContain(`module:  ${MODULE_PATH}`);
        expect(await rawCommand({ host: '127.0.0.1', port }, ['PING'])).toEqual(['PONG']);
        expect(await rawCommand({ path: sock }, ['MODULE', 'LIST'])).toContain('shm');

        p.kill(signal);
        expect(await exited(p)).toEqual({ code: 0, signal: null });
        expect(p.err()).toContain('stopped');
        expect(alive(pid)).toBe(false);
        expect(existsSync(dir)).toBe(true); // a directory we were given is kept
      } finally {
        if (p.exitCode === null) p.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

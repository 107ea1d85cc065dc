import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { redisServerVersion, startServer, type RunningServer } from '../../src/cli/server.js';
import { rawCommand } from '../../src/bench/raw-ping.js';
import { alive } from './cli-process.js';

let s: RunningServer | undefined;
afterEach(async () => { await s?.stop(); s = undefined; });

describe('startServer (the embedded default server)', () => {
  it('starts on a free port and a temp socket, answers on both, and stop() tears everything down', async () => {
    s = await startServer({ module: false });
    expect(s.port).toBeGreaterThan(0);
    expect(await rawCommand({ host: s.host, port: s.port }, ['PING'])).toEqual(['PONG']);
    expect(await rawCommand({ path: s.socket }, ['PING'])).toEqual(['PONG']);
    expect(s.version).toMatch(/^\d+\.\d+\.\d+$/);
    const { pid, dir } = s;
    await Promise.all([s.stop(), s.stop()]); // idempotent
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('names the Debian package when redis-server is not on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(redisServerVersion()).rejects.toThrow(/redis-server not found on PATH: install Debian's "redis-server" package/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('runs redis-server under a prefix command (bench-placement --pin: taskset)', async () => {
    s = await startServer({ module: false, prefix: ['taskset', '-c', '0'] });
    expect(await rawCommand({ path: s.socket }, ['PING'])).toEqual(['PONG']);
    // taskset execs redis-server in place: the pid we hold is the server's, pinned to core 0
    expect(readFileSync(`/proc/${s.pid}/comm`, 'utf8').trim()).toBe('redis-server');
    expect(readFileSync(`/proc/${s.pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s*0$/m);
  });

  it('reports the log when redis-server refuses its configuration', async () => {
    await expect(startServer({ module: false, args: ['--no-such-directive', 'x'] })).rejects.toThrow(/redis-server exited during start/);
  });
});

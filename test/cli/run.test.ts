import { describe, expect, it } from 'vitest';
import { isAbsolute, join } from 'node:path';
import { tmpdir } from 'node:os';
import { run } from '../../src/cli/run.js';
import { ROOT } from '../helpers/redis-server.js';
import { captureIo, exited, spawnCli } from './cli-process.js';

describe('redis-shm CLI dispatch', () => {
  it('module-path prints the absolute module path, resolved from the package not the cwd', async () => {
    const io = captureIo();
    expect(await run(['module-path'], io)).toBe(0);
    expect(io.out()).toBe(join(ROOT, 'native', 'module', 'redis-shm.so') + '\n');
    expect(isAbsolute(io.out().trim())).toBe(true);

    const p = spawnCli(['module-path'], tmpdir());
    expect(await exited(p)).toEqual({ code: 0, signal: null });
    expect(p.out()).toBe(io.out());
  });

  it('unknown commands and bad options exit 2 with a message', async () => {
    const a = captureIo();
    expect(await run(['frobnicate'], a)).toBe(2);
    expect(a.err()).toContain('unknown command "frobnicate"');
    expect(a.err()).toContain('usage: redis-shm <command>');

    const b = captureIo();
    expect(await run(['latency', '--no-such-flag'], b)).toBe(2);
    expect(b.err()).toMatch(/redis-shm latency: .*--no-such-flag/);

    const c = captureIo();
    expect(await run(['latency', '--duration', 'soon'], c)).toBe(2);
    expect(c.err()).toContain('--duration expects a non-negative number');
  });

  it('help lists every command', async () => {
    const io = captureIo();
    expect(await run(['help'], io)).toBe(0);
    for (const cmd of ['module-path', 'server', 'latency']) expect(io.out()).toContain(`  ${cmd}`);
  });
});

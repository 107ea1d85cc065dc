import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { measureCpu, procCpuSeconds, selfCpuSeconds } from '../../src/bench/proc-cpu.js';

// The host is shared and noisy, so these tests check CPU *time* consumed by a fixed amount
// of work (independent of how the scheduler shares the cores), not shares of wall time.

/** A child that burns `ms` of its own CPU time, says "done", then sleeps. */
async function burner(ms: number) {
  const c = spawn(process.execPath, ['-e',
    `const t = process.cpuUsage(); while (process.cpuUsage(t).user < ${ms * 1000}); console.log('done'); setTimeout(() => {}, 60000);`],
  { stdio: ['ignore', 'pipe', 'ignore'] });
  const done = new Promise<void>((resolve) => c.stdout.on('data', (d: Buffer) => { if (d.toString().includes('done')) resolve(); }));
  await new Promise((r) => c.once('spawn', r));
  return { c, done };
}

describe('CPU accounting', () => {
  it('sees the CPU time a child burns in /proc/<pid>/stat, and none while it sleeps', async () => {
    const { c, done } = await burner(300);
    try {
      const m = await measureCpu(c.pid!, () => done);
      const cpuSeconds = (m.other! * m.seconds) / 100;
      expect(cpuSeconds).toBeGreaterThanOrEqual(0.25); // 300 ms burnt, minus clock-tick rounding and startup before the first read
      const before = procCpuSeconds(c.pid!)!;
      await new Promise((r) => setTimeout(r, 300));
      expect(procCpuSeconds(c.pid!)! - before).toBeLessThanOrEqual(0.03);
    } finally {
      c.kill('SIGKILL');
    }
  });

  it('measures this process with cpuUsage', async () => {
    const m = await measureCpu(null, async () => { const t0 = selfCpuSeconds(); while (selfCpuSeconds() - t0 < 0.1); });
    expect(m.other).toBeNull();
    expect((m.self * m.seconds) / 100).toBeGreaterThanOrEqual(0.1);
  });

  it('returns null for a process that does not exist', () => {
    expect(procCpuSeconds(2 ** 22 + 12345)).toBeNull();
  });
});

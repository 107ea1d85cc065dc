import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { measureCpu, procCpuSeconds } from '../../src/bench/proc-cpu.js';

const child = async (code: string) => {
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  await new Promise((r) => c.once('spawn', r));
  return c;
};
const wait = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms));

describe('CPU accounting', () => {
  // The host is shared and noisy: compare a busy process with an idle one, not with absolutes.
  it('tells a busy child from a sleeping one via /proc/<pid>/stat', async () => {
    const busy = await child('for (;;) {}');
    const idle = await child('setTimeout(() => {}, 60000)');
    try {
      await wait(300)(); // let the idle child finish starting up
      const b = await measureCpu(busy.pid!, wait(400));
      const i = await measureCpu(idle.pid!, wait(400));
      expect(b.seconds).toBeGreaterThanOrEqual(0.39);
      expect(b.other!).toBeGreaterThan(i.other! + 10);
      expect(i.other!).toBeLessThan(5);
      expect(procCpuSeconds(busy.pid!)).toBeGreaterThan(0);
    } finally {
      busy.kill('SIGKILL');
      idle.kill('SIGKILL');
    }
  });

  it('measures this process with cpuUsage: spinning counts, waiting does not', async () => {
    const spin = await measureCpu(null, async () => { const end = Date.now() + 300; while (Date.now() < end); });
    const rest = await measureCpu(null, wait(300));
    expect(spin.other).toBeNull();
    expect(spin.self).toBeGreaterThan(rest.self + 10);
  });

  it('returns null for a process that does not exist', () => {
    expect(procCpuSeconds(2 ** 22 + 12345)).toBeNull();
  });
});

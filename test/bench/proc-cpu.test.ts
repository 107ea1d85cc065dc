import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { measureCpu, procCpuSeconds } from '../../src/bench/proc-cpu.js';

describe('CPU accounting', () => {
  it('reads a busy child from /proc/<pid>/stat and this process from cpuUsage', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    try {
      const m = await measureCpu(child.pid!, () => new Promise((r) => setTimeout(r, 400)));
      expect(m.seconds).toBeGreaterThanOrEqual(0.39);
      // A busy loop gets a good share of a core even on a shared 2-core host; an idle wait does not.
      expect(m.other!).toBeGreaterThan(20);
      expect(m.self).toBeLessThan(50);
      expect(procCpuSeconds(child.pid!)).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
    const spin = await measureCpu(null, async () => { const end = Date.now() + 200; while (Date.now() < end); });
    expect(spin.self).toBeGreaterThan(50);
    expect(spin.other).toBeNull();
  });

  it('returns null for a process that does not exist', () => {
    expect(procCpuSeconds(2 ** 22 + 12345)).toBeNull();
  });
});

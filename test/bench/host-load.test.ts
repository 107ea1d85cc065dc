import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startHostLoad } from '../../src/bench/host-load.js';

const nice = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('startHostLoad', () => {
  it('starts one nice-19 busy loop per requested core and stops them all', async () => {
    const load = await startHostLoad(2);
    try {
      expect(load.pids).toHaveLength(2);
      for (const pid of load.pids) {
        expect(alive(pid)).toBe(true);
        expect(nice(pid)).toBe(19);
      }
    } finally {
      await load.stop();
    }
    for (const pid of load.pids) expect(alive(pid)).toBe(false);
  });
});

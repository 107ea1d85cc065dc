import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startCondition, startHostLoad } from '../../src/bench/host-load.js';

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

describe('startCondition', () => {
  it('idle starts nothing, loaded one niced loop per core, busy one loop at normal priority', async () => {
    expect(await startCondition('idle')).toBeNull();
    const loaded = (await startCondition('loaded'))!;
    try {
      expect(loaded.load.pids).toHaveLength(availableParallelism());
      for (const pid of loaded.load.pids) expect(nice(pid)).toBe(19);
    } finally {
      await loaded.load.stop();
    }
    const busy = (await startCondition('busy'))!;
    try {
      expect(busy.load.pids).toHaveLength(1);
      expect(alive(busy.load.pids[0]!)).toBe(true);
      expect(nice(busy.load.pids[0]!)).toBe(0);
    } finally {
      await busy.load.stop();
    }
    expect(alive(busy.load.pids[0]!)).toBe(false);
    expect(busy.describe).toMatch(/normal priority/);
  });
});

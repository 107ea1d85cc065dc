// The host conditions that are not "idle", as busy-looping child processes:
// - loaded: one busy loop per core at the lowest priority (nice 19), so the cores never idle
//   (no halt/wake-up cost) yet anything else runs first;
// - busy: one busy loop at normal priority (nice 0), as when the application itself keeps a
//   core busy: it competes with the client's and the server's threads on equal terms.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import type { Condition } from './rows.js';

export interface HostLoad {
  readonly pids: number[];
  stop(): Promise<void>;
}

/** `n` busy-looping processes at priority `nice` (19: lowest, 0: normal). */
export async function startHostLoad(n = availableParallelism(), nice = 19): Promise<HostLoad> {
  const kids: ChildProcess[] = [];
  const killAll = (): void => { for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL'); };
  process.once('exit', killAll);
  for (let i = 0; i < n; i++) {
    const k = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    kids.push(k);
    await new Promise<void>((resolve, reject) => { k.once('spawn', resolve); k.once('error', reject); });
    if (nice !== 0) setPriority(k.pid!, nice);
  }
  return {
    pids: kids.map((k) => k.pid!),
    async stop() {
      const gone = kids.map((k) => (k.exitCode !== null || k.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => k.once('exit', () => r()))));
      killAll();
      await Promise.all(gone);
      process.off('exit', killAll);
    },
  };
}

/** The load a host condition stands for (null: idle), with a line saying what was started. */
export async function startCondition(condition: Condition): Promise<{ load: HostLoad; describe: string } | null> {
  if (condition === 'loaded') {
    const load = await startHostLoad(availableParallelism(), 19);
    return { load, describe: `${load.pids.length} niced (19) busy-loop processes started` };
  }
  if (condition === 'busy') {
    const load = await startHostLoad(1, 0);
    return { load, describe: '1 busy-loop process at normal priority started' };
  }
  return null;
}

// The "loaded" host condition: one busy-looping child per core at the lowest priority
// (nice 19), so the cores never idle (no halt/wake-up cost) yet anything else runs first.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';

export interface HostLoad {
  readonly pids: number[];
  stop(): Promise<void>;
}

export async function startHostLoad(n = availableParallelism()): Promise<HostLoad> {
  const kids: ChildProcess[] = [];
  const killAll = (): void => { for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL'); };
  process.once('exit', killAll);
  for (let i = 0; i < n; i++) {
    const k = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    kids.push(k);
    await new Promise<void>((resolve, reject) => { k.once('spawn', resolve); k.once('error', reject); });
    setPriority(k.pid!, 19);
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

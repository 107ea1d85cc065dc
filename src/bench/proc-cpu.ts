// CPU time of a process from /proc/<pid>/stat (utime + stime, every thread included),
// and of this process from process.cpuUsage() (microsecond resolution).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try { ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { ticks = 100; }
  }
  return ticks;
}

/** CPU seconds used so far by `pid` (user + system), or null if it cannot be read. */
export function procCpuSeconds(pid: number): number | null {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / clockTicks();
}

export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `during` and returns CPU% (100 = one core busy) of this process and of `pid` over it. */
export async function measureCpu(pid: number | null, during: () => Promise<void>): Promise<{ self: number; other: number | null; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const s0 = selfCpuSeconds();
  const o0 = pid === null ? null : procCpuSeconds(pid);
  await during();
  const s1 = selfCpuSeconds();
  const o1 = pid === null ? null : procCpuSeconds(pid);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    self: (100 * (s1 - s0)) / seconds,
    other: o0 === null || o1 === null ? null : (100 * (o1 - o0)) / seconds,
    seconds,
  };
}

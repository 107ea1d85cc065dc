// Runs the built `redis-shm` executable (dist/src/cli/main.js) as a child process, and
// runs commands in-process with captured output.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/redis-server.js';
import type { Io } from '../../src/cli/io.js';

export const BIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export function spawnCli(args: string[], cwd = ROOT): ChildProcess & { out: () => string; err: () => string } {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build:ts first`);
  const p = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return Object.assign(p, { out: () => out, err: () => err });
}

export function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
}

export function captureIo(opts: { tty?: boolean; signal?: AbortSignal } = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => { out += s; return true; }, isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => { err += s; return true; } },
    signal: opts.signal ?? new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

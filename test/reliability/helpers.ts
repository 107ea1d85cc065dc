// What the reliability suite observes about a running server: live shm sessions, open fds,
// RSS, our names in /dev/shm, the close reasons it logged. Plus a raw socket exchange.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { RedisServer } from '../helpers/redis-server.js';
import { until as untilEvery } from '../helpers/until.js';

export const STATE = { NEW: 0, CLAIMED: 1, CLOSED: 2 } as const;
export const REASON = { NONE: 0, CLIENT: 1, DISCONNECT: 2, PROTOCOL: 3, CORRUPT: 4, SERVER: 5, FAULT: 6 } as const;

/** Header offsets (docs/protocol.md §1-2). */
export const OFF = {
  magic: 0, version: 8, headerSize: 12, reqCap: 16, repCap: 24, total: 32, token: 40, clientPid: 56,
  state: 64, reason: 68, serverPid: 72, sessionId: 80,
  req: 128, rep: 320,
  // inside a ring control block
  tail: 0, head: 64, consumerParked: 128, dataFutex: 132, producerParked: 136, spaceFutex: 140,
} as const;

export const until = (f: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> =>
  untilEvery(f, ms, 20, what);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Live sessions according to SHM.INFO. */
export async function sessions(srv: RedisServer): Promise<number> {
  const r = await srv.command('SHM.INFO');
  const m = /\$8\r\nsessions\r\n:(\d+)\r\n/.exec(r);
  if (!m) throw new Error(`unexpected SHM.INFO reply: ${r}`);
  return Number(m[1]);
}

export async function waitSessions(srv: RedisServer, n: number, ms = 5000): Promise<void> {
  await until(async () => (await sessions(srv)) === n, ms, `SHM.INFO sessions == ${n}`);
}

export function infoShm(info: string, field: string): number {
  const m = new RegExp(`^shm_${field}:(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : NaN;
}

export function fdCount(pid: number): number { return readdirSync(`/proc/${pid}/fd`).length; }

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Mappings of /dev/shm objects the server process still holds. */
export function shmMappings(pid: number): number {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('/dev/shm/redis-shm.')).length;
}

/** Which of these segment names (as "/redis-shm.<hex>") still exist in /dev/shm. */
export function leftover(names: string[]): string[] {
  return names.filter((n) => existsSync('/dev/shm' + n));
}

/** The log lines in which the module reported closing session `id`. */
export function closeLines(srv: RedisServer, id: number): string[] {
  return srv.log().split('\n').filter((l) => l.includes(`shm: session ${id} (`) && l.includes('closed:'));
}

/** Waits for the module's close line for session `id` (the state word is published before
 *  the log line is written) and returns every such line once it appeared. */
export async function closeLogged(srv: RedisServer, id: number, ms = 3000): Promise<string[]> {
  await until(() => closeLines(srv, id).length > 0, ms, `close of session ${id} logged`);
  await sleep(20);   // a second line, if there were one, would follow at once
  return closeLines(srv, id);
}

export function assertNoCrash(srv: RedisServer): void {
  const log = srv.log();
  for (const bad of ['crashed by signal', 'ASSERTION FAILED', 'Guru Meditation', 'AddressSanitizer', 'STACK TRACE']) {
    if (log.includes(bad)) throw new Error(`redis-server log shows "${bad}":\n${log.slice(-4000)}`);
  }
  if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) throw new Error(`redis-server exited (${srv.proc.exitCode ?? srv.proc.signalCode})`);
}

/** Sends raw bytes on a fresh socket and returns everything received until the server
 *  closes it or `ms` pass. */
export function socketRaw(port: number, bytes: string | Buffer, ms = 1500): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    let buf = '';
    const t = setTimeout(() => s.destroy(), ms);
    s.on('data', (d) => { buf += d.toString('latin1'); });
    s.on('close', () => { clearTimeout(t); res(buf); });
    s.on('error', (e) => { clearTimeout(t); if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') res(buf); else rej(e); });
  });
}

/** A tiny deterministic PRNG (xorshift32) so that every run tries the same cases (the
 *  fuzz loop, test/fuzz/resp-fuzz.ts, uses it too). */
export class Rng {
  constructor(private s: number) { this.s = s >>> 0 || 1; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  bytes(n: number): Buffer { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = this.int(256); return b; }
}

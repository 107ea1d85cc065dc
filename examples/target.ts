// Where the examples connect: REDIS_SOCKET (a Unix socket path), else REDIS_HOST/REDIS_PORT.
// Run one with:  npm run build:ts && REDIS_SOCKET=/path/to/redis.sock node dist/examples/sync.js
import { pathToFileURL } from 'node:url';

export interface Target { path?: string; host?: string; port?: number }
export type Log = (...args: unknown[]) => void;

export function targetFromEnv(): Target {
  if (process.env.REDIS_SOCKET) return { path: process.env.REDIS_SOCKET };
  return { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
}

/** Runs `main` when the file is the program itself (not when a test imports it). */
export function runIfMain(url: string, main: (t: Target, log: Log) => unknown): void {
  if (process.argv[1] && url === pathToFileURL(process.argv[1]).href) {
    Promise.resolve(main(targetFromEnv(), console.log)).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
  }
}

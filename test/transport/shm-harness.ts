// Shared by the shm channel and opener tests: a lifeline socket with a tiny command runner
// (what the async context does for real), a byte collector, and name tracking so a test can
// check that the segments it created left nothing in /dev/shm.
import { afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { resp } from '../helpers/redis-server.js';
import { SocketChannel } from '../../src/transport/socket.js';
import { openShm } from '../../src/transport/shm-open.js';
import { Reader } from '../../src/resp/reader.js';
import type { RedisError } from '../../src/errors.js';
import { until as untilEvery } from '../helpers/until.js';

// Other test files create segments concurrently: check the names this file created.
export const created: string[] = [];
export const leftovers = (): string[] => created.filter((n) => existsSync(`/dev/shm${n}`));
const cleanup: Array<{ close(): void }> = [];
afterEach(() => { for (const c of cleanup.splice(0)) c.close(); });

/** A socket with a tiny command runner on it (what the async context does for real). */
export async function lifeline(target: { path: string } | { port: number }) {
  const reader = new Reader();
  const waiting: Array<(r: unknown) => void> = [];
  const sock = await SocketChannel.connect(target, {
    onData(c) { reader.feed(c); for (let r = reader.getReply(); r !== undefined; r = reader.getReply()) waiting.shift()?.(r); },
    onClose() { /* observed through the shm channel */ },
  });
  cleanup.push(sock);
  const command = (args: Array<string | Uint8Array>): Promise<unknown> => new Promise((res) => {
    if (args[0] === 'SHM.OPEN') created.push(String(args[2]));
    waiting.push(res);
    sock.write(Buffer.from(resp(...args.map((a) => (typeof a === 'string' ? a : Buffer.from(a).toString('latin1'))))));
  });
  return { sock, command };
}

export function collector() {
  const parts: Buffer[] = [];
  let bytes = 0;
  const closes: Array<RedisError | undefined> = [];
  return {
    handlers: { onData(c: Uint8Array) { parts.push(Buffer.from(c)); bytes += c.length; }, onClose(e?: RedisError) { closes.push(e); } },
    get text() { return Buffer.concat(parts).toString('latin1'); },
    get bytes() { return bytes; },
    parts, closes,
  };
}

export const until = (pred: () => boolean, ms = 10000): Promise<void> => untilEvery(pred, ms, 1);

export type Target = { path: string } | { port: number };

export async function open(target: Target, opts: Parameters<typeof openShm>[1] = {}) {
  const l = await lifeline(target);
  const c = collector();
  const r = await openShm({ lifeline: l.sock, command: l.command, handlers: c.handlers }, opts);
  if (typeof r === 'string') throw new Error(r);
  cleanup.unshift(r.channel);
  return { ...l, ...c, c, ch: r.channel, info: r.info };
}

// Socket channel against a real redis-server: TCP and Unix, ordering, close semantics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startRedis, resp, type RedisServer } from '../helpers/redis-server.js';
import { SocketChannel } from '../../src/transport/socket.js';
import type { RedisError } from '../../src/errors.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: false }); });
afterAll(async () => { await srv?.stop(); });

function collector() {
  let text = '';
  const closes: Array<RedisError | undefined> = [];
  let waiters: Array<() => void> = [];
  const poke = () => { const w = waiters; waiters = []; w.forEach((f) => f()); };
  return {
    handlers: {
      onData(c: Uint8Array) { text += Buffer.from(c).toString('latin1'); poke(); },
      onClose(e?: RedisError) { closes.push(e); poke(); },
    },
    get text() { return text; },
    closes,
    async until(pred: () => boolean, ms = 5000): Promise<void> {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timeout; got ${JSON.stringify(text.slice(-200))}`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
      }
    },
  };
}

describe('SocketChannel', () => {
  it('round-trips a PING over TCP with TCP_NODELAY and reports a loopback peer as local', async () => {
    const c = collector();
    const ch = await SocketChannel.connect({ port: srv.port }, c.handlers);
    expect(ch.kind).toBe('socket');
    expect(ch.isLocal).toBe(true);
    ch.write(Buffer.from(resp('PING')));
    await c.until(() => c.text === '+PONG\r\n');
    ch.close();
    await c.until(() => c.closes.length === 1);
    expect(c.closes).toEqual([undefined]);
  });

  it('keeps 2000 pipelined writes in order over a Unix socket', async () => {
    const c = collector();
    const ch = await SocketChannel.connect({ path: srv.socket }, c.handlers);
    ch.write(Buffer.from(resp('DEL', 'sock:ctr')));
    for (let i = 0; i < 2000; i++) ch.write(Buffer.from(resp('INCR', 'sock:ctr')));
    await c.until(() => c.text.endsWith(':2000\r\n'));
    const ints = c.text.split('\r\n').filter((l) => l.startsWith(':')).map((l) => Number(l.slice(1)));
    expect(ints.slice(1)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    ch.close();
  });

  it('reports ERR_EOF once when the server closes the connection', async () => {
    const c = collector();
    const ch = await SocketChannel.connect({ port: srv.port }, c.handlers);
    const seen: Array<RedisError | undefined> = [];
    ch.addCloseListener((e) => seen.push(e));
    ch.write(Buffer.from(resp('CLIENT', 'KILL', 'SKIPME', 'no', 'TYPE', 'normal')));
    await c.until(() => c.closes.length > 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.closes).toHaveLength(1);
    expect(c.closes[0]?.code).toBe('ERR_EOF');
    expect(seen.map((e) => e?.code)).toEqual(['ERR_EOF']);
    ch.write(Buffer.from(resp('PING')));  // dropped after close, no throw
    ch.close();
    expect(c.closes).toHaveLength(1);
  });

  it('close() is idempotent and reports a requested close without an error', async () => {
    const c = collector();
    const ch = await SocketChannel.connect({ path: srv.socket }, c.handlers);
    ch.close();
    ch.close();
    await c.until(() => c.closes.length > 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.closes).toEqual([undefined]);
    expect(ch.isOpen).toBe(false);
  });

  it('rejects with ERR_IO when nothing listens and ERR_ARGUMENT without a target', async () => {
    const c = collector();
    await expect(SocketChannel.connect({ path: `${srv.dir}/nothing.sock` }, c.handlers)).rejects.toMatchObject({ code: 'ERR_IO' });
    await expect(SocketChannel.connect({}, c.handlers)).rejects.toMatchObject({ code: 'ERR_ARGUMENT' });
    expect(c.closes).toEqual([]);
  });

  it('rejects with ERR_TIMEOUT when the connect does not complete in time', async () => {
    // A stopped redis-server with a full accept queue: the kernel drops further SYNs.
    const stuck = await startRedis({ module: false, args: ['--tcp-backlog', '1'] });
    process.kill(stuck.pid, 'SIGSTOP');
    const fill = Array.from({ length: 4 }, () => connect(stuck.port, '127.0.0.1').on('error', () => undefined));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const c = collector();
      await expect(SocketChannel.connect({ port: stuck.port, connectTimeoutMs: 300 }, c.handlers))
        .rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(c.closes).toEqual([]);
    } finally {
      fill.forEach((f) => f.destroy());
      process.kill(stuck.pid, 'SIGCONT');
      await stuck.stop();
    }
  });
});

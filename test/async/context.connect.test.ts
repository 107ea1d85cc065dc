// Connecting: callbacks, the startup sequence (AUTH / HELLO / SELECT / CLIENT SETNAME), connect
// errors and timeouts, and the transport choice when shm is not available.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncContext } from '../../src/async/context.js';
import { redisAsyncConnect, redisAsyncConnectUnix, redisAsyncSetConnectCallback, redisAsyncSetDisconnectCallback } from '../../src/async/api.js';
import { REDIS_ERR_IO, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL, REDIS_ERR_TIMEOUT } from '../../src/errors.js';
import { REDIS_ERR, REDIS_OK } from '../../src/resp/types.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { cmd, connected, open, plain, TRANSPORTS } from './helpers.js';

function outcome(ac: AsyncContext): Promise<number> {
  return new Promise((resolve) => ac.setConnectCallback((_c, s) => resolve(s)));
}

for (const tc of TRANSPORTS) {
  describe(`connecting over ${tc.name}`, () => {
    let srv: RedisServer;
    beforeAll(async () => {
      srv = await startRedis({ module: tc.module });
      expect(await srv.command('CONFIG', 'SET', 'requirepass', 'sekret')).toBe('+OK\r\n');
    });
    afterAll(async () => { await srv?.stop(); });

    it('connect and disconnect callbacks can be set once each', async () => {
      const ac = open(srv, tc, { password: 'sekret' });
      const first = outcome(ac);
      expect(redisAsyncSetConnectCallback(ac, () => undefined)).toBe(REDIS_ERR);
      expect(redisAsyncSetDisconnectCallback(ac, () => undefined)).toBe(REDIS_OK);
      expect(redisAsyncSetDisconnectCallback(ac, () => undefined)).toBe(REDIS_ERR);
      expect(ac.state).toBe('connecting');
      expect(await first).toBe(REDIS_OK);
      ac.free();
    });

    it('commands issued while connecting are sent after the startup sequence', async () => {
      const ac = open(srv, tc, { password: 'sekret', db: 5, name: 'early-bird' });
      const r = await Promise.all([cmd(ac, 'SET', 'early:k', 'v'), cmd(ac, 'CLIENT', 'GETNAME')]);
      expect(r.map(plain)).toEqual(['OK', 'early-bird']);
      const other = await connected(srv, tc, { password: 'sekret', db: 5 });
      expect(plain(await cmd(other, 'GET', 'early:k'))).toBe('v');
      other.free();
      ac.free();
    });

    it('AUTH with username, HELLO 3 with SETNAME, SELECT', async () => {
      const ac = await connected(srv, tc, { username: 'default', password: 'sekret', protocol: 3, db: 2, name: 'resp3-client' });
      const info = await cmd(ac, 'CLIENT', 'INFO');
      expect(info!.str).toMatch(/ name=resp3-client /);
      expect(info!.str).toMatch(/ db=2 /);
      expect(info!.str).toMatch(/ resp=3\n/);
      ac.free();
    });

    it('a failed AUTH fails the connect with the server error', async () => {
      const ac = open(srv, tc, { password: 'wrong' });
      expect(await outcome(ac)).toBe(REDIS_ERR);
      expect(ac.err).toBe(REDIS_ERR_OTHER);
      expect(ac.errstr).toMatch(/^AUTH failed: WRONGPASS/);
      expect(ac.state).toBe('closed');
    });

    it('without AUTH, commands get the server NOAUTH error (shm: the open is refused, clearly)', async () => {
      if (tc.transport === 'shm') {
        const ac = open(srv, tc);
        expect(await outcome(ac)).toBe(REDIS_ERR);
        expect(ac.error?.code).toBe('ERR_SHM_UNAVAILABLE');
        expect(ac.errstr).toMatch(/NOAUTH/);
        const auto = await connected(srv, { ...tc, transport: 'auto' });
        expect(auto.transport).toBe('socket');
        expect(auto.transportReason).toMatch(/NOAUTH/);
        expect(plain(await cmd(auto, 'GET', 'x'))).toEqual({ error: 'NOAUTH Authentication required.' });
        auto.free();
        return;
      }
      const ac = await connected(srv, tc);
      expect(plain(await cmd(ac, 'GET', 'x'))).toEqual({ error: 'NOAUTH Authentication required.' });
      ac.free();
    });
  });
}

describe('connect failures', () => {
  let silent: Server;
  let silentPort = 0;
  beforeAll(async () => {
    // Accepts connections and never answers: the handshake cannot finish.
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => { silent.close(); });

  it('connection refused: connect callback REDIS_ERR with REDIS_ERR_IO, pending callbacks get null', async () => {
    const port = await freePort();
    const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'socket' });
    const got: unknown[] = [];
    ac.commandArgv((_c, r) => got.push(r), 0, ['PING']);
    expect(await outcome(ac)).toBe(REDIS_ERR);
    expect(ac.err).toBe(REDIS_ERR_IO);
    expect(ac.errstr).toMatch(/ECONNREFUSED/);
    expect(got).toEqual([null]);
  });

  it('connect timeout covers the startup sequence', async () => {
    const ac = redisAsyncConnect('127.0.0.1', silentPort, { transport: 'socket', password: 'x', connectTimeoutMs: 150 });
    const t0 = performance.now();
    expect(await outcome(ac)).toBe(REDIS_ERR);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(ac.err).toBe(REDIS_ERR_TIMEOUT);
  });

  it('a server that speaks garbage fails the context with REDIS_ERR_PROTOCOL', async () => {
    const liar = createServer((sock) => sock.on('data', () => sock.write('+OK\r\n@garbage\r\n')));
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', () => r()));
    try {
      const ac = redisAsyncConnect('127.0.0.1', (liar.address() as { port: number }).port, { transport: 'socket' });
      expect(await outcome(ac)).toBe(REDIS_OK);
      const got: unknown[] = [];
      const status = new Promise<number>((resolve) => ac.setDisconnectCallback((_c, st) => resolve(st)));
      ac.commandArgv((_c, r) => got.push(plain(r)), 0, ['PING']);
      ac.commandArgv((_c, r) => got.push(r), 0, ['PING']);
      expect(await status).toBe(REDIS_ERR);
      expect(got).toEqual(['OK', null]);
      expect(ac.err).toBe(REDIS_ERR_PROTOCOL);
      expect(ac.errstr).toMatch(/reply type byte/);
    } finally {
      liar.close();
    }
  });

  it('disconnect and free while connecting', async () => {
    const srv = await startRedis({ module: false });
    try {
      const a = redisAsyncConnectUnix(srv.socket, { transport: 'socket' });
      const events: string[] = [];
      a.setConnectCallback((_c, st) => events.push(`connect:${st}`));
      const done = new Promise<void>((resolve) => a.setDisconnectCallback((_c, st) => { events.push(`disconnect:${st}`); resolve(); }));
      a.commandArgv((_c, r) => events.push(`reply:${plain(r)}`), 0, ['PING']);
      a.disconnect();
      expect(a.commandArgv(() => undefined, 0, ['PING'])).toBe(REDIS_ERR); // refused at once, as in hiredis
      await done;
      expect(events).toEqual([`connect:${REDIS_OK}`, 'reply:PONG', `disconnect:${REDIS_OK}`]);

      const b = redisAsyncConnectUnix(srv.socket, { transport: 'socket' });
      const got: unknown[] = [];
      b.setConnectCallback(() => got.push('connect'));
      b.setDisconnectCallback(() => got.push('disconnect'));
      b.commandArgv((_c, r) => got.push(r), 0, ['PING']);
      b.free();
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([null]);
      expect(b.state).toBe('closed');
    } finally {
      await srv.stop();
    }
  });

  it('an unknown transport option is an error on the context', () => {
    const ac = redisAsyncConnect('127.0.0.1', 1, { transport: 'carrier-pigeon' as never });
    expect(ac.err).not.toBe(0);
    expect(ac.errstr).toMatch(/transport must be/);
  });
});

describe('transport choice with the module', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ module: true }); });
  afterAll(async () => { await srv?.stop(); });

  it("'auto' uses shm over the Unix socket and over loopback TCP", async () => {
    for (const unix of [true, false]) {
      const ac = await connected(srv, { name: 'auto', transport: 'auto', module: true, unix });
      expect(ac.transport).toBe('shm');
      expect(ac.transportReason).toBeUndefined();
      expect(plain(await cmd(ac, 'PING'))).toBe('PONG');
      ac.free();
    }
  });
});

describe('transport choice without the module', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ module: false }); });
  afterAll(async () => { await srv?.stop(); });

  it("'auto' falls back to the socket and says why", async () => {
    const reasons: string[] = [];
    const ac = await connected(srv, TRANSPORTS[0]!, { transport: 'auto', onTransportFallback: (_c, why) => reasons.push(why) });
    expect(ac.transport).toBe('socket');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/module is not loaded/);
    expect(ac.transportReason).toBe(reasons[0]);
    expect(plain(await cmd(ac, 'PING'))).toBe('PONG');
    ac.free();
  });

  it("'shm' fails the connect with ERR_SHM_UNAVAILABLE", async () => {
    const ac = open(srv, TRANSPORTS[0]!, { transport: 'shm' });
    expect(await outcome(ac)).toBe(REDIS_ERR);
    expect(ac.error?.code).toBe('ERR_SHM_UNAVAILABLE');
    expect(ac.errstr).toMatch(/shm transport unavailable/);
  });
});

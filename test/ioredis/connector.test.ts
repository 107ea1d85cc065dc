// ShmConnector's own duties, on real servers: the upgrade after ioredis's handshake (the
// session takes its user, db, protocol and name), the 'shm' event and the fallback, the
// session following SELECT, connection-bound commands on the socket, losing the connection
// (CLIENT KILL, SIGKILL, a closed session) as a closed socket, and installShm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createShmConnector, installShm, ShmConnector, ShmStream, type TransportInfo } from '../../src/ioredis/index.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

let srv: RedisServer;
let plain: RedisServer;
let admin: Redis;

beforeAll(async () => {
  [srv, plain] = await Promise.all([startRedis(), startRedis({ module: false })]);
  admin = new Redis({ path: srv.socket });
  await admin.acl('SETUSER', 'ada', 'on', '>secret', '~ada:*', '+@all');
});

afterAll(async () => {
  admin?.disconnect();
  await Promise.all([srv?.stop(), plain?.stop()]);
});

/** The stream under an ioredis connection. */
function streamOf(r: Redis): ShmStream {
  const s = (r as unknown as { stream: unknown }).stream;
  if (!(s instanceof ShmStream)) throw new Error('the connection does not use ShmConnector');
  return s;
}

/** A connection with the connector that reports its transport event. */
async function open(opts: Record<string, unknown>): Promise<{ r: Redis; events: TransportInfo[] }> {
  const events: TransportInfo[] = [];
  const r = new Redis({ path: srv.socket, Connector: ShmConnector, ...opts });
  r.on('shm', (i: TransportInfo) => events.push(i));
  await r.ping();
  return { r, events };
}

async function sessions(): Promise<number> {
  return Number(/^shm_sessions:(\d+)/m.exec(await admin.info('shm'))![1]);
}

describe('ShmConnector: the upgrade', () => {
  it('opens a session once the handshake ran, and reports it', async () => {
    const before = await sessions();
    const { r, events } = await open({});
    expect(events).toEqual([{ transport: 'shm', session: expect.any(Number) }]);
    expect(streamOf(r).transport).toBe('shm');
    expect(await sessions()).toBe(before + 1);
    const sent = { ...streamOf(r).sent };
    await r.set('k', 'v');
    expect(await r.get('k')).toBe('v');
    expect(streamOf(r).sent.shm).toBe(sent.shm + 2);
    r.disconnect();
    await until(async () => (await sessions()) === before, 3000, 20, 'session closed');
  });

  it('the session has the user, db, protocol and name of the handshake', async () => {
    const { r } = await open({ username: 'ada', password: 'secret', db: 3, connectionName: 'conn-a' });
    expect(streamOf(r).transport).toBe('shm');
    const before = streamOf(r).sent.shm;
    await r.set('ada:1', 'x');
    await expect(r.set('bob:1', 'x')).rejects.toThrow(/NOPERM/);
    expect(streamOf(r).sent.shm).toBe(before + 2);
    await admin.select(3);
    expect(await admin.get('ada:1')).toBe('x');
    await admin.select(0);
    expect(await admin.get('ada:1')).toBe(null);
    // ioredis 6 speaks RESP3 by default (HELLO 3 in its handshake)
    // the reply bytes say which protocol the session speaks: a RESP3 double starts with ','
    await r.zadd('ada:z', '1.5', 'm');
    const first = new Promise<number>((res) => streamOf(r).once('data', (b: Buffer) => res(b[0]!)));
    expect(await r.zscore('ada:z', 'm')).toBe('1.5');
    expect(String.fromCharCode(await first)).toBe(',');
    expect(await r.client('GETNAME')).toBe('conn-a');
    r.disconnect();
  });

  it('follows SELECT: commands after it run in the new db', async () => {
    const { r } = await open({});
    await r.select(5);
    await r.set('sel', 'five');
    await r.select(6);
    await r.set('sel', 'six');
    const sent = streamOf(r).sent;
    expect(sent.shm).toBeGreaterThanOrEqual(2);
    await admin.select(5);
    expect(await admin.get('sel')).toBe('five');
    await admin.select(6);
    expect(await admin.get('sel')).toBe('six');
    await admin.select(0);
    r.disconnect();
  });

  it('falls back to the socket when the server has no module, with the event saying why', async () => {
    const events: TransportInfo[] = [];
    const r = new Redis({ path: plain.socket, Connector: ShmConnector });
    r.on('shm', (i: TransportInfo) => events.push(i));
    await r.set('f', '1');
    expect(await r.incr('f')).toBe(2);
    expect(events).toEqual([{ transport: 'socket', reason: expect.stringMatching(/module is not loaded/) }]);
    expect(streamOf(r).transport).toBe('socket');
    expect(await r.pipeline().get('f').incr('f').exec()).toEqual([[null, '2'], [null, 3]]);
    r.disconnect();
  });

  it('falls back for a server reached over a non-loopback address', async () => {
    // every address of this host that is not loopback (skipped where there is none)
    const { networkInterfaces } = await import('node:os');
    const addr = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!addr) return;
    const other = await startRedis({ args: ['--bind', '127.0.0.1', addr] });
    try {
      const events: TransportInfo[] = [];
      const r = new Redis({ host: addr, port: other.port, Connector: ShmConnector });
      r.on('shm', (i: TransportInfo) => events.push(i));
      expect(await r.ping()).toBe('PONG');
      expect(events).toEqual([{ transport: 'socket', reason: expect.stringMatching(/not on this host/) }]);
      r.disconnect();
    } finally { await other.stop(); }
  });
});

describe('ShmConnector: commands bound to the connection', () => {
  it('BLPOP waits on the socket and is woken by another connection; later commands wait for it', async () => {
    const { r } = await open({});
    const other = new Redis({ path: srv.socket, Connector: ShmConnector });
    await r.del('q');
    const popped = r.blpop('q', 5);
    const after = r.get('q').then((v) => v, (e: Error) => e.message);
    await new Promise((res) => setTimeout(res, 50));
    await other.rpush('q', 'a', 'b');
    expect(await popped).toEqual(['q', 'a']);
    // issued after BLPOP, so it runs after it: q is a list by then (before, it did not exist)
    expect(await after).toMatch(/WRONGTYPE/);
    r.disconnect();
    other.disconnect();
  });

  it('MULTI/EXEC and WATCH run on the socket, in order with ring commands around them', async () => {
    const { r } = await open({});
    await r.set('w', '1');
    await r.watch('w');
    await admin.set('w', '2');  // another client touches the watched key
    expect(await r.multi().incr('w').exec()).toBe(null);
    expect(await r.multi().incr('w').get('w').exec()).toEqual([[null, 3], [null, '3']]);
    expect(await r.get('w')).toBe('3');
    r.disconnect();
  });

  it('after SUBSCRIBE the connection passes bytes through: messages arrive, and so do replies after UNSUBSCRIBE', async () => {
    const { r } = await open({});
    const got: string[] = [];
    r.on('message', (_ch: string, m: string) => got.push(m));
    await r.subscribe('news');
    await admin.publish('news', 'one');
    await until(() => got.length === 1, 3000);
    expect(got).toEqual(['one']);
    await r.unsubscribe('news');
    expect(await r.set('after-sub', 'x')).toBe('OK');
    expect(await r.get('after-sub')).toBe('x');
    expect(streamOf(r).transport).toBe('socket');
    r.disconnect();
  });
});

describe('ShmConnector: losing the connection', () => {
  it('CLIENT KILL: ioredis reconnects on its own, with a new session, and nothing hangs', async () => {
    const { r, events } = await open({});
    const reconnecting: number[] = [];
    r.on('reconnecting', (ms: number) => reconnecting.push(ms));
    const id = await r.client('ID');
    await admin.client('KILL', 'ID', String(id));
    await until(() => reconnecting.length > 0 && r.status === 'ready', 5000, 20, 'reconnected');
    expect(await r.set('again', '1')).toBe('OK');
    expect(events.map((e) => e.transport)).toEqual(['shm', 'shm']);
    expect(streamOf(r).transport).toBe('shm');
    r.disconnect();
  });

  it('a session the server closes (SHM.CLOSE on the socket) ends the connection as a closed socket would', async () => {
    const { r, events } = await open({});
    const closes: number[] = [];
    r.on('close', () => closes.push(1));
    // SHM.CLOSE goes over the socket (a socket-only command): the server ends the session
    // (ioredis resends a command whose reply the lost connection did not deliver, as after
    // a socket drop: SHM.CLOSE may run once more and close the next session too)
    await r.call('SHM.CLOSE').catch(() => undefined);
    await until(() => closes.length > 0 && r.status === 'ready' && streamOf(r).transport === 'shm', 5000, 20, 'reconnected');
    expect(await r.incr('after-close')).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.transport === 'shm')).toBe(true);
    r.disconnect();
  });

  it('a SIGKILLed server: pending commands fail, none hangs; a server back on the same socket is used again', async () => {
    const own = await startRedis();
    const r = new Redis({ path: own.socket, Connector: ShmConnector, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    r.on('error', () => {});
    await r.set('x', '1');
    const pending = Array.from({ length: 50 }, (_, i) => r.set(`p${i}`, 'v').then(() => 'ok', (e: Error) => e.message));
    own.proc.kill('SIGKILL');
    const settled = await Promise.race([Promise.all(pending), new Promise((res) => setTimeout(() => res('hung'), 8000))]);
    expect(settled).not.toBe('hung');
    const again = await startRedis({ dir: own.dir, port: own.port });
    try {
      await until(() => r.status === 'ready', 8000, 20, 'reconnected');
      expect(await r.set('y', '2')).toBe('OK');
      expect(streamOf(r).transport).toBe('shm');
    } finally {
      r.disconnect();
      await again.stop();
    }
  });
});

describe('installShm', () => {
  it('every new Redis() and duplicate() uses the connector; an explicit Connector and Sentinel options are left alone; uninstall restores', async () => {
    const uninstall = installShm(Redis);
    try {
      const r = new Redis({ path: srv.socket });
      await r.ping();
      expect(streamOf(r).transport).toBe('shm');
      const d = r.duplicate();
      await d.ping();
      expect(streamOf(d).transport).toBe('shm');
      const Mine = createShmConnector({ poll: false });
      const m = new Redis({ path: srv.socket, Connector: Mine, lazyConnect: true });
      expect((m as unknown as { options: { Connector: unknown } }).options.Connector).toBe(Mine);
      const s = new Redis({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'x', lazyConnect: true });
      expect((s as unknown as { options: { Connector?: unknown } }).options.Connector).toBeUndefined();
      r.disconnect(); d.disconnect(); m.disconnect(); s.disconnect();
    } finally {
      uninstall();
    }
    const p = new Redis({ path: srv.socket, lazyConnect: true });
    expect((p as unknown as { options: { Connector?: unknown } }).options.Connector).toBeUndefined();
    p.disconnect();
  });

  it('refuses something that is not an ioredis class', () => {
    expect(() => installShm({})).toThrow(/ioredis Redis class/);
  });
});

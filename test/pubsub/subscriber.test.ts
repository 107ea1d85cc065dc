// The subscriber against a real redis-server: RESP2 and RESP3, over shm and the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { createClient, type RedisClient } from '../../src/client/index.js';
import { createSubscriber, type PubSubEnd, type PubSubMessage } from '../../src/pubsub/index.js';
import { RedisError } from '../../src/errors.js';

let srv: RedisServer;
let pub: RedisClient;
beforeAll(async () => {
  srv = await startRedis({ module: true });
  pub = createClient({ path: srv.socket, transport: 'shm' });
  await pub.connect();
});
afterAll(async () => { pub?.disconnect(); await srv?.stop(); });

function until<T>(f: () => T | undefined, ms = 3000): Promise<T> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = f();
      if (v !== undefined) resolve(v);
      else if (Date.now() - t0 > ms) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

const CASES = [
  { name: 'RESP2 over shm', resp: 2 as const, transport: 'shm' as const },
  { name: 'RESP3 over shm', resp: 3 as const, transport: 'shm' as const },
  { name: 'RESP2 over the socket', resp: 2 as const, transport: 'socket' as const },
];

describe.each(CASES)('subscriber, $name', ({ resp, transport }) => {
  const tag = `${resp}${transport}`;

  it('per-channel callbacks get every message, then one final call on unsubscribe', async () => {
    const sub = await createSubscriber({ path: srv.socket, resp, transport });
    const got: (PubSubMessage | PubSubEnd)[] = [];
    const events: string[] = [];
    sub.on('message', (m, ch) => events.push(`${ch}:${String(m)}`));
    await sub.subscribe([`a${tag}`, `b${tag}`], (ev) => got.push(ev));
    expect(sub.channels.sort()).toEqual([`a${tag}`, `b${tag}`]);
    expect(await pub.publish(`a${tag}`, 'one')).toBe(1);
    expect(await pub.publish(`b${tag}`, 'two')).toBe(1);
    await until(() => (got.length >= 2 ? true : undefined));
    await sub.unsubscribe(`a${tag}`);
    expect(got).toEqual([
      { kind: 'message', channel: `a${tag}`, message: 'one' },
      { kind: 'message', channel: `b${tag}`, message: 'two' },
      { kind: 'unsubscribe', channel: `a${tag}` },
    ]);
    expect(events).toEqual([`a${tag}:one`, `b${tag}:two`]);
    expect(await pub.publish(`a${tag}`, 'gone')).toBe(0);
    await sub.quit();
    // quitting ends the remaining subscription with its final call
    expect(got.at(-1)).toEqual({ kind: 'unsubscribe', channel: `b${tag}` });
  });

  it('pattern subscriptions and the async iterator', async () => {
    const sub = await createSubscriber({ path: srv.socket, resp, transport });
    const it = sub.messages();
    await sub.psubscribe(`p${tag}:*`);
    for (let i = 0; i < 3; i++) await pub.publish(`p${tag}:${i}`, `m${i}`);
    const seen: PubSubMessage[] = [];
    for await (const m of it) {
      seen.push(m);
      if (seen.length === 3) break;
    }
    expect(seen.map((m) => [m.kind, m.pattern, m.channel, m.message])).toEqual([0, 1, 2].map((i) => ['pmessage', `p${tag}:*`, `p${tag}:${i}`, `m${i}`]));
    await sub.quit();
  });

  it('resubscribes after the connection is killed', async () => {
    const sub = await createSubscriber({ path: srv.socket, resp, transport, reconnect: () => 10 });
    const got: string[] = [];
    await sub.subscribe(`r${tag}`, (ev) => { if (ev.kind === 'message') got.push(String(ev.message)); });
    const list = (await pub.sendCommand(['CLIENT', 'LIST'])) as string;
    const line = list.split('\n').find((l) => / cmd=subscribe/.test(l) && l.includes(`sub=1`));
    expect(line).toBeDefined();
    const ready = new Promise<void>((r) => sub.client.once('ready', () => r()));
    await pub.sendCommand(['CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(line!)![1]!]);
    await ready;
    // the resubscription goes out before queued commands; publish until the server counts it
    let delivered = 0;
    for (let i = 0; i < 100 && delivered === 0; i++) {
      delivered = (await pub.publish(`r${tag}`, 'after')) as number;
      if (delivered === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(delivered).toBe(1);
    await until(() => (got.includes('after') ? true : undefined));
    await sub.quit();
  });
});

describe('subscriber extras', () => {
  it('RESP3: a subscribed client still runs ordinary commands (over shm), RESP2 refuses them as the server does', async () => {
    const s3 = await createSubscriber({ path: srv.socket, resp: 3, transport: 'shm' });
    await s3.subscribe('mixed3');
    expect(s3.client.transport).toBe('shm');
    expect(await s3.client.set('mixed:k', 'v')).toBe('OK');
    expect(await s3.client.get('mixed:k')).toBe('v');
    await s3.quit();
    const s2 = await createSubscriber({ path: srv.socket, resp: 2, transport: 'shm' });
    await s2.subscribe('mixed2');
    await expect(s2.client.get('mixed:k')).rejects.toThrow(/only \(P\|S\)SUBSCRIBE|allowed in this context/i);
    await s2.quit();
  });

  it('unsubscribe() and punsubscribe() without names end every subscription; with none left they still resolve', async () => {
    const sub = await createSubscriber({ path: srv.socket, transport: 'shm' });
    const ends: string[] = [];
    const cb = (ev: PubSubMessage | PubSubEnd): void => { if (ev.kind !== 'message' && ev.kind !== 'pmessage' && ev.kind !== 'smessage') ends.push(`${ev.kind}:${ev.channel}`); };
    await sub.subscribe(['u1', 'u2'], cb);
    await sub.psubscribe('u*', cb);
    await sub.unsubscribe();
    expect(ends.sort()).toEqual(['unsubscribe:u1', 'unsubscribe:u2']);
    expect(sub.channels).toEqual([]);
    expect(sub.patterns).toEqual(['u*']);
    await sub.punsubscribe();
    expect(ends).toContain('punsubscribe:u*');
    await sub.unsubscribe();
    await sub.punsubscribe();
    expect(await pub.publish('u1', 'x')).toBe(0);
    await sub.quit();
  });

  it('after a reconnect the resubscription runs before commands queued while offline', async () => {
    const sub = await createSubscriber({ path: srv.socket, resp: 3, transport: 'shm', reconnect: () => 30 });
    const got: string[] = [];
    await sub.subscribe('order', (ev) => { if (ev.kind === 'message') got.push(String(ev.message)); });
    const id = await sub.client.clientId();
    const reconnecting = new Promise((r) => sub.client.once('reconnecting', r));
    await pub.clientKill('ID', id as number);
    await reconnecting;
    // queued while offline, on the subscriber's own (RESP3) connection
    expect(await sub.client.publish('order', 'mine')).toBe(1);
    await until(() => (got.includes('mine') ? true : undefined));
    await sub.quit();
  });

  it('returnBuffers: binary messages arrive as the exact bytes', async () => {
    const sub = await createSubscriber({ path: srv.socket, returnBuffers: true });
    const got: (string | Buffer)[] = [];
    await sub.subscribe('bin', (ev) => { if (ev.kind === 'message') got.push(ev.message); });
    const bytes = Buffer.from([0, 0xff, 0x80, 13, 10]);
    await pub.publish('bin', bytes);
    await until(() => (got.length > 0 ? true : undefined));
    expect(got[0]).toEqual(bytes);
    await sub.quit();
  });

  it('a subscribe refused before reaching the server rejects and leaves no subscription behind', async () => {
    const sub = await createSubscriber({ path: srv.socket, transport: 'shm' });
    await expect(sub.subscribe([])).rejects.toThrow(/at least one/);
    sub.client.disconnect();
    const e = await sub.subscribe('late').catch((x: unknown) => x);
    expect((e as RedisError).code).toBe('ERR_CLOSED');
    expect(sub.channels).toEqual([]);
  });

  it.each([
    { resp: 2 as const, transport: 'shm' as const }, { resp: 3 as const, transport: 'shm' as const }, { resp: 2 as const, transport: 'socket' as const },
  ])('a subscribe the server refuses (NOPERM) rejects with its error, leaves no subscription, and later ones work (RESP$resp, $transport)', async ({ resp, transport }) => {
    const user = `chan${resp}${transport}`;
    await pub.sendCommand(['ACL', 'SETUSER', user, 'on', '>pw', '+@all', '~*', 'resetchannels', '&open:*']);
    const sub = await createSubscriber({ path: srv.socket, resp, transport, username: user, password: 'pw' });
    const shut = sub.ssubscribe('closed:s');
    await expect(sub.subscribe(['open:a', 'closed:a'])).rejects.toMatchObject({ name: 'ReplyError', code: 'NOPERM' });
    await expect(shut).rejects.toMatchObject({ code: 'NOPERM' });
    await expect(sub.psubscribe('closed:*')).rejects.toMatchObject({ code: 'NOPERM' });
    expect([sub.channels, sub.patterns, sub.shardChannels]).toEqual([[], [], []]);
    const got: string[] = [];
    await sub.subscribe('open:b', (m) => { if (m.kind === 'message') got.push(String(m.message)); });
    await pub.publish('open:b', 'hi');
    await until(() => (got.length > 0 ? true : undefined));
    expect(got).toEqual(['hi']);
    expect(sub.channels).toEqual(['open:b']);
    await sub.quit();
  });

  it('shard channels (SSUBSCRIBE / SPUBLISH)', async () => {
    const sub = await createSubscriber({ path: srv.socket, transport: 'shm' });
    const got: string[] = [];
    sub.on('smessage', (m, ch) => got.push(`${ch}=${String(m)}`));
    await sub.ssubscribe('shard1');
    expect(await pub.spublish('shard1', 'x')).toBe(1);
    await until(() => (got.length > 0 ? true : undefined));
    expect(got).toEqual(['shard1=x']);
    await sub.quit();
  });

  it('RESP3 client tracking invalidations arrive as "invalidate" events', async () => {
    const sub = await createSubscriber({ path: srv.socket, resp: 3, transport: 'shm' });
    const inv: (string[] | null)[] = [];
    sub.on('invalidate', (keys) => inv.push(keys));
    await sub.client.sendCommand(['CLIENT', 'TRACKING', 'ON']);
    await pub.set('tracked:k', '1');
    await sub.client.get('tracked:k');
    await pub.set('tracked:k', '2');
    await until(() => (inv.length > 0 ? true : undefined));
    expect(inv[0]).toEqual(['tracked:k']);
    await sub.quit();
  });

  it('RESP2 client tracking with REDIRECT: invalidations arrive as "invalidate" events', async () => {
    const sub = await createSubscriber({ path: srv.socket, transport: 'shm' });
    const inv: (string[] | null)[] = [];
    const msgs: string[] = [];
    sub.on('invalidate', (keys) => inv.push(keys));
    sub.on('message', (_m, ch) => msgs.push(ch));
    const subId = await sub.client.clientId();
    await sub.subscribe('__redis__:invalidate');
    const tracker = createClient({ path: srv.socket, transport: 'shm' });
    await tracker.connect();
    await tracker.sendCommand(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subId)]);
    await tracker.get('tracked2:k');
    await pub.set('tracked2:k', 'x');
    await until(() => (inv.length > 0 ? true : undefined));
    expect(inv[0]).toEqual(['tracked2:k']);
    expect(msgs).toEqual([]);
    tracker.disconnect();
    await sub.quit();
  });

  it('a slow iterator consumer has bounded memory: drop-oldest counts drops, error fails', async () => {
    const sub = await createSubscriber({ path: srv.socket, transport: 'shm' });
    const dropOld = sub.messages({ maxMessages: 5 });
    const failing = sub.messages({ maxMessages: 5, overflow: 'error' });
    await sub.subscribe('flood');
    const p = pub.pipeline();
    for (let i = 0; i < 50; i++) p.publish('flood', String(i));
    await p.exec();
    await until(() => (dropOld.dropped === 45 ? true : undefined));
    expect(dropOld.buffered).toBe(5);
    const first = await dropOld.next();
    expect(first.value!.message).toBe('45');
    const err = await failing.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisError);
    expect((err as RedisError).code).toBe('ERR_OOM');
    await sub.quit();
    expect((await dropOld.next()).value!.message).toBe('46');
  });
});

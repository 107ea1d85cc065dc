// diagnostics_channel tracing of the promise client against a real redis-server with the
// module, over shm and over the socket: the events and their order, the context fields
// (compared with what ioredis 6 publishes for the same commands), errors, connects.
import { tracingChannel, type TracingChannelSubscribers } from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { sanitizeArgs as ioredisSanitize } from 'ioredis/built/tracing.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { createClient, type RedisClient } from '../../src/client/index.js';
import type { ClientOptions } from '../../src/client/options.js';
import { sanitizeArgs, type CommandTraceContext, type ConnectTraceContext } from '../../src/client/tracing.js';
import { RedisError, ReplyError } from '../../src/errors.js';
import type { CommandArg } from '../../src/format/argv.js';

type Event<C> = { kind: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'; ctx: C };

/** Records every event of a tracing channel until stop(). */
function record<C extends object>(name: string): { events: Event<C>[]; stop: () => void } {
  const ch = tracingChannel<unknown, C>(name);
  const events: Event<C>[] = [];
  const subs: TracingChannelSubscribers<C> = {
    start: (ctx) => events.push({ kind: 'start', ctx }),
    end: (ctx) => events.push({ kind: 'end', ctx }),
    asyncStart: (ctx) => events.push({ kind: 'asyncStart', ctx }),
    asyncEnd: (ctx) => events.push({ kind: 'asyncEnd', ctx }),
    error: (ctx) => events.push({ kind: 'error', ctx }),
  };
  ch.subscribe(subs);
  return { events, stop: () => ch.unsubscribe(subs) };
}

let srv: RedisServer;
const stops: (() => void)[] = [];
const clients: { disconnect(): void }[] = [];
beforeAll(async () => { srv = await startRedis({ module: true }); });
afterEach(() => {
  for (const s of stops.splice(0)) s();
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => { await srv?.stop(); });

function commands(): Event<CommandTraceContext>[] {
  const r = record<CommandTraceContext>('redis-shm:command');
  stops.push(r.stop);
  return r.events;
}
function connects(): Event<ConnectTraceContext>[] {
  const r = record<ConnectTraceContext>('redis-shm:connect');
  stops.push(r.stop);
  return r.events;
}

async function client(transport: 'socket' | 'shm', opts: ClientOptions = {}): Promise<RedisClient> {
  const c = createClient({ path: srv.socket, transport, connectTimeout: 5000, ...opts });
  clients.push(c);
  await c.connect();
  return c;
}

/** The events of one traced command, by its context. */
function of<C>(events: Event<C>[], ctx: C): string[] {
  return events.filter((e) => e.ctx === ctx).map((e) => e.kind);
}

describe.each(['socket', 'shm'] as const)('redis-shm:command over %s', (transport) => {
  it('publishes start, end, asyncStart, asyncEnd with ioredis\'s fields plus the transport', async () => {
    const c = await client(transport, { db: 3 });
    const events = commands();
    const k = `tr:${transport}:k`;
    expect(await c.set(k, 'secret', 'EX', 100)).toBe('OK');
    expect(await c.get(k)).toBe('secret');
    const starts = events.filter((e) => e.kind === 'start').map((e) => e.ctx);
    expect(starts).toHaveLength(2);
    const [set, get] = starts as [CommandTraceContext, CommandTraceContext];
    expect(set).toEqual({
      command: 'set', args: [k, '?', '?', '?'], database: 3,
      serverAddress: srv.socket, serverPort: undefined, transport, result: 'OK',
    });
    expect(get).toEqual({
      command: 'get', args: [k], database: 3,
      serverAddress: srv.socket, serverPort: undefined, transport, result: 'secret',
    });
    expect(of(events, set)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(of(events, get)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
  });

  it('publishes error with the ReplyError, then asyncStart and asyncEnd; the caller still gets the rejection', async () => {
    const c = await client(transport);
    const events = commands();
    const k = `tr:${transport}:wrongtype`;
    await c.set(k, 'x');
    const e = await c.lpush(k, 'y').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReplyError);
    const lpush = events.find((ev) => ev.kind === 'start' && ev.ctx.command === 'lpush')!.ctx;
    expect(lpush.args).toEqual([k, '?']);
    expect(lpush.error).toBe(e);
    expect(lpush.result).toBeUndefined();
    expect(of(events, lpush)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(await c.ping()).toBe('PONG');
  });

  it('a command the client refuses while writing it ends before its error events', async () => {
    const c = await client(transport);
    const events = commands();
    const e = await c.sendCommand(['SET', 'k', { bad: true } as unknown as CommandArg]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisError);
    const set = events.find((ev) => ev.kind === 'start')!.ctx;
    expect(set.error).toBe(e);
    expect(of(events, set)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
  });

  it('follows SELECT into `database` and traces each command of a MULTI', async () => {
    const c = await client(transport);
    const events = commands();
    await c.select(4);
    await c.multi().incr(`tr:${transport}:n`).get(`tr:${transport}:n`).exec();
    const starts = events.filter((ev) => ev.kind === 'start').map((ev) => [ev.ctx.command, ev.ctx.database]);
    expect(starts).toEqual([['select', 0], ['multi', 4], ['incr', 4], ['get', 4], ['exec', 4]]);
  });

  it('traces a command queued while connecting once, when it is written, with the transport it went over', async () => {
    const events = commands();
    const c = createClient({ path: srv.socket, transport, connectTimeout: 5000 });
    clients.push(c);
    const ready = c.connect();
    const pong = c.ping();
    expect(events).toHaveLength(0);
    await ready;
    expect(await pong).toBe('PONG');
    expect(events.map((e) => [e.kind, e.ctx.command, e.ctx.transport])).toEqual([
      ['start', 'ping', transport], ['end', 'ping', transport], ['asyncStart', 'ping', transport], ['asyncEnd', 'ping', transport],
    ]);
  });
});

describe('redis-shm:command fields match ioredis 6 (ioredis:command)', () => {
  const LIST: CommandArg[][] = [
    ['set', 'k1', 'v', 'EX', 10], ['get', 'k1'], ['getset', 'k1', 'v2'], ['mset', 'k1', 'a', 'k2', 'b'],
    ['hset', 'h1', 'f', 'v', 'g', 'w'], ['hmget', 'h1', 'f', 'g'], ['hincrby', 'h1', 'n', 2],
    ['lpush', 'l1', 'x', 'y'], ['rpush', 'l1', 'z'], ['lset', 'l1', 0, 'q'], ['linsert', 'l1', 'BEFORE', 'q', 'r'],
    ['lrange', 'l1', 0, -1], ['echo', 'hello'], ['ping'], ['publish', 'chan', 'msg'], ['sadd', 's1', 'm1', 'm2'],
    ['smembers', 's1'], ['zadd', 'z1', 1, 'a'], ['zrange', 'z1', 0, -1], ['xadd', 'x1', '*', 'f', 'v'],
    ['incr', 'n1'], ['decrby', 'n1', 3], ['expire', 'k1', 100], ['ttl', 'k1'], ['exists', 'k1', 'k2'],
    ['eval', 'return 1', 0], ['client', 'setname', 'trace-diff'], ['config', 'get', 'maxmemory'],
    ['pfadd', 'p1', 'a'], ['psetex', 'k3', 1000, 'v'], ['append', 'k2', 'more'], ['type', 'k1'],
    ['scan', 0, 'COUNT', 10], ['setrange', 'k2', 0, 'zz'], ['del', 'k1', 'k2', 'k3'],
    ['set', Buffer.from('bin\u00e9'), Buffer.from([1, 2, 3])], ['get', Buffer.from('bin\u00e9')],
  ];

  it('same command, args, database and address for the same commands', async () => {
    const ours = await client('shm');
    await ours.select(1);
    const io = new Redis({ path: srv.socket, db: 1, lazyConnect: true, enableReadyCheck: true });
    clients.push(io);
    await io.connect();
    const theirs = record<CommandTraceContext>('ioredis:command');
    stops.push(theirs.stop);
    const mine = commands();
    for (const args of LIST) {
      const [name, ...rest] = args as [string, ...CommandArg[]];
      await io.call(name, ...(rest as (string | number | Buffer)[])).catch(() => undefined);
      await ours.sendCommand(args).catch(() => undefined);
    }
    const pick = (events: Event<CommandTraceContext>[]): unknown[] => events.filter((e) => e.kind === 'start')
      .map(({ ctx }) => ({ command: ctx.command, args: ctx.args, database: ctx.database, serverAddress: ctx.serverAddress, serverPort: ctx.serverPort }));
    const expected = pick(theirs.events);
    expect(expected).toHaveLength(LIST.length);
    expect(pick(mine)).toEqual(expected);
    expect(mine.filter((e) => e.kind === 'start').every((e) => e.ctx.transport === 'shm')).toBe(true);
  });

  it('sanitizeArgs agrees with ioredis\'s for every command name the server knows', async () => {
    const c = await client('socket');
    const names = (await c.sendCommand(['COMMAND', 'LIST'])) as string[];
    expect(names.length).toBeGreaterThan(200);
    const args = ['a1', 2, Buffer.from('b3'), 'a4'];
    for (const n of [...names, 'unknowncmd', 'auth', 'hello']) {
      expect([n, sanitizeArgs(n, args)]).toEqual([n, ioredisSanitize(n, args as string[])]);
    }
  });

  it('TCP: serverAddress is the host, serverPort the port', async () => {
    const c = createClient({ host: '127.0.0.1', port: srv.port, transport: 'shm', connectTimeout: 5000 });
    clients.push(c);
    await c.connect();
    const events = commands();
    await c.ping();
    expect(events[0]!.ctx).toMatchObject({ serverAddress: '127.0.0.1', serverPort: srv.port, transport: 'shm' });
  });
});

describe('redis-shm:connect', () => {
  it.each(['socket', 'shm'] as const)('over %s: epoch 1, transport on success; a reconnect is epoch 2', async (transport) => {
    const events = connects();
    const c = await client(transport, { reconnect: () => 20 });
    const mine = (): Event<ConnectTraceContext>[] => events.filter((e) => e.ctx.serverAddress === srv.socket);
    expect(mine().map((e) => e.kind)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const first = mine()[0]!.ctx;
    expect(first).toEqual({ serverAddress: srv.socket, serverPort: undefined, connectionEpoch: 1, transport });

    const admin = createClient({ path: srv.socket, transport: 'socket', reconnect: false });
    clients.push(admin);
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    await admin.connect();
    const id = await c.clientId();
    await admin.clientKill('ID', id as number);
    await ready;
    const again = mine().filter((e) => e.ctx !== first && e.ctx.connectionEpoch === 2);
    expect(again.map((e) => e.kind)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(again[0]!.ctx.transport).toBe(transport);
    // the admin client's own connect was traced as its own epoch 1
    expect(mine().filter((e) => e.kind === 'start').map((e) => e.ctx.connectionEpoch)).toEqual([1, 1, 2]);
  });

  it('a failed connect publishes error with the error, and connect() rejects with it', async () => {
    const events = connects();
    const c = createClient({ path: `${srv.dir}/no-such.sock`, connectTimeout: 2000, reconnect: false });
    const e = await c.connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RedisError);
    expect(events.map((ev) => ev.kind)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(events[0]!.ctx).toMatchObject({ serverAddress: `${srv.dir}/no-such.sock`, connectionEpoch: 1, error: e });
    expect(events[0]!.ctx.transport).toBeUndefined();
  });
});

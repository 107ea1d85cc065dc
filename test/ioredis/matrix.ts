// The cells every ioredis compatibility test runs in: ioredis major {6, 5} x transport
// {socket, shm, fallback}.
//   socket:   plain ioredis over the Unix socket of a server with the redis-shm module;
//   shm:      { Connector: ShmConnector } against that server (the rings are used);
//   fallback: { Connector: ShmConnector } against a server WITHOUT the module, which must
//             behave exactly like plain ioredis.
// A test file calls describeCells() once; its body runs once per cell, cells one after the
// other, sharing one server of each kind for the whole file.
import { Redis as Redis6, type RedisOptions } from 'ioredis';
import { Redis as Redis5 } from 'ioredis5';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import { ShmConnector } from '../../src/ioredis/index.js';
import { startRedis, type RedisServer, type ServerOptions } from '../helpers/redis-server.js';

/**
 * The switch for the shm and fallback cells. IOREDIS_CELLS=socket in the environment turns
 * them off for one run, e.g. to tell a connector bug from a test bug.
 */
export const SHM_CELLS = true;

export type Major = 5 | 6;
export type Transport = 'socket' | 'shm' | 'fallback';
/** Both majors' classes are driven through ioredis 6's typings; ioredis 5's API is a subset. */
export type RedisClass = typeof Redis6;
export type Client = Redis6;
type ConnectorClass = NonNullable<RedisOptions['Connector']>;

export interface Cell {
  name: string;
  major: Major;
  transport: Transport;
  Redis: RedisClass;
  enabled: boolean;
}

const shmEnabled = SHM_CELLS && process.env.IOREDIS_CELLS !== 'socket';

export const CELLS: readonly Cell[] = ([6, 5] as const).flatMap((major) =>
  (['socket', 'shm', 'fallback'] as const).map((transport) => ({
    name: `ioredis ${major} / ${transport}`,
    major,
    transport,
    Redis: (major === 6 ? Redis6 : Redis5) as unknown as RedisClass,
    enabled: transport === 'socket' || shmEnabled,
  })));

export interface CellContext {
  readonly cell: Cell;
  /** The file's shared server for this cell: with the module, or without it for fallback. */
  server(): RedisServer;
  /** This cell's connection options for `server` (default the shared one), plus `extra`. */
  options(extra?: RedisOptions, server?: RedisServer): RedisOptions;
  /** A client of this cell's ioredis and transport; disconnected after the test. */
  client(extra?: RedisOptions, server?: RedisServer): Client;
  /** A plain ioredis 6 socket client to `server` for side effects; disconnected after the test. */
  admin(server?: RedisServer, extra?: RedisOptions): Client;
  /** A server of this cell's kind of its own (restart/kill tests); stopped after the test. */
  startServer(opts?: ServerOptions): Promise<RedisServer>;
  /**
   * Checks that `client` talks the cell's transport: shm cells have a live session for the
   * client's socket connection that executes its commands, socket and fallback cells none.
   */
  expectTransport(client: Client, server?: RedisServer, adminExtra?: RedisOptions): Promise<void>;
}

/** Flattens RESP3 maps (objects) and RESP2 flat arrays into objects, recursively. */
function asRecord(v: unknown): Record<string, unknown> {
  if (Array.isArray(v)) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < v.length; i += 2) o[String(v[i])] = v[i + 1];
    return o;
  }
  return (v ?? {}) as Record<string, unknown>;
}

/** The SHM.INFO session entry whose socket client is `clientId`, if any. */
export async function shmSession(admin: Client, clientId: number): Promise<Record<string, unknown> | undefined> {
  const info = asRecord(await admin.call('SHM.INFO'));
  const list = (info.list ?? []) as unknown[];
  return list.map(asRecord).find((s) => Number(s['client-id']) === clientId);
}

export function describeCells(title: string, body: (ctx: CellContext) => void): void {
  describe(title, () => {
    let withModule: RedisServer | undefined;
    let plain: RedisServer | undefined;
    beforeAll(async () => {
      withModule = await startRedis({ module: true });
      if (CELLS.some((c) => c.enabled && c.transport === 'fallback')) plain = await startRedis({ module: false });
    });
    afterAll(async () => {
      await withModule?.stop();
      await plain?.stop();
    });

    for (const cell of CELLS) {
      describe.skipIf(!cell.enabled)(cell.name, () => {
        const connector = cell.transport === 'socket' ? undefined : ShmConnector as unknown as ConnectorClass;
        const clients: Client[] = [];
        const servers: RedisServer[] = [];
        beforeEach(async () => {
          await server().command('FLUSHALL');
        });
        afterEach(async () => {
          for (const c of clients.splice(0)) c.disconnect();
          for (const s of servers.splice(0)) await s.stop();
        });

        const server = (): RedisServer => {
          const s = cell.transport === 'fallback' ? plain : withModule;
          if (!s) throw new Error('shared server not started');
          return s;
        };
        const options = (extra: RedisOptions = {}, s: RedisServer = server()): RedisOptions => ({
          path: s.socket,
          ...(connector ? { Connector: connector } : {}),
          ...extra,
        });
        const track = (c: Client): Client => {
          // Errors are asserted where a test expects them; unheard ones must not crash the run.
          c.on('error', () => {});
          clients.push(c);
          return c;
        };
        const ctx: CellContext = {
          cell,
          server,
          options,
          client: (extra, s) => track(new cell.Redis(options(extra, s))),
          admin: (s = server(), extra = {}) => track(new Redis6({ path: s.socket, ...extra })),
          async startServer(opts = {}) {
            const s = await startRedis({ module: cell.transport !== 'fallback', ...opts });
            servers.push(s);
            return s;
          },
          async expectTransport(client, s = server(), adminExtra = {}) {
            const id = Number(await client.client('ID'));
            const admin = ctx.admin(s, adminExtra);
            if (cell.transport === 'fallback') {
              await expect(admin.call('SHM.INFO')).rejects.toThrow(/unknown command/i);
              return;
            }
            const before = await shmSession(admin, id);
            if (cell.transport === 'socket') {
              expect(before).toBeUndefined();
              return;
            }
            expect(before, `no shm session for client ${id}`).toBeDefined();
            await client.get('matrix:probe');
            const after = await shmSession(admin, id);
            expect(Number(after?.['commands-in'])).toBeGreaterThan(Number(before?.['commands-in']));
          },
        };
        body(ctx);
      });
    }
  });
}

/** Resolves with the first `event` emission's arguments, or rejects after `ms`. */
export function once<T extends unknown[] = unknown[]>(emitter: { once(e: string, f: (...a: unknown[]) => void): unknown }, event: string, ms = 5000): Promise<T> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (...a: unknown[]) => { clearTimeout(t); res(a as T); });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

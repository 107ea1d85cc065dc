// The generated command methods (src/commands/generated.ts) against the server they were
// generated from: none missing, none stale, and container subcommands reach the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { COMMAND_TABLE } from '../../src/commands/index.js';
import { createClient, type RedisClient } from '../../src/client/index.js';

let srv: RedisServer;
let c: RedisClient;
beforeAll(async () => {
  srv = await startRedis({ module: false });
  c = createClient({ path: srv.socket });
  await c.connect();
});
afterAll(async () => { c?.disconnect(); await srv?.stop(); });

describe('generated command methods', () => {
  it('cover every command and subcommand the server has, and nothing else', async () => {
    const info = (await c.sendCommand(['COMMAND', 'INFO'])) as unknown[][];
    const names = new Set<string>();
    for (const cmd of info) {
      const subs = (cmd[9] ?? []) as unknown[][];
      if (subs.length === 0) names.add(String(cmd[0]).toUpperCase());
      for (const s of subs) names.add(String(s[0]).toUpperCase().replace('|', ' '));
    }
    const generated = new Set(COMMAND_TABLE.map(([, ...words]) => words.join(' ')));
    expect([...names].filter((n) => !generated.has(n))).toEqual([]);
    expect([...generated].filter((n) => !names.has(n))).toEqual([]);
  });

  it('every method is installed on the client, and subcommand methods send both words', async () => {
    for (const [method] of COMMAND_TABLE) expect(typeof (c as unknown as Record<string, unknown>)[method]).toBe('function');
    await c.clientSetname('gen-test');
    expect(await c.clientGetname()).toBe('gen-test');
    expect(await c.configGet('maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await c.objectEncoding('none')).toBeNull();
  });
});

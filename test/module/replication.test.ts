// Writes over the ring propagate to replicas and to the AOF exactly like socket writes;
// a read-only replica refuses ring writes with the socket's READONLY text.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';
import { until } from '../reliability/helpers.js';

describe('replication and persistence', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => { for (const s of servers) await s.stop(); });

  it('a replica receives ring writes (including several in one batch)', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
    servers.push(master);
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    servers.push(replica);
    await until(async () => /master_link_status:up/.test(await replica.command('INFO', 'replication')));
    const script = ['open'];
    for (let i = 0; i < 50; i++) script.push(line('cmd', 'SET', `r${i}`, String(i)));
    script.push(line('cmd', 'INCRBY', 'r0', '100'), line('cmd', 'EVAL', 'redis.call("set", "lua", "1")', '0'), 'wait');
    const { code, cli } = await runCli(master, script);
    expect(code, cli.stderr).toBe(0);
    await until(async () => (await replica.command('GET', 'lua')) === '$1\r\n1\r\n');
    expect(await replica.command('GET', 'r49')).toBe('$2\r\n49\r\n');
    expect(await replica.command('GET', 'r0')).toBe('$3\r\n100\r\n');

    // SHM.FENCE moves the socket connection's replication offset past its ring writes,
    // so a WAIT on the socket right after covers them
    const before = Number(/master_repl_offset:(\d+)/.exec(await master.command('INFO', 'replication'))![1]);
    const fenced = ['open'];
    for (let i = 0; i < 20; i++) fenced.push(line('cmd', 'SET', 'fenced', String(i)));
    fenced.push('wait', line('sock', 'SHM.FENCE'), line('sock', 'WAIT', '1', '5000'));
    const { cli: fc } = await runCli(master, fenced);
    expect(fc.tagged('S').map((r) => r.bytes.toString())).toEqual(['+OK\r\n', ':1\r\n']);
    expect(await replica.command('GET', 'fenced')).toBe('$2\r\n19\r\n');   // no polling: WAIT said so
    const after = Number(/master_repl_offset:(\d+)/.exec(await master.command('INFO', 'replication'))![1]);
    expect(after).toBeGreaterThan(before);

    // the replica is read-only: same text as a socket write there
    const { cli: rc } = await runCli(replica, ['open', line('sock', 'SET', 'x', '1'), line('cmd', 'SET', 'x', '1'), line('cmd', 'GET', 'r1'), 'wait']);
    const ring = rc.tagged('R').map((r) => r.bytes.toString());
    expect(ring[0]).toBe(rc.tagged('S')[0]!.bytes.toString());
    expect(ring[0]).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(ring[1]).toBe('$1\r\n1\r\n');
  });

  it('keys evicted before ring writes are deleted on the replica too, in the same stream', async () => {
    const master = await startRedis({ args: ['--repl-diskless-sync-delay', '0', '--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'] });
    servers.push(master);
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    servers.push(replica);
    await until(async () => /master_link_status:up/.test(await replica.command('INFO', 'replication')));
    const script = ['open'];
    for (let i = 0; i < 4000; i++) script.push(line('cmd', 'SET', `e${i}`, 'v'.repeat(1000)));
    script.push(line('cmd', 'SET', 'last', '1'), 'wait');
    const { code, cli } = await runCli(master, script, { timeoutMs: 20000 });
    expect(code, cli.stderr).toBe(0);
    expect(cli.tagged('R').every((r) => r.bytes.toString() === '+OK\r\n')).toBe(true);
    const evicted = Number(/evicted_keys:(\d+)/.exec(await master.command('INFO', 'stats'))![1]);
    expect(evicted).toBeGreaterThan(1000);
    await until(async () => (await replica.command('GET', 'last')) === '$1\r\n1\r\n');
    // the replica applies every SET and every eviction DEL: the same keyspace. The master's
    // own DBSIZE evicts first (any command does, over maxmemory), so read it, then wait for
    // the replica to reach it: missing DELs would never arrive.
    const size = await master.command('DBSIZE');
    expect(size).not.toBe(':4001\r\n');
    await until(async () => (await replica.command('DBSIZE')) === size);
    expect(await master.command('EXISTS', 'e0')).toBe(':0\r\n');
    expect(await replica.command('EXISTS', 'e0')).toBe(':0\r\n');
  });

  it('appendfsync always: acknowledged ring writes survive kill -9', async () => {
    const args = ['--appendonly', 'yes', '--appendfsync', 'always'];
    const first = await startRedis({ args });
    const script = ['open'];
    for (let i = 0; i < 20; i++) script.push(line('cmd', 'RPUSH', 'durable', String(i)));
    script.push('wait');
    const { code } = await runCli(first, script);
    expect(code).toBe(0);
    await first.stop({ signal: 'SIGKILL', keepDir: true });
    const second = await startRedis({ args, dir: first.dir, port: first.port });
    try {
      expect(await second.command('LLEN', 'durable')).toBe(':20\r\n');
      expect(await second.command('LINDEX', 'durable', '-1')).toBe('$2\r\n19\r\n');
    } finally {
      await second.stop();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

// An idle redis-server with idle shm sessions stays idle: the serving thread parks on
// futex_waitv instead of spinning (< 1% CPU over the window; docs/module.md has the
// 10-second measurement).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';
import { until } from '../helpers/until.js';
import { createClient } from '../../src/client/index.js';
import { redisCommand, redisConnectUnix, redisFree } from '../../src/sync/api.js';

const TICKS_PER_SEC = 100;   // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);   // utime + stime
}

describe('idle', () => {
  let srv: RedisServer;
  const clis: Cli[] = [];
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => {
    for (const c of clis) await c.end();
    await srv.stop();
  });

  it('uses under 1% CPU with three idle sessions', async () => {
    for (let i = 0; i < 3; i++) {
      const c = new Cli(srv);
      c.send('open', line('cmd', 'PING'), 'wait');
      await c.waitTag('R', 1);
      clis.push(c);
    }
    await new Promise((r) => setTimeout(r, 300));
    const seconds = 3;
    const before = cpuTicks(srv.pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const used = cpuTicks(srv.pid) - before;
    expect(used / (seconds * TICKS_PER_SEC)).toBeLessThan(0.01);
    expect(await srv.command('SHM.INFO')).toContain('$8\r\nsessions\r\n:3\r\n');
  });
});

describe('parking', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ moduleArgs: ['spin-us', '0'] }); });
  afterAll(async () => { await srv.stop(); });

  const field = (info: string, name: string): number => Number(new RegExp(`^shm_${name}:(\\d+)`, 'm').exec(info)?.[1]);

  it('a parked serving thread is woken by the client, not by its 100 ms timeout', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'PING'), 'wait');
    await cli.waitTag('R', 1);
    const before = await srv.command('INFO', 'shm');
    const rounds = 20;
    // one script, so the gaps are the driver's 20 ms sleeps (the thread parks in each)
    for (let i = 0; i < rounds; i++) cli.send('sleep 20', line('cmd', 'INCR', 'woken'), 'wait');
    await cli.waitTag('R', rounds + 1, 10000);
    const after = await srv.command('INFO', 'shm');
    expect(cli.tagged('R').slice(1).map((r) => r.bytes.toString())).toEqual(Array.from({ length: rounds }, (_, i) => `:${i + 1}\r\n`));
    expect(field(after, 'parks') - field(before, 'parks')).toBeGreaterThanOrEqual(rounds);
    // Without wakes every request would wait for the 100 ms park timeout (>= 20 timeouts);
    // 20 ms gaps only reach it when this shared machine stalls the driver.
    expect(field(after, 'park_timeouts') - field(before, 'park_timeouts')).toBeLessThan(rounds / 4);
    expect(field(after, 'park_timeouts_with_work')).toBe(0);
    await cli.end();
  });
});

// The serving thread's spin policy (worker.c: next_spin_budget, woke_with_work, spin_always).
describe('spin policy', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv.stop(); });

  const field = (info: string, name: string): number => Number(new RegExp(`^shm_${name}:(\\d+)`, 'm').exec(info)?.[1]);
  const stats = async (): Promise<{ parks: number; spins: number }> => {
    const info = await srv.command('INFO', 'shm');
    return { parks: field(info, 'parks'), spins: field(info, 'spins') };
  };

  it("spin: 'always' keeps the serving thread spinning while the session is open, and it parks again after", async () => {
    const c = createClient({ path: srv.socket, transport: 'shm', spin: 'always' });
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    const before = await stats();
    await new Promise((r) => setTimeout(r, 300));   // idle: an adaptive thread parks in here (100 ms park timeouts)
    const during = await stats();
    expect(during.parks - before.parks).toBeLessThanOrEqual(1);   // one park may have begun before the hint was seen
    expect(during.spins).toBeGreaterThan(before.spins + 1000);
    expect(await c.get('spin:none')).toBeNull();
    await c.quit();
    await until(async () => (await stats()).parks > during.parks, 5000, 20, 'a park after the session closed');
  });

  it('comes back to its fast mode at once when traffic resumes after an idle stretch', async () => {
    // A long shm.spin-us, so that a spin surely catches the next request of a sequential
    // loop even on a loaded host: then every park in the loop below is the policy's doing.
    const slow = await startRedis({ moduleArgs: ['spin-us', '100000'] });
    const info = async (): Promise<{ parks: number; spins: number }> => {
      const text = await slow.command('INFO', 'shm');
      return { parks: field(text, 'parks'), spins: field(text, 'spins') };
    };
    const c = redisConnectUnix(slow.socket, { transport: 'shm' });
    expect(c.err).toBe(0);
    expect(redisCommand(c, 'PING')?.str).toBe('PONG');
    // Idle: every spin that ends without work halves the budget, down to 0; then the thread
    // only parks, and its spin counter stands still.
    await until(async () => {
      const a = (await info()).spins;
      await new Promise((r) => setTimeout(r, 250));
      return (await info()).spins === a;
    }, 20000, 0, 'the idle thread to stop spinning');
    const before = await info();
    const n = 200;
    for (let i = 0; i < n; i++) expect(Number(redisCommand(c, 'INCR spin:resume')?.integer)).toBe(i + 1);
    const after = await info();
    // The first command wakes the parked thread; the next one, arriving right after a park
    // began, brings the full budget back, and the spins catch the rest. (Before: every one
    // of them parked, until the 256th idle period's probe.)
    expect(after.parks - before.parks).toBeLessThan(10);
    redisFree(c);
    await slow.stop();
  }, 30000);
});

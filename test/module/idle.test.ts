// An idle redis-server with idle shm sessions stays idle: the serving thread parks on
// futex_waitv instead of spinning (< 1% CPU over the window; docs/module.md has the
// 10-second measurement).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';

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

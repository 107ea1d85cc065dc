// Everything hostile at once, with two serving threads (shm.threads 2): random bytes,
// impossible indices, truncation and SIGKILLed clients run concurrently beside four healthy
// sessions spread over both threads. No crash, every healthy reply right, nothing left over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, OFF, Rng, shmMappings, until, waitSessions } from './helpers.js';

describe('concurrent hostility over two serving threads', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ moduleArgs: ['threads', '2'] }); });
  afterAll(async () => { await srv?.stop(); });

  it('6 waves of 12 hostile clients beside 4 healthy sessions', async () => {
    expect(await srv.command('SHM.INFO')).toContain('$7\r\nthreads\r\n:2\r\n');
    const healthy: Hostile[] = [];
    for (let i = 0; i < 4; i++) { const h = new Hostile(srv.port); await h.open(); healthy.push(h); }
    const rng = new Rng(0x7777);
    const counts = [0, 0, 0, 0];
    for (let wave = 0; wave < 6; wave++) {
      const bad: Hostile[] = [];
      for (let i = 0; i < 12; i++) {
        const h = new Hostile(srv.port, { req: 4096, rep: 4096, timeoutMs: 2000 });
        bad.push(h);
        const kind = i % 4;
        if (kind === 0) h.send('open', line('raw', rng.bytes(1 + rng.int(600))), 'sleep 30', 'disconnect');
        if (kind === 1) h.send('open', line('cmd', 'PING'), 'wait', `poke ${OFF.req + OFF.tail} 64 ${1n << 62n}`, 'sleep 150', 'disconnect');
        if (kind === 2) h.send('open', `pipe 300 ${line('SET', `t${i}`, 'v'.repeat(64))}`, `truncate ${rng.int(2) ? 0 : 4096}`, 'sleep 150', 'disconnect');
        if (kind === 3) h.send('open', `pipe 3000 ${line('INCR', `k${i}`)}`);
      }
      // healthy traffic while the wave runs
      for (let round = 0; round < 5; round++) {
        for (let k = 0; k < 4; k++) healthy[k]!.send(`pipe 20 ${line('INCR', `healthy${k}`)}`, 'wait');
        for (let k = 0; k < 4; k++) {
          const w = await healthy[k]!.nth('W', wave * 5 + round + 1);
          expect(w.text).toBe('ok');
          counts[k]! += 20;
          expect(healthy[k]!.tagged('R').at(-1)!.bytes.toString()).toBe(`:${counts[k]}\r\n`);
        }
      }
      for (let i = 3; i < 12; i += 4) bad[i]!.kill();
      for (const h of bad) await h.end();
    }
    await waitSessions(srv, 4);
    for (const h of healthy) await h.end();
    await waitSessions(srv, 0);
    await until(() => shmMappings(srv.pid) === 0, 3000, 'nothing mapped');
    const info = await srv.command('INFO', 'shm');
    console.log(`threads: 72 hostile clients over 2 serving threads; ${/shm_protocol_errors:(\d+)/.exec(info)?.[1]} protocol errors, ${/shm_corrupt_closes:(\d+)/.exec(info)?.[1]} corrupt, ${/shm_fault_closes:(\d+)/.exec(info)?.[1]} faults; healthy INCRs ${counts.join('/')}`);
    assertNoCrash(srv);
  });
});

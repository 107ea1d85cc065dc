// Sessions opened with SHM.OPEN ... WAKE SOCKET (serve: 'main') are served by the server's
// main thread in BEFORE_SLEEP, woken by the client's empty line on the socket. The whole
// suite also passes with REDIS_SHM_SERVE=main (docs/module.md); this file checks what is
// particular to the mode, against servers with hz 1 so that no timer tick can stand in for
// the doorbell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, resp, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';
import { createClient, type RedisClient } from '../../src/client/index.js';

const field = (info: string, name: string): number => Number(new RegExp(`^shm_${name}:(\\d+)`, 'm').exec(info)?.[1]);

function openSocket(path: string): Promise<{ s: Socket; data: () => string }> {
  return new Promise((res) => {
    let buf = '';
    const s = connect(path, () => res({ s, data: () => buf }));
    s.on('data', (d) => { buf += d.toString('latin1'); });
  });
}

async function mainClient(srv: RedisServer): Promise<RedisClient> {
  const c = createClient({ path: srv.socket, transport: 'shm', serve: 'main' });
  await c.connect();
  return c;
}

describe('serving on the main thread', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--hz', '1'] }); });
  afterAll(async () => { await srv.stop(); });

  it('serves the session on the main thread, with the replies of the socket', async () => {
    const c = await mainClient(srv);
    const before = await srv.command('INFO', 'shm');
    expect(await c.set('mt:a', '1')).toBe('OK');
    expect(await c.incr('mt:a')).toBe(2);
    const big = 'x'.repeat(200_000);
    expect(await c.set('mt:big', big)).toBe('OK');
    expect(await c.get('mt:big')).toBe(big);
    const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => c.incr(`mt:n${i % 7}`)));
    expect(many.length).toBe(1000);
    expect(await c.get('mt:n0')).toBe(String(Math.ceil(1000 / 7)));
    const info = await srv.command('INFO', 'shm');
    expect(field(info, 'main_thread_sessions')).toBe(1);
    expect(field(info, 'main_thread_passes')).toBeGreaterThan(field(before, 'main_thread_passes'));
    expect(field(info, 'commands') - field(before, 'commands')).toBeGreaterThanOrEqual(1005);
    c.disconnect();
    await until(async () => field(await srv.command('INFO', 'shm'), 'main_thread_sessions') === 0);
  });

  it('an idle loop (hz 1) is woken by the client\'s doorbell, not by a timer', async () => {
    const c = await mainClient(srv);
    await c.ping();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 20));   // the loop goes back to sleep in each gap
      expect(await c.incr('mt:woken')).toBe(i + 1);
    }
    // without the doorbell each command would wait for the next 1 s cron tick
    expect(performance.now() - t0).toBeLessThan(900);
    c.disconnect();
  });

  it('an LPUSH over the ring serves a socket client blocked in BLPOP in the same loop iteration', async () => {
    const c = await mainClient(srv);
    const b = await openSocket(srv.socket);
    b.s.write(resp('BLPOP', 'mt:q', '0'));
    await until(async () => /blocked_clients:1/.test(await srv.command('INFO', 'clients')));
    const t0 = performance.now();
    expect(await c.lpush('mt:q', 'job')).toBe(1);
    await until(() => b.data().length > 0);
    expect(b.data()).toBe('*2\r\n$4\r\nmt:q\r\n$3\r\njob\r\n');
    expect(performance.now() - t0).toBeLessThan(500);   // not the next cron tick (1 s)
    b.s.destroy();
    c.disconnect();
  });

  it('CLIENT PAUSE WRITE holds ring writes, reads go on, and the writes run after it', async () => {
    const c = await mainClient(srv);
    await c.set('mt:p', 'before');
    expect(await srv.command('CLIENT', 'PAUSE', '400', 'WRITE')).toBe('+OK\r\n');
    const t0 = performance.now();
    const write = c.set('mt:p', 'after');
    expect(await c.get('mt:other')).toBeNull();   // behind the held write on the same session
    await write;
    expect(performance.now() - t0).toBeGreaterThan(300);
    expect(await c.get('mt:p')).toBe('after');
    c.disconnect();
  });

  it('SHM.OPEN takes WAKE SOCKET or WAKE FUTEX and refuses other options', async () => {
    expect(await srv.command('SHM.OPEN', '1', 'redis-shm-x', '0'.repeat(32), 'WAKE', 'LATER')).toBe('-ERR SHM unknown option\r\n');
    expect(await srv.command('SHM.OPEN', '1', 'redis-shm-x', '0'.repeat(32), 'WAKE')).toBe('-ERR SHM unknown option\r\n');
    const t = createClient({ path: srv.socket, transport: 'shm', serve: 'thread' });
    await t.connect();
    await t.ping();
    expect(field(await srv.command('INFO', 'shm'), 'main_thread_sessions')).toBe(0);
    t.disconnect();
  });
});

describe('serving on the main thread with appendfsync always', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--hz', '1', '--appendonly', 'yes', '--appendfsync', 'always'] }); });
  afterAll(async () => { await srv.stop(); });

  const aof = (): string => {
    const dir = join(srv.dir, 'appendonlydir');
    return readdirSync(dir).filter((f) => f.endsWith('.incr.aof')).map((f) => readFileSync(join(dir, f), 'latin1')).join('');
  };

  it('a write is in the AOF when its reply arrives', async () => {
    const c = await mainClient(srv);
    for (let i = 0; i < 20; i++) {
      expect(await c.set(`mt:aof${i}`, `v${i}`)).toBe('OK');
      expect(aof()).toContain(`mt:aof${i}\r\n$${String(`v${i}`.length)}\r\nv${i}`);
    }
    c.disconnect();
  });
});

// Client faults: a client SIGKILLed mid-pipeline (the C hostile client and the real Node
// library), a client that exits without QUIT, and 100 clients that connect, open and
// disconnect in a loop. After each, SHM.INFO shows no session and /dev/shm holds none of
// the segments those clients created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, ROOT, type RedisServer } from '../helpers/redis-server.js';
import { redisAsyncConnect } from '../../src/async/api.js';
import type { AsyncContext } from '../../src/async/context.js';
import { REDIS_OK } from '../../src/resp/types.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, fdCount, leftover, shmMappings, sleep, until, waitSessions } from './helpers.js';

const CHILD = join(ROOT, 'test', 'reliability', 'children', 'pipeline-client.mjs');

interface Child { proc: ChildProcess; lines: string[]; exited: Promise<number | null> }

function child(port: number, mode: 'flood' | 'exit'): Child {
  if (!existsSync(join(ROOT, 'dist', 'src', 'async', 'api.js'))) throw new Error('dist/ is missing: run npm install (tsc) first');
  const proc = spawn(process.execPath, [CHILD, ROOT, String(port), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let part = '';
  proc.stdout!.on('data', (d: Buffer) => {
    part += d.toString();
    const ls = part.split('\n');
    part = ls.pop()!;
    lines.push(...ls);
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => { if (code && code !== 0 && err) lines.push(`E ${err}`); res(code); }));
  return { proc, lines, exited };
}

function connectShm(port: number): Promise<AsyncContext> {
  const ac = redisAsyncConnect('127.0.0.1', port, { transport: 'shm', connectTimeoutMs: 5000 });
  return new Promise((res, rej) => ac.setConnectCallback((c, st) => (st === REDIS_OK ? res(c) : rej(new Error(c.errstr)))));
}

describe('client faults', () => {
  let srv: RedisServer;
  let baseFds = 0;
  const names: string[] = [];

  async function clean(): Promise<void> {
    await waitSessions(srv, 0);
    await until(() => shmMappings(srv.pid) === 0, 3000, 'no segment mapped in the server');
    expect(leftover(names)).toEqual([]);
    assertNoCrash(srv);
  }

  beforeAll(async () => {
    srv = await startRedis();
    await sleep(200);
    baseFds = fdCount(srv.pid);
  });
  afterAll(async () => { await srv?.stop(); });

  it('the C client SIGKILLed mid-pipeline', async () => {
    for (let round = 0; round < 5; round++) {
      const h = new Hostile(srv.port, { timeoutMs: 10000 });
      await h.open();
      names.push((await h.nth('N', 1)).text);
      h.send(`pipe 20000 ${line('SET', 'kill:c', 'x'.repeat(64))}`);
      await sleep(20 + round * 20);
      h.kill();
      expect(await h.exited).toBeNull();   // killed by the signal, not finished
    }
    await clean();
  });

  it('the Node library SIGKILLed mid-pipeline (replies still in flight)', async () => {
    for (let round = 0; round < 3; round++) {
      const c = child(srv.port, 'flood');
      await until(() => c.lines.includes('A 1') || c.lines.some((l) => l.startsWith('E')), 10000, 'first reply in the child');
      expect(c.lines).toContain('T shm');
      const mine = c.lines.filter((l) => l.startsWith('N ')).map((l) => l.slice(2));
      expect(mine.length).toBeGreaterThan(0);
      names.push(...mine);
      await sleep(30 * round);
      c.proc.kill('SIGKILL');
      expect(await c.exited).toBeNull();
    }
    await clean();
  });

  it('the Node library exits without QUIT or free', async () => {
    const c = child(srv.port, 'exit');
    expect(await c.exited).toBe(0);
    expect(c.lines).toContain('A 100');
    names.push(...c.lines.filter((l) => l.startsWith('N ')).map((l) => l.slice(2)));
    await clean();
    expect(await srv.command('EXISTS', 'exit:99')).toBe(':1\r\n');
  });

  it('100 C clients connect, open and go away (EOF, disconnect, SHM.CLOSE, kill) in a loop', async () => {
    for (let i = 0; i < 100; i++) {
      const h = new Hostile(srv.port, { timeoutMs: 3000 });
      await h.open();
      names.push((await h.nth('N', 1)).text);
      h.send(line('cmd', 'INCR', 'loop'));
      const how = i % 4;
      if (how === 1) h.send('disconnect');
      if (how === 2) h.send(line('sock', 'SHM.CLOSE'));
      if (how === 3) { await h.ask('W', 'wait'); h.kill(); continue; }
      await h.end();
    }
    await clean();
    expect(await srv.command('GET', 'loop')).toMatch(/^\$\d+\r\n\d+\r\n$/);
  });

  it('100 Node library clients connect, command and free in a loop', async () => {
    for (let i = 0; i < 100; i++) {
      const ac = await connectShm(srv.port);
      expect(ac.transport).toBe('shm');
      await new Promise<void>((res) => ac.commandArgv(() => res(), 0, ['INCR', 'libloop']));
      if (i % 2) ac.free(); else ac.disconnect();
    }
    await clean();
    expect(await srv.command('GET', 'libloop')).toBe('$3\r\n100\r\n');
  });

  it('afterwards the server holds no more fds than at start', async () => {
    await until(() => fdCount(srv.pid) <= baseFds, 3000, `fds back to ${baseFds}`);
    console.log(`client-faults: ${names.length} client segments, none left in /dev/shm, sessions 0, fds ${fdCount(srv.pid)} (start ${baseFds})`);
    assertNoCrash(srv);
  });
});

// A client truncates or shrinks its segment while the server is serving it. The server
// must take the SIGBUS, close the session with FAULT (logged once), stay up, and keep
// serving everyone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, closeLines, infoShm, REASON, shmMappings, STATE, until, waitSessions } from './helpers.js';

const CAP = 65536;
const HEADER = 4096;
const VALUE = 'v'.repeat(100);

describe('segment truncated or shrunk under the server', () => {
  let srv: RedisServer;
  let healthy: Hostile;
  let ops = 0;

  async function healthyOk(): Promise<void> {
    healthy.send(`pipe 10 ${line('INCR', 'h')}`, 'wait');
    expect((await healthy.ask('W')).text).toBe('ok');
    ops += 10;
    expect(healthy.tagged('R').at(-1)!.bytes.toString()).toBe(`:${ops}\r\n`);
  }

  async function faults(): Promise<number> { return infoShm(await srv.command('INFO', 'shm'), 'fault_closes'); }

  /** Pipelines writes, truncates to `size` right after, and checks the FAULT close. */
  async function truncateWhileServing(size: number, pipelined: number): Promise<string> {
    const before = await faults();
    const h = new Hostile(srv.port, { req: CAP, rep: CAP, timeoutMs: 3000 });
    const id = await h.open();
    h.send(`pipe ${pipelined} ${line('SET', 'trunc', VALUE)}`, `truncate ${size}`, 'sleep 300', 'state');
    const st = (await h.nth('T', 1)).text;
    await until(async () => (await faults()) === before + 1, 3000, 'fault_closes + 1');
    await until(() => closeLines(srv, id).length > 0, 2000, 'the close logged');
    const lines = closeLines(srv, id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('closed: segment fault (truncated)');
    await h.end();
    await healthyOk();
    assertNoCrash(srv);
    return st;
  }

  beforeAll(async () => {
    srv = await startRedis();
    healthy = new Hostile(srv.port, { timeoutMs: 5000 });
    await healthy.open();
    await healthyOk();
  });
  afterAll(async () => { await healthy?.end(); await srv?.stop(); });

  it('truncated to zero mid-pipeline: FAULT, nothing of the header is left to read', async () => {
    expect(await truncateWhileServing(0, 3000)).toBe('gone');
  });

  it('shrunk into the middle of REQ: FAULT, and the header page still tells the client why', async () => {
    expect(await truncateWhileServing(HEADER + CAP / 2, 3000)).toBe(`${STATE.CLOSED} ${REASON.FAULT}`);
  });

  it('shrunk to drop REP only: the server faults writing a reply', async () => {
    expect(await truncateWhileServing(HEADER + CAP, 3000)).toBe(`${STATE.CLOSED} ${REASON.FAULT}`);
  });

  it('shrunk to the header page only: the next REQ bytes the server reads fault', async () => {
    // Deterministic: a 10-byte partial request, then the shrink, then a tail that publishes
    // 10 more bytes (the header page is still mapped, so the client can store the index).
    // The server must read them from the vanished data area. (A pipeline racing the shrink
    // could be consumed completely before it, leaving nothing to fault on.)
    const before = await faults();
    const h = new Hostile(srv.port, { req: CAP, rep: CAP, timeoutMs: 3000 });
    const id = await h.open();
    h.send('raw *1\\r\\n$4\\r\\nPI', 'sleep 50', `truncate ${HEADER}`, 'poke 128 64 20', 'sleep 300', 'state');
    expect((await h.nth('T', 1)).text).toBe(`${STATE.CLOSED} ${REASON.FAULT}`);
    await until(async () => (await faults()) === before + 1, 3000, 'fault_closes + 1');
    await until(() => closeLines(srv, id).length > 0, 2000, 'the close logged');
    expect(closeLines(srv, id)[0]).toContain('closed: segment fault (truncated)');
    await h.end();
    await healthyOk();
    assertNoCrash(srv);
  });

  it('truncated while idle (parked server): found within the park timeout', async () => {
    expect(await truncateWhileServing(0, 1)).toBe('gone');
  });

  it('20 sessions truncated at staggered points: all closed, server up, nothing mapped', async () => {
    const before = await faults();
    const all: Hostile[] = [];
    for (let i = 0; i < 20; i++) {
      const h = new Hostile(srv.port, { req: CAP, rep: CAP, timeoutMs: 3000 });
      await h.open();
      h.send(`pipe ${50 * (i + 1)} ${line('SET', `t${i}`, VALUE)}`, `truncate ${i % 2 ? 0 : HEADER + (i * 4096) % (2 * CAP)}`, 'sleep 200', 'disconnect');
      all.push(h);
    }
    for (const h of all) await h.end();
    await waitSessions(srv, 1);
    // every session cut to zero faults (the server touches its header whenever it parks);
    // one cut inside REQ after the server consumed everything may end by the disconnect
    expect(await faults()).toBeGreaterThanOrEqual(before + 10);
    expect(await faults()).toBeLessThanOrEqual(before + 20);
    expect(shmMappings(srv.pid)).toBe(1);   // the healthy session's
    await healthyOk();
    assertNoCrash(srv);
    console.log(`truncate: 25 sessions truncated or shrunk while served, fault closes ${await faults()}, server up`);
  });
});

// A client that sends requests but never reads its replies (REP stays full). The server may
// buffer replies privately only up to a bound, then stops executing that session's commands
// (back-pressure, as a socket's TCP window would), keeps serving everyone else, and frees
// everything when the client goes away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, rssKb, sleep, until, waitSessions } from './helpers.js';

const MB = 1024 * 1024;

describe('a client that never reads its replies', () => {
  let srv: RedisServer;
  let healthy: Hostile;
  let n = 0;

  async function healthyOk(): Promise<void> {
    healthy.send(line('cmd', 'INCR', 'h'), 'wait');
    expect((await healthy.ask('W')).text).toBe('ok');
    n++;
    expect(healthy.tagged('R').at(-1)!.bytes.toString()).toBe(`:${n}\r\n`);
  }

  beforeAll(async () => {
    srv = await startRedis();
    healthy = new Hostile(srv.port);
    await healthy.open();
    await srv.command('SET', 'big', 'x'.repeat(MB));
    await srv.command('SET', 'count', '0');
    await healthyOk();
  });
  afterAll(async () => { await healthy?.end(); await srv?.stop(); });

  it('200 x GET of 1 MiB with a 4 KiB REP ring nobody reads: bounded memory, others served, all freed', async () => {
    const rss0 = rssKb(srv.pid);
    const h = new Hostile(srv.port, { req: 65536, rep: 4096, timeoutMs: 3000 });
    await h.open();
    // each GET is followed by an INCR, so we can see how far the server got
    const pair = line('raw', '*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n*2\r\n$4\r\nINCR\r\n$5\r\ncount\r\n');
    for (let i = 0; i < 200; i++) h.send(pair);
    await sleep(500);
    const executed = Number(/\r\n(\d+)\r\n$/.exec(await srv.command('GET', 'count'))![1]);
    const grew = rssKb(srv.pid) - rss0;
    console.log(`slow reader: executed ${executed} of 200 GET+INCR pairs, server RSS +${(grew / 1024).toFixed(1)} MiB`);
    expect(executed).toBeLessThan(200);          // back-pressure stopped it
    expect(grew).toBeLessThan(96 * 1024);         // not 200 MiB of replies
    for (let i = 0; i < 5; i++) await healthyOk();
    h.send('disconnect');
    await h.end();
    await waitSessions(srv, 1);
    await until(() => rssKb(srv.pid) - rss0 < 48 * 1024, 3000, 'reply memory released');
    assertNoCrash(srv);
  });
});

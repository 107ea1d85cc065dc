// Hostile bytes through the REQ ring: random garbage, multibulk counts near 2^31, bulk
// lengths over proto-max-bulk-len, endless header and inline lines, truncated frames cut
// off by a disconnect. The server must not crash or hang, a healthy session served
// alongside must not notice, and each bad session must close with one logged reason and
// the error text a socket client would get.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, closeLines, closeLogged, REASON, rssKb, Rng, sessions, socketRaw, STATE, waitSessions } from './helpers.js';

const MAX_BULK = 1024 * 1024;   // the smallest proto-max-bulk-len Redis accepts

describe('hostile input through the segment', () => {
  let srv: RedisServer;
  let healthy: Hostile;
  let healthyIncrs = 0;
  let cases = 0;

  /** The healthy session does some work; every reply must be right. */
  async function healthyWork(n = 20): Promise<void> {
    const before = healthy.tagged('R').length;
    healthy.send(`pipe ${n} ${line('INCR', 'healthy')}`, 'wait');
    const w = await healthy.ask('W');
    expect(w.text).toBe('ok');
    const replies = healthy.tagged('R').slice(before).map((r) => r.bytes.toString());
    healthyIncrs += n;
    expect(replies[replies.length - 1]).toBe(`:${healthyIncrs}\r\n`);
  }

  /** Sends `bytes` through a fresh session; returns what the ring answered, the final state
   *  and the log lines for the session. */
  async function through(bytes: Buffer | string, opts: { then?: string[]; expectClose?: boolean } = {}) {
    cases++;
    const h = new Hostile(srv.port, { timeoutMs: 3000 });
    const id = await h.open();
    h.send(line('raw', typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes), ...(opts.then ?? []));
    let state = '';
    if (opts.expectClose !== false) state = await h.closedState();
    await healthyWork();
    await h.end();
    const ring = h.tagged('R').map((r) => r.bytes.toString('latin1')).join('');
    return { id, ring, state, h };
  }

  beforeAll(async () => {
    srv = await startRedis({ args: ['--proto-max-bulk-len', String(MAX_BULK)] });
    healthy = new Hostile(srv.port, { timeoutMs: 5000 });
    await healthy.open();
    await healthyWork();
  });
  afterAll(async () => {
    await healthy?.end();
    await srv?.stop();
  });

  // Each malformed request: the ring reply must equal the socket's, the session must close
  // with PROTOCOL, and the log must say so exactly once for that session.
  const PROTOCOL_CASES: [string, string, string][] = [
    ['multibulk count 2^31', '*2147483648\r\n', 'invalid multibulk length'],
    ['multibulk count 2^63', '*9223372036854775808\r\n', 'invalid multibulk length'],
    ['multibulk count with a sign', '*+1\r\n', 'invalid multibulk length'],
    ['multibulk count with junk', '*1x\r\n', 'invalid multibulk length'],
    ['bulk length over proto-max-bulk-len', `*1\r\n$${MAX_BULK + 1}\r\n`, 'invalid bulk length'],
    ['negative bulk length', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['bulk length 2^64', '*1\r\n$18446744073709551616\r\n', 'invalid bulk length'],
    ['not a bulk', '*2\r\n$3\r\nGET\r\n:1\r\n', "expected '$', got ':'"],
    ['unbalanced quotes inline', 'SET "a b\r\n', 'unbalanced quotes in request'],
  ];
  for (const [name, bytes, why] of PROTOCOL_CASES) {
    it(`${name}: socket's error text, closed PROTOCOL, logged once`, async () => {
      const viaSocket = await socketRaw(srv.port, bytes);
      expect(viaSocket).toBe(`-ERR Protocol error: ${why}\r\n`);
      const { id, ring, state } = await through(bytes);
      expect(ring).toBe(viaSocket);
      expect(state).toBe(`${STATE.CLOSED} ${REASON.PROTOCOL}`);
      const lines = await closeLogged(srv, id);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('closed: protocol error');
      assertNoCrash(srv);
    });
  }

  it('multibulk count 2^31-1 is accepted and nothing is preallocated for it', async () => {
    const rss0 = rssKb(srv.pid);
    // the count is legal; feed a few bulks, then vanish mid-request
    const { id, state, ring } = await through('*2147483647\r\n' + '$3\r\nfoo\r\n'.repeat(100), { then: ['sleep 100', 'disconnect'] });
    expect(ring).toBe('');
    expect(state).toBe(`${STATE.CLOSED} ${REASON.DISCONNECT}`);
    expect(closeLines(srv, id)).toHaveLength(0);   // a disconnect is not an incident
    expect(rssKb(srv.pid) - rss0).toBeLessThan(64 * 1024);   // not 2^31 pointers (16 GiB)
    assertNoCrash(srv);
  });

  it('a bulk announced at proto-max-bulk-len (512 MiB default) is not preallocated', async () => {
    const big = await startRedis();
    try {
      const rss0 = rssKb(big.pid);
      const h = new Hostile(big.port, { timeoutMs: 3000 });
      await h.open();
      h.send(line('raw', `*2\r\n$3\r\nSET\r\n$${512 * 1024 * 1024}\r\n` + 'x'.repeat(1000)), 'sleep 200');
      h.send('state');
      expect((await h.nth('T', 1)).text).toBe(`${STATE.CLAIMED} ${REASON.NONE}`);   // still waiting for the bytes
      expect(rssKb(big.pid) - rss0).toBeLessThan(32 * 1024);
      h.send('disconnect');
      await h.end();
      assertNoCrash(big);
    } finally { await big.stop(); }
  });

  it('client-query-buffer-limit 1mb: a 2 MiB request ends the session as it ends a socket connection', async () => {
    const small = await startRedis({ args: ['--client-query-buffer-limit', '1mb'] });
    try {
      const value = 'x'.repeat(2 * 1024 * 1024);
      const viaSocket = await socketRaw(small.port, `*3\r\n$3\r\nSET\r\n$5\r\nbig:s\r\n$${value.length}\r\n${value}\r\n`);
      expect(viaSocket).toBe('');                                 // dropped without a reply
      expect(small.log()).toContain('Closing client that reached max query buffer length');
      const h = new Hostile(small.port, { timeoutMs: 3000 });
      const id = await h.open();
      h.send(line('cmd', 'SET', 'big:r', value));
      expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.PROTOCOL}`);
      await h.end();
      expect(h.tagged('R')).toEqual([]);
      expect(await closeLogged(small, id)).toHaveLength(1);
      expect(await small.command('EXISTS', 'big:s', 'big:r')).toBe(':0\r\n');
      assertNoCrash(small);
    } finally { await small.stop(); }
  });

  it('50 hostile sessions, 10 at a time, while the healthy one works', async () => {
    const rng = new Rng(0xc0ffee);
    const kinds = ['*2147483648\r\n', 'GET "x\r\n', '*1\r\n$-7\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1'];
    for (let wave = 0; wave < 5; wave++) {
      const hs: Hostile[] = [];
      for (let i = 0; i < 10; i++) {
        cases++;
        const h = new Hostile(srv.port, { timeoutMs: 3000 });
        hs.push(h);
        h.send('open', line('raw', rng.int(3) ? kinds[rng.int(kinds.length)]! : rng.bytes(1 + rng.int(512))), 'sleep 20', 'disconnect');
      }
      await healthyWork(50);
      for (const h of hs) await h.end();
    }
    await waitSessions(srv, 1);
    await healthyWork();
    assertNoCrash(srv);
  });

  const ENDLESS: [string, string, string][] = [
    ['inline line', 'a', 'too big inline request'],
    ['multibulk count line', '*', 'too big mbulk count string'],
    ['bulk length line', '*1\r\n$', 'too big bulk count string'],
  ];
  for (const [name, prefix, why] of ENDLESS) {
    it(`endless ${name}: refused after 64 KiB like the socket`, async () => {
      cases++;
      const fill = prefix === 'a' ? 'a' : '1';
      const viaSocket = await socketRaw(srv.port, prefix + fill.repeat(70 * 1024));
      expect(viaSocket).toBe(`-ERR Protocol error: ${why}\r\n`);
      const h = new Hostile(srv.port, { timeoutMs: 3000 });
      const id = await h.open();
      if (prefix !== 'a') h.send(line('raw', prefix));
      const f = await h.ask('F', `flood ${fill} ${16 * 1024 * 1024}`);
      expect(Number(f.text)).toBeLessThan(16 * 1024 * 1024);   // stopped by the close, not by the cap
      expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.PROTOCOL}`);
      await h.end();
      expect(h.tagged('R').map((r) => r.bytes.toString()).join('')).toBe(viaSocket);
      expect(await closeLogged(srv, id)).toHaveLength(1);
      await healthyWork();
      assertNoCrash(srv);
    });
  }

  it('a truncated frame followed by a disconnect runs nothing', async () => {
    const { state, ring } = await through('*3\r\n$3\r\nSET\r\n$9\r\ntruncated\r\n$5\r\nva', { then: ['sleep 50', 'disconnect'] });
    expect(ring).toBe('');
    expect(state).toBe(`${STATE.CLOSED} ${REASON.DISCONNECT}`);
    expect(await srv.command('EXISTS', 'truncated')).toBe(':0\r\n');
    // a complete command before the cut still ran, exactly once
    const r2 = await through('*3\r\n$3\r\nSET\r\n$6\r\nbefore\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$3\r\nfo', { then: ['sleep 100', 'disconnect'] });
    expect(r2.state).toBe(`${STATE.CLOSED} ${REASON.DISCONNECT}`);
    expect(await srv.command('GET', 'before')).toBe('$1\r\n1\r\n');
  });

  it('random bytes (200 seeded sessions): no crash, no hang, sessions all gone', async () => {
    const rng = new Rng(0x5eed1234);
    const ids: number[] = [];
    for (let round = 0; round < 200; round++) {
      cases++;
      const h = new Hostile(srv.port, { timeoutMs: 2000 });
      ids.push(await h.open());
      // half start like a multibulk so the multibulk parser sees garbage too
      const body = rng.bytes(1 + rng.int(2048));
      const bytes = rng.int(2) ? Buffer.concat([Buffer.from('*'), body]) : body;
      // no CR or LF at all would just wait for more: end with a newline half of the time
      h.send(line('raw', rng.int(2) ? Buffer.concat([bytes, Buffer.from('\r\n')]) : bytes), 'sleep 2', 'disconnect');
      await h.end();
      if (round % 50 === 49) await healthyWork();
    }
    await waitSessions(srv, 1);   // only the healthy one
    await healthyWork();
    assertNoCrash(srv);
    expect(await sessions(srv)).toBe(1);
    // each session that ended on a protocol error says so exactly once; the rest just left
    const logged = ids.map((id) => closeLines(srv, id));
    for (const l of logged) expect(l.length).toBeLessThanOrEqual(1);
    const protocol = logged.filter((l) => l.length === 1 && l[0]!.includes('protocol error')).length;
    console.log(`hostile-input random: 200 sessions, ${protocol} closed by a protocol error (logged once each), the rest by their disconnect`);
    expect(protocol).toBeGreaterThan(20);
  });

  it('summary: the healthy session saw every increment', async () => {
    expect(await srv.command('GET', 'healthy')).toBe(`$${String(healthyIncrs).length}\r\n${healthyIncrs}\r\n`);
    expect(cases).toBeGreaterThan(200);
    console.log(`hostile-input: ${cases} hostile sessions, healthy session served ${healthyIncrs} INCRs alongside, all correct`);
    assertNoCrash(srv);
  });
});

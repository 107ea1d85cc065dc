// A client that scribbles over the header while the server serves the segment: every
// index the server loads is checked (corruption closes the session, reason CORRUPT, one
// log line, no out-of-bounds access), and everything the server owns or copied at claim
// is never re-read, so scribbling it changes nothing. A healthy session runs alongside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, closeLines, closeLogged, OFF, REASON, STATE, waitSessions } from './helpers.js';

const CAP = 4096;          // both rings: small, so that a big reply makes the server reload REP.head
const PING = '*1\r\n$4\r\nPING\r\n';   // 14 bytes

describe('scribbled ring indices and header fields', () => {
  let srv: RedisServer;
  let healthy: Hostile;
  let healthyOps = 0;

  async function healthyOk(): Promise<void> {
    healthy.send(line('cmd', 'INCR', 'h'), 'wait');
    expect((await healthy.ask('W')).text).toBe('ok');
    healthyOps++;
    expect(healthy.tagged('R').at(-1)!.bytes.toString()).toBe(`:${healthyOps}\r\n`);
  }

  /** A session that has done one PING (REQ tail 14, REP tail 7) and read its reply. */
  async function session(): Promise<{ h: Hostile; id: number }> {
    const h = new Hostile(srv.port, { req: CAP, rep: CAP, timeoutMs: 3000 });
    const id = await h.open();
    h.send(line('cmd', 'PING'), 'wait');
    expect((await h.ask('W')).text).toBe('ok');
    return { h, id };
  }

  async function expectCorrupt(h: Hostile, id: number): Promise<void> {
    expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.CORRUPT}`);
    await h.end();
    const lines = await closeLogged(srv, id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('closed: ring corruption');
    await healthyOk();
    assertNoCrash(srv);
  }

  /** After the scribble the session still serves commands correctly. */
  async function expectServing(h: Hostile, id: number): Promise<void> {
    h.send(line('cmd', 'ECHO', 'still here'), 'wait');
    const w = await h.ask('W');
    expect(w.text).toBe('ok');
    expect(h.tagged('R').at(-1)!.bytes.toString()).toBe('$10\r\nstill here\r\n');
    await h.end();
    expect(closeLines(srv, id)).toHaveLength(0);
    await healthyOk();
    assertNoCrash(srv);
  }

  beforeAll(async () => {
    srv = await startRedis();
    await srv.command('SET', 'big', 'x'.repeat(3 * CAP));
    healthy = new Hostile(srv.port, { timeoutMs: 5000 });
    await healthy.open();
    await healthyOk();
  });
  afterAll(async () => { await healthy?.end(); await srv?.stop(); });

  // The server consumes REQ: it loads REQ.tail and must reject any impossible value.
  const reqTail = OFF.req + OFF.tail;
  const TAILS: [string, bigint][] = [
    ['backwards by one', 13n],
    ['backwards to zero', 0n],
    ['one past a full ring', 14n + BigInt(CAP) + 1n],
    ['2^63', 1n << 63n],
    ['2^64 - 1', (1n << 64n) - 1n],
  ];
  for (const [name, v] of TAILS) {
    it(`REQ.tail ${name}: CORRUPT`, async () => {
      const { h, id } = await session();
      h.send(`poke ${reqTail} 64 ${v}`);
      await expectCorrupt(h, id);
    });
  }

  it('REQ.tail exactly a full ring ahead is legal: stale bytes are parsed, not trusted', async () => {
    const { h, id } = await session();
    h.send(`poke ${reqTail} 64 ${14 + CAP}`);
    // the ring holds one old PING and zeros: whatever the parser makes of it, the session
    // ends by protocol error or keeps waiting, never by an out-of-bounds read
    h.send('sleep 300', 'state');
    const st = await h.nth('T', 1);
    expect([`${STATE.CLAIMED} ${REASON.NONE}`, `${STATE.CLOSED} ${REASON.PROTOCOL}`]).toContain(st.text);
    await h.end();
    expect(closeLines(srv, id).filter((l) => l.includes('corruption'))).toHaveLength(0);
    await healthyOk();
    assertNoCrash(srv);
  });

  // The server produces REP: it reloads REP.head when it needs space (a reply bigger than
  // what it believes is free), and must reject a head past its tail or one going backwards.
  const repHead = OFF.rep + OFF.head;
  it('REP.head past the server\'s tail: CORRUPT when the server next needs space', async () => {
    const { h, id } = await session();
    h.send(`poke ${repHead} 64 ${7 + 100}`, line('cmd', 'GET', 'big'));
    await expectCorrupt(h, id);
  });

  it('REP.head backwards: CORRUPT when the server next needs space', async () => {
    const { h, id } = await session();
    h.send(line('cmd', 'GET', 'big'), 'wait');   // the client reads 12 KiB through the 4 KiB ring
    expect((await h.ask('W')).text).toBe('ok');
    h.send(`poke ${repHead} 64 3`, line('cmd', 'GET', 'big'));
    await expectCorrupt(h, id);
  });

  // Fields the server owns, or copied at claim and never reads again.
  const IGNORED: [string, number, 32 | 64, bigint][] = [
    ['REQ.head (the server\'s own index)', OFF.req + OFF.head, 64, 1n << 40n],
    ['magic', OFF.magic, 64, 0n],
    ['layout_version', OFF.version, 32, 99n],
    ['header_size', OFF.headerSize, 32, 0xffffffffn],
    ['req_capacity', OFF.reqCap, 64, 1n << 62n],
    ['rep_capacity', OFF.repCap, 64, 3n],
    ['total_size', OFF.total, 64, 1n],
    ['session_id', OFF.sessionId, 64, 12345n],
    ['server_pid', OFF.serverPid, 32, 1n],
    ['close_reason', OFF.reason, 32, 0xdeadn],
    ['state (invalid value)', OFF.state, 32, 7n],
    ['state back to NEW', OFF.state, 32, 0n],
    ['REQ.consumer_parked', OFF.req + OFF.consumerParked, 32, 0xffffffffn],
    ['REQ.data_futex', OFF.req + OFF.dataFutex, 32, 0x7fffffffn],
    ['REQ.producer_parked', OFF.req + OFF.producerParked, 32, 1n],
    ['REP.space_futex', OFF.rep + OFF.spaceFutex, 32, 0xffffffffn],
    ['REP.producer_parked', OFF.rep + OFF.producerParked, 32, 0n],
  ];
  for (const [name, off, bits, v] of IGNORED) {
    it(`${name} scribbled: not re-read, the session keeps serving`, async () => {
      const { h, id } = await session();
      h.send(`poke ${off} ${bits} ${v}`);
      await expectServing(h, id);
    });
  }

  it('REP.tail (the server\'s own index) scribbled: the server keeps its private copy', async () => {
    const { h, id } = await session();
    // The client can no longer read REP (its own check rejects the new tail), but the
    // server must go on from its private tail: the ECHO lands at offset 7, not 2^40.
    h.send(`poke ${OFF.rep + OFF.tail} 64 ${1n << 40n}`, line('cmd', 'SET', 'after-rep-tail', '1'), 'sleep 200');
    h.send(line('sock', 'GET', 'after-rep-tail'));
    expect((await h.nth('S', 1)).bytes.toString()).toBe('$1\r\n1\r\n');
    await h.end();
    expect(closeLines(srv, id)).toHaveLength(0);
    await healthyOk();
    assertNoCrash(srv);
  });

  it('state set to CLOSED by the client without SHM.CLOSE: the lifeline still ends it', async () => {
    const { h, id } = await session();
    h.send(`poke ${OFF.state} 32 ${STATE.CLOSED}`, 'sleep 100', 'disconnect');
    await h.end();
    await waitSessions(srv, 1);
    expect(closeLines(srv, id)).toHaveLength(0);
    await healthyOk();
  });

  it('afterwards: only the healthy session is left', async () => {
    await waitSessions(srv, 1);
    const info = await srv.command('INFO', 'shm');
    console.log(`scribble: ${TAILS.length + 3 + IGNORED.length + 2} scribbled sessions, corrupt closes ${/shm_corrupt_closes:(\d+)/.exec(info)?.[1]}, healthy ops ${healthyOps}`);
    assertNoCrash(srv);
  });
});

// Differential fuzzing of the inline request parser (sdssplitargs rules re-implemented in
// native/module/parse.c): seeded random inline lines with quotes, escapes, tabs and the odd
// NUL or lone CR, each sent raw over the socket and raw into REQ. `EVAL "return ARGV" 0 ...`
// echoes back exactly how the line was split, so the two replies must be byte-identical,
// malformed lines included (same protocol error, and both connections end).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, Rng, waitSessions } from './helpers.js';

function arg(rng: Rng): string {
  const k = rng.int(10);
  const chars = (n: number, set: string): string => Array.from({ length: n }, () => set[rng.int(set.length)]!).join('');
  if (k < 4) return chars(1 + rng.int(5), 'abcxyz019-+.$*:');
  if (k < 7) {
    let c = '';
    for (let i = rng.int(6); i >= 0; i--) {
      c += rng.pick(['a', ' ', '\\n', '\\r', '\\t', '\\b', '\\a', '\\\\', '\\"', '\\x41', '\\x7a', '\\xzz', '\\x4', '\\q', "'", '\t', 'é']);
    }
    return `"${c}"`;
  }
  if (k < 9) return `'${chars(rng.int(5), "ab \\\"")}${rng.int(3) ? '' : "\\'"}'`;
  // the rare malformed or odd ones
  // (a NUL byte has its own test below: the socket never finds the end of such a line)
  return rng.pick(['"unterminated', "'unterminated", '"closed"x', "'closed'x", 'mid\rcr', '""', "''", '"\\x"']);
}

function inlineLine(rng: Rng): Buffer {
  const parts = ['EVAL', '"return ARGV"', '0'];
  for (let i = rng.int(5); i >= 0; i--) parts.push(arg(rng));
  let s = '';
  for (const p of parts) s += p + rng.pick([' ', ' ', '  ', '\t']);
  s = s.trimEnd() + (rng.int(4) ? '\r\n' : '\n');
  return Buffer.from(s, 'utf8');
}

describe('differential fuzzing of inline requests', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv?.stop(); });

  it('1,500 seeded inline lines: the ring splits them exactly as the socket does', async () => {
    const rng = new Rng(0x1a1e);
    const diffs: string[] = [];
    let h: Hostile | undefined;
    let errors = 0;
    let lines = 0;
    for (let i = 0; i < 1500 && diffs.length < 10; i++) {
      if (!h) { h = new Hostile(srv.port, { timeoutMs: 3000 }); await h.open(); }
      const bytes = inlineLine(rng);
      lines++;
      // the ring first: a protocol error over the socket would end the session's lifeline
      const n = h.tagged('R').length + 1;
      h.send(line('raw', bytes), 'expect 1', 'wait');
      const w = await h.ask('W');
      const viaShm = h.tagged('R').length >= n ? (await h.nth('R', n)).bytes.toString('latin1') : `(no reply: ${w.text})`;
      const viaSocket = (await h.ask('S', line('sockraw', bytes))).bytes.toString('latin1');
      if (viaShm !== viaSocket) diffs.push(`${JSON.stringify(bytes.toString('latin1'))}\n  socket: ${JSON.stringify(viaSocket)}\n  shm:    ${JSON.stringify(viaShm)}`);
      if (viaSocket.startsWith('-ERR Protocol error')) {
        // the socket is closed by the server now, and the session with it
        errors++;
        await h.end();
        h = undefined;
      }
    }
    await h?.end();
    expect(diffs, diffs.join('\n')).toEqual([]);
    console.log(`inline: ${lines} lines compared, ${errors} protocol errors among them, 0 differences`);
    expect(errors).toBeGreaterThan(5);
    await waitSessions(srv, 0);
    assertNoCrash(srv);
  });

  // Redis 7.0 finds the end of an inline request with strchr(), which stops at a NUL byte:
  // over the socket a line with a NUL before its newline is never run; the connection waits
  // until 64 KiB are buffered and then fails with "too big inline request".
  it('an inline line with a NUL byte before its newline is not run, as over the socket', async () => {
    const bytes = Buffer.from('SET nul:key a\u0000b\r\n', 'latin1');
    const sock = new Hostile(srv.port, { timeoutMs: 500 });
    const viaSocket = await sock.ask('S', line('sockraw', bytes));
    expect(viaSocket.text).toBe('-');                         // no reply: still waiting for the line's end
    await sock.end();
    expect(await srv.command('EXISTS', 'nul:key')).toBe(':0\r\n');
    const h = new Hostile(srv.port, { timeoutMs: 5000 });
    await h.open();
    h.send(line('raw', bytes), 'expect 1', 'wait 500');
    const w = await h.ask('W');
    const ran = h.tagged('R').map((r) => r.bytes.toString('latin1'));
    await h.end();
    const stored = await srv.command('GET', 'nul:key');
    expect({ replies: ran, stored }).toEqual({ replies: [], stored: '$-1\r\n' });
    expect(w.text).toBe('timeout');
    assertNoCrash(srv);
  });
});

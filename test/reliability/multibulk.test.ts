// Differential fuzzing of multibulk framing: seeded requests with mutated headers (signs,
// leading zeros, spaces, letters, huge or negative counts and lengths, a wrong type byte,
// LF without CR, NUL bytes), payloads holding CR, LF and NUL, wrong bytes where the CRLF
// after a bulk belongs, fewer bulks than announced left over as a new request, empty
// names. Each goes raw into REQ and raw on the socket; the replies must be byte-identical,
// including which requests wait for more bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, Rng, waitSessions } from './helpers.js';

function request(rng: Rng): Buffer {
  const args = ['EVAL', 'return ARGV', '0'];
  for (let i = rng.int(3); i > 0; i--) args.push(rng.pick(['a', '', 'x\r\ny', 'n\u0000l', 'é', '$3', '*1']));
  // (a NUL inside the command name has its own test below)
  if (rng.int(8) === 0) args.splice(0, 3, rng.pick(['', 'ping', 'ECHO', 'NOSUCH']));
  const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
  let count = String(args.length);
  const m = rng.int(14);
  if (m === 0) count = rng.pick(['+' + count, '0' + count, ' ' + count, count + ' ', count + 'x', '-0', '99999999999999999999', '2147483648', '-1', '0', 'abc', '']);
  const parts: Buffer[] = [enc(`*${count}${m === 1 ? '\n' : '\r\n'}`)];
  args.forEach((a, i) => {
    const b = enc(a);
    let len = String(b.length);
    let type = '$';
    let tail = '\r\n';
    if (m === 2 && i === 1) len = rng.pick(['+' + len, '0' + len, ' ' + len, len + 'x', '-1', '-2', '99999999999999999999', '']);
    if (m === 3 && i === 1) type = rng.pick([':', '+', '*', 'x', ' ']);
    if (m === 4 && i === args.length - 1) tail = rng.pick(['xx', '\n\n', '\r\r', 'ab']);
    if (m === 5 && i === 1) len = String(Math.max(0, b.length - 1 - rng.int(2)));   // shorter: the rest reads as framing
    parts.push(enc(`${type}${len}\r\n`), b, enc(tail));
  });
  if (m === 6) parts.push(enc('*1\r\n$4\r\nPING\r\n'));   // a second request right behind
  return Buffer.concat(parts);
}

/** Raw bytes on a fresh socket: everything that arrives until 15 ms of quiet after the first
 *  byte, or `firstMs` of nothing, or the server closing the connection. */
function socketReplies(port: number, bytes: Buffer, firstMs: number): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    let quiet: NodeJS.Timeout | undefined;
    const done = (): void => { clearTimeout(first); clearTimeout(quiet); s.destroy(); res(got); };
    const first = setTimeout(done, firstMs);
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); clearTimeout(first); clearTimeout(quiet); quiet = setTimeout(done, 15); });
    s.on('close', done);
    s.on('error', () => { /* reset after a protocol error: what arrived is the answer */ });
  });
}

describe('differential fuzzing of multibulk framing', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv?.stop(); });

  it('400 seeded mutated requests: the ring answers exactly as the socket', async () => {
    const rng = new Rng(0x3b3b);
    const diffs: string[] = [];
    let waited = 0;
    let errors = 0;
    /** One request through a fresh session and a fresh socket: no parser state carries over. */
    const one = async (bytes: Buffer): Promise<void> => {
      const h = new Hostile(srv.port, { timeoutMs: 5000 });
      await h.open();
      // the first reply (or 300 ms of nothing: a request waiting for more bytes), then any more
      h.send(line('raw', bytes), 'expect 1', 'wait 300');
      const w = await h.ask('W');
      // 60 ms of quiet ends it: under a full parallel test run 15 ms once cut a multi-reply answer short
      await h.ask('D', 'drain 60');
      await h.end();
      const viaShm = h.tagged('R').map((r) => r.bytes.toString('latin1')).join('');
      // When the ring answered, the socket must too: give it time on a loaded host (300 ms of
      // silence there would read as "waiting for more bytes" and report a false difference).
      const viaSocket = await socketReplies(srv.port, bytes, viaShm.length > 0 ? 5000 : 300);
      if (viaShm !== viaSocket) diffs.push(`${JSON.stringify(bytes.toString('latin1'))}\n  socket: ${JSON.stringify(viaSocket)}\n  shm:    ${JSON.stringify(viaShm)}`);
      if (w.text !== 'ok') waited++;
      if (viaSocket.includes('Protocol error')) errors++;
    };
    for (let i = 0; i < 400 && diffs.length < 10; i += 8) {
      await Promise.all(Array.from({ length: 8 }, () => one(request(rng))));
    }
    expect(diffs, diffs.join('\n')).toEqual([]);
    console.log(`multibulk: 400 requests compared, ${errors} protocol errors, ${waited} waiting for more bytes, 0 differences`);
    expect(errors).toBeGreaterThan(10);
    await waitSessions(srv, 0);
    assertNoCrash(srv);
  });

  // Redis words an unknown command's error with each argument printed by "%.*s" from a
  // NUL-terminated sds: an argument ends at its length (or at a NUL in it). The text must
  // not run on into the bytes that follow the argument in the request buffer.
  it('an unknown command with a NUL in its name: the error quotes the arguments only', async () => {
    const bytes = Buffer.from('*2\r\n$4\r\nPI\u0000G\r\n$1\r\na\r\n*2\r\n$4\r\nECHO\r\n$6\r\nsecret\r\n', 'latin1');
    const viaSocket = await socketReplies(srv.port, bytes, 5000);
    expect(viaSocket).toBe("-ERR unknown command 'PI', with args beginning with: 'a' \r\n$6\r\nsecret\r\n");
    const h = new Hostile(srv.port, { timeoutMs: 5000 });
    await h.open();
    h.send(line('raw', bytes), 'expect 2', 'wait 1000');
    await h.ask('W');
    await h.end();
    expect(h.tagged('R').map((r) => r.bytes.toString('latin1')).join('')).toBe(viaSocket);
  });
});

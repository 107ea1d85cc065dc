// The hostile cases again, against the module built with AddressSanitizer (and UBSan):
// native/module/*.c compiled with gcc -fsanitize=address,undefined into a temp dir, loaded
// into the stock redis-server with libasan preloaded. Any out-of-bounds access, use after
// free or undefined behaviour in the module while it serves hostile clients ends the run
// with a sanitizer report, which fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { buildTool, Hostile, line } from './tools.js';
import { RawConn } from './raw-conn.js';
import { assertNoCrash, OFF, REASON, Rng, STATE, waitSessions } from './helpers.js';
import { makeSegment, removeSegment } from './segment-file.js';

function buildAsanModule(dir: string): string {
  const src = join(ROOT, 'native', 'module');
  const files = readdirSync(src).filter((f) => f.endsWith('.c')).map((f) => join(src, f));
  const out = join(dir, 'redis-shm-asan.so');
  execFileSync('gcc', [
    '-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined',
    '-std=c11', '-D_GNU_SOURCE', '-fPIC', '-pthread', '-shared', '-I', join(ROOT, 'native', 'ring'), '-I', src,
    '-o', out, ...files,
  ], { stdio: 'pipe' });
  return out;
}

describe('hostile clients against the module built with ASan/UBSan', () => {
  let srv: RedisServer;
  let dir: string;
  let healthy: Hostile;
  const made: { path: string }[] = [];

  function sanitizerReports(): string[] {
    return readdirSync(dir).filter((f) => f.startsWith('asan.')).map((f) => readFileSync(join(dir, f), 'utf8'))
      .concat(srv.log().includes('runtime error:') ? [srv.log()] : []);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-shm-asan-'));
    const so = buildAsanModule(dir);
    const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
    expect(existsSync(libasan), `libasan not found (${libasan}): ASan cannot run here`).toBe(true);
    // only redis-server is spawned while these are set
    const saved = { LD_PRELOAD: process.env.LD_PRELOAD, ASAN_OPTIONS: process.env.ASAN_OPTIONS, UBSAN_OPTIONS: process.env.UBSAN_OPTIONS };
    process.env.LD_PRELOAD = libasan;
    // handle_sigbus=0: the module's own SIGBUS guard must see a truncated segment's faults
    process.env.ASAN_OPTIONS = `log_path=${join(dir, 'asan')}:detect_leaks=0:handle_sigbus=0:abort_on_error=1`;
    process.env.UBSAN_OPTIONS = `log_path=${join(dir, 'asan')}:print_stacktrace=1`;
    try {
      srv = await startRedis({ module: false, args: ['--loadmodule', so, 'threads', '2'] });   // two serving threads
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    }
    expect(readFileSync(`/proc/${srv.pid}/maps`, 'utf8')).toContain('libasan');
    healthy = new Hostile(srv.port);
    await healthy.open();
  });

  afterAll(async () => {
    await healthy?.end();
    for (const m of made) removeSegment(m);
    await srv?.stop();
  });

  async function healthyOk(): Promise<void> {
    healthy.send(line('cmd', 'PING'), 'wait');
    expect((await healthy.ask('W')).text).toBe('ok');
  }

  it('malformed requests and endless lines', async () => {
    for (const bytes of ['*2147483648\r\n', '*1\r\n$-1\r\n', "*2\r\n$3\r\nGET\r\n:1\r\n", 'SET "a b\r\n', '*1\r\n$600000000\r\n']) {
      const h = new Hostile(srv.port);
      await h.open();
      h.send(line('raw', bytes));
      expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.PROTOCOL}`);
      await h.end();
    }
    for (const [prefix, fill] of [['', 'a'], ['*', '1'], ['*1\r\n$', '1']]) {
      const h = new Hostile(srv.port);
      await h.open();
      if (prefix) h.send(line('raw', prefix!));
      await h.ask('F', `flood ${fill} 1000000`);
      expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.PROTOCOL}`);
      await h.end();
    }
    await healthyOk();
    expect(sanitizerReports()).toEqual([]);
  });

  it('random bytes, 100 sessions', async () => {
    const rng = new Rng(0xa5a5a5);
    for (let i = 0; i < 100; i++) {
      const h = new Hostile(srv.port, { timeoutMs: 2000 });
      await h.open();
      h.send(line('raw', Buffer.concat([rng.int(2) ? Buffer.from('*') : Buffer.alloc(0), rng.bytes(1 + rng.int(1024)), Buffer.from('\r\n')])), 'sleep 2', 'disconnect');
      await h.end();
    }
    await waitSessions(srv, 1);
    await healthyOk();
    expect(sanitizerReports()).toEqual([]);
  });

  it('scribbled indices (REQ.tail, REP.head) and header fields', async () => {
    const CAP = 4096;
    const conn = await RawConn.open(srv.port);
    await conn.call('SET', 'big', 'x'.repeat(3 * CAP));
    conn.close();
    const cases: [number, number, bigint, boolean][] = [
      [OFF.req + OFF.tail, 64, 13n, true], [OFF.req + OFF.tail, 64, 14n + 4097n, true], [OFF.req + OFF.tail, 64, 1n << 63n, true],
      [OFF.rep + OFF.head, 64, 200n, true], [OFF.reqCap, 64, 1n << 62n, false], [OFF.total, 64, 1n, false], [OFF.state, 32, 9n, false],
    ];
    for (const [off, bits, v, corrupt] of cases) {
      const h = new Hostile(srv.port, { req: CAP, rep: CAP });
      await h.open();
      // a REQ.tail poke must not be followed by a write (that would publish a fresh tail);
      // a REP.head poke needs a reply too big for the space the server believes it has
      const isTail = off === OFF.req + OFF.tail;
      h.send(line('cmd', 'PING'), 'wait', `poke ${off} ${bits} ${v}`, ...(isTail ? [] : [line('cmd', 'GET', 'big')]));
      if (corrupt) expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.CORRUPT}`);
      else { h.send('wait'); expect((await h.nth('W', 2)).text).toBe('ok'); }
      await h.end();
      await waitSessions(srv, 1);
    }
    await healthyOk();
    expect(sanitizerReports()).toEqual([]);
  });

  it('segments truncated and shrunk mid-pipeline', async () => {
    for (const size of [0, 4096 + 32768, 4096 + 65536, 4096]) {
      const h = new Hostile(srv.port);
      await h.open();
      h.send(`pipe 2000 ${line('SET', 'k', 'v'.repeat(100))}`, `truncate ${size}`, 'sleep 250', 'disconnect');
      await h.end();
    }
    await waitSessions(srv, 1);
    expect(srv.log()).toContain('closed: segment fault (truncated)');
    await healthyOk();
    expect(sanitizerReports()).toEqual([]);
  });

  it('hostile SHM.OPEN and a client killed mid-pipeline', async () => {
    const conn = await RawConn.open(srv.port);
    for (const spec of [{ size: 100 }, { total: 1n }, { reqCap: 3n }, { state: 1 }, { reqTail: 9n }, {}]) {
      const s = makeSegment(spec);
      made.push(s);
      // the valid segment ({}) gets a wrong token; the others their own, to reach the later checks
      const token = Object.keys(spec).length ? s.token : s.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
      const r = await conn.call('SHM.OPEN', '1', s.name, token);
      expect(r).toMatch(/^-ERR SHM /);
    }
    conn.close();
    const h = new Hostile(srv.port, { timeoutMs: 10000 });
    await h.open();
    h.send(`pipe 20000 ${line('SET', 'kill', 'x')}`);
    await new Promise((r) => setTimeout(r, 50));
    h.kill();
    await h.exited;
    await waitSessions(srv, 1);
    await healthyOk();
    assertNoCrash(srv);
    expect(sanitizerReports()).toEqual([]);
  });

  it('SHM.OPEN racing files that change under it (flipper)', async () => {
    const segs = Array.from({ length: 20 }, () => makeSegment({ req: 65536, rep: 65536 }));
    made.push(...segs);
    const flipper = spawn(buildTool('flipper'), ['1500', String(4096 + 2 * 65536), ...segs.map((x) => x.path)]);
    const done = new Promise<void>((res) => flipper.on('exit', () => res()));
    const conns: RawConn[] = [];
    for (let round = 0; round < 60; round++) {
      const c = await RawConn.open(srv.port);
      conns.push(c);
      const seg = segs[round % segs.length]!;
      expect(await c.call('SHM.OPEN', '1', seg.name, seg.token)).toMatch(/^(\*10|-ERR SHM )/);
    }
    await done;
    for (const c of conns) c.close();
    await waitSessions(srv, 1);
    await healthyOk();
    assertNoCrash(srv);
    expect(sanitizerReports()).toEqual([]);
  });
});

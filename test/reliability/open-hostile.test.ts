// Hostile SHM.OPEN: wrong tokens, claimed segments, symlinks, FIFOs, directories, bad sizes,
// names with '/' or '..', missing names. Each gets a clear error and leaves nothing mapped
// or open in the server. Then 10,000 opens in a loop and more sessions than
// shm.max-sessions: clear errors, and fds, mappings and RSS return to their baseline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { RawConn } from './raw-conn.js';
import { assertNoCrash, fdCount, leftover, OFF, rssKb, sessions, shmMappings, until, waitSessions } from './helpers.js';
import { makeSegment, randomName, removeSegment, type SegmentFile } from './segment-file.js';

const MAX_SESSIONS = 8;

function stateOf(seg: SegmentFile): number { return readFileSync(seg.path).readUInt32LE(OFF.state); }

describe('hostile SHM.OPEN', () => {
  let srv: RedisServer;
  let conn: RawConn;
  const made: { path: string }[] = [];
  let baseFds = 0;
  let baseRss = 0;
  let tried = 0;

  const seg = (spec: Parameters<typeof makeSegment>[0] = {}, name?: string): SegmentFile => {
    const s = makeSegment(spec, name);
    made.push(s);
    return s;
  };
  const open = (name: string, token: string, c = conn): Promise<string> => { tried++; return c.call('SHM.OPEN', '1', name, token); };

  beforeAll(async () => {
    srv = await startRedis({ moduleArgs: ['max-sessions', String(MAX_SESSIONS), 'max-ring', String(1 << 20)] });
    conn = await RawConn.open(srv.port);
    // warm up: one good open and close, so lazily allocated state is in the baseline
    const s = seg();
    expect(await open(s.name, s.token)).toMatch(/^\*10\r\n/);
    expect(await conn.call('SHM.CLOSE')).toBe(':1\r\n');
    await waitSessions(srv, 0);
    // connections opened by the helpers close asynchronously: wait for a stable count
    await new Promise((r) => setTimeout(r, 300));
    baseFds = fdCount(srv.pid);
    baseRss = rssKb(srv.pid);
  });
  afterAll(async () => {
    conn?.close();
    for (const m of made) removeSegment(m);
    await srv?.stop();
  });

  it('wrong token: refused, segment left NEW and unclaimed', async () => {
    const s = seg();
    const bad = (s.token[0] === 'a' ? 'b' : 'a') + s.token.slice(1);
    expect(await open(s.name, bad)).toBe('-ERR SHM token mismatch\r\n');
    expect(stateOf(s)).toBe(0);
    expect(leftover([s.name])).toEqual([s.name]);   // the server unlinks only what it claimed
  });

  it('a segment already claimed by another session (hard link to the same inode)', async () => {
    const s = seg();
    const alias = randomName();
    linkSync(s.path, '/dev/shm' + alias);
    made.push({ path: '/dev/shm' + alias });
    const other = await RawConn.open(srv.port);
    try {
      expect(await open(s.name, s.token, other)).toMatch(/^\*10\r\n/);
      expect(await open(alias, s.token)).toBe('-ERR SHM segment already claimed\r\n');
      expect(await other.call('SHM.CLOSE')).toBe(':1\r\n');
    } finally { other.close(); }
    // the same segment after its session closed: state is CLOSED, so still refused
    expect(await open(alias, s.token)).toBe('-ERR SHM segment already claimed\r\n');
  });

  it('a segment whose state says CLAIMED, or whose REQ ring is not empty', async () => {
    const a = seg({ state: 1 });
    expect(await open(a.name, a.token)).toBe('-ERR SHM segment already claimed\r\n');
    const b = seg({ state: 2 });
    expect(await open(b.name, b.token)).toBe('-ERR SHM segment already claimed\r\n');
    const c = seg({ reqTail: 5n });
    expect(await open(c.name, c.token)).toBe('-ERR SHM segment rings are not empty\r\n');
  });

  it('symlinks are not followed (to a valid segment, to /etc/passwd)', async () => {
    const target = seg();
    for (const to of [target.path, '/etc/passwd']) {
      const name = randomName();
      symlinkSync(to, '/dev/shm' + name);
      made.push({ path: '/dev/shm' + name });
      expect(await open(name, target.token)).toBe('-ERR SHM cannot open segment: Too many levels of symbolic links\r\n');
    }
    expect(stateOf(target)).toBe(0);
  });

  it('a directory, a FIFO, an empty file, a file of garbage', async () => {
    const dir = randomName();
    mkdirSync('/dev/shm' + dir);
    made.push({ path: '/dev/shm' + dir });
    // shm_open(O_RDWR) on a directory fails with EISDIR or EINVAL depending on libc/kernel
    expect(await open(dir, '00'.repeat(16))).toMatch(/^-ERR SHM cannot open segment: (Is a directory|Invalid argument)\r\n$/);
    const fifo = randomName();
    execFileSync('mkfifo', ['-m', '600', '/dev/shm' + fifo]);
    made.push({ path: '/dev/shm' + fifo });
    expect(await open(fifo, '00'.repeat(16))).toBe('-ERR SHM segment is not a regular file\r\n');
    const empty = seg({ size: 0 });
    expect(await open(empty.name, empty.token)).toBe('-ERR SHM segment size is out of bounds\r\n');
    const garbage = seg({ magic: 0x4141414141414141n });
    expect(await open(garbage.name, garbage.token)).toBe('-ERR SHM segment header is invalid\r\n');
  });

  it('sizes: too small, too large, and headers that disagree with the file', async () => {
    const cases: [Parameters<typeof makeSegment>[0], string][] = [
      [{ size: 100 }, 'segment size is out of bounds'],
      [{ size: 4096 + 4096 + 4095 }, 'segment size is out of bounds'],
      [{ req: 1 << 22, rep: 1 << 22 }, 'segment size is out of bounds'],         // over max-ring (1 MiB)
      [{ size: 2 ** 40 }, 'segment size is out of bounds'],                       // sparse 1 TiB file
      [{ total: 1n << 62n }, 'segment header is invalid'],
      [{ reqCap: 3n }, 'segment header is invalid'],                               // not a power of two
      [{ reqCap: 1n << 63n, repCap: 1n << 63n, total: 4096n }, 'segment header is invalid'],   // sum overflows
      [{ req: 8192, rep: 4096, reqCap: 8192n, repCap: 8192n }, 'segment header is invalid'],   // total disagrees with the caps
      [{ size: 4096 + 8192 + 4096 }, 'segment header is invalid'],                // file bigger than total_size
      [{ version: 2 }, 'segment header is invalid'],
      [{ headerSize: 0 }, 'segment header is invalid'],
    ];
    for (const [spec, why] of cases) {
      const s = seg(spec);
      expect(await open(s.name, s.token), JSON.stringify(spec, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(`-ERR SHM ${why}\r\n`);
    }
  });

  it('names with "/" or "..", wrong prefix or length, and names that do not exist', async () => {
    const hex = 'a'.repeat(32);
    const invalid = [
      `/redis-shm.${hex.slice(0, 26)}/../x`, `/redis-shm./../../../etc/passwd${'0'.repeat(13)}`, `/redis-shm.${hex}/`,
      `redis-shm.${hex}`, `/redis-shm.${hex}a`, `/redis-shm.${hex.slice(1)}`, `//redis-shm.${hex.slice(1)}`,
      `/redis-shm.${'A'.repeat(32)}`, `/redis-shm.${'g'.repeat(32)}`, `/redis-shm.${hex.slice(0, 31)}\u0000`, '', '/',
      `/other-prefix${hex}`, `/dev/shm/redis-shm.${hex}`,
    ];
    for (const name of invalid) expect(await open(name, '00'.repeat(16)), JSON.stringify(name)).toBe('-ERR SHM invalid segment name\r\n');
    expect(await open(randomName(), '00'.repeat(16))).toBe('-ERR SHM cannot open segment: No such file or directory\r\n');
    for (const token of ['', '00', 'zz'.repeat(16), '00'.repeat(17)]) expect(await open(randomName(), token)).toBe('-ERR SHM invalid token\r\n');
  });

  it('inside MULTI and from a script: refused, nothing claimed', async () => {
    const s = seg();
    const r = await conn.pipeline([['MULTI'], ['SHM.OPEN', '1', s.name, s.token], ['EXEC']]);
    expect(r[2]).toBe('*1\r\n-ERR SHM.OPEN must be sent by a connected client, outside MULTI and scripts\r\n');
    expect(await conn.call('EVAL', `return redis.call('SHM.OPEN', '1', '${s.name}', '${s.token}')`, '0'))
      .toMatch(/^-ERR This Redis command is not allowed from script/);
    expect(stateOf(s)).toBe(0);
    tried += 2;
  });

  it('10,000 SHM.OPEN calls (2,000 that succeed and close, 8,000 refused): fds, mappings, RSS back to baseline', async () => {
    const t0 = Date.now();
    let ok = 0;
    let refused = 0;
    const claimed: string[] = [];
    for (let round = 0; round < 20; round++) {
      const cmds: string[][] = [];
      // 100 good open/close pairs on this connection
      for (let i = 0; i < 100; i++) {
        const s = makeSegment();
        made.push(s);
        claimed.push(s.name);
        cmds.push(['SHM.OPEN', '1', s.name, s.token], ['SHM.CLOSE']);
      }
      // 400 refusals that each get as far as mapping a file
      const victims = [makeSegment(), makeSegment({ magic: 1n }), makeSegment({ size: 100 })];
      made.push(...victims);
      for (let i = 0; i < 400; i++) {
        const v = victims[i % 3]!;
        cmds.push(['SHM.OPEN', '1', v.name, i % 3 === 0 ? '11'.repeat(16) : v.token]);
      }
      const replies = await conn.pipeline(cmds);
      tried += 500;
      for (const r of replies) {
        if (r.startsWith('*10\r\n')) ok++;
        else if (r.startsWith('-ERR SHM ')) refused++;
      }
      for (const v of victims) removeSegment(v);
    }
    expect(ok).toBe(2000);
    expect(refused).toBe(8000);
    await waitSessions(srv, 0);
    // serving threads free closed sessions right after the close; helper connections linger briefly
    await until(() => shmMappings(srv.pid) === 0 && fdCount(srv.pid) === baseFds, 3000, 'mappings 0 and fds at baseline');
    expect(rssKb(srv.pid) - baseRss).toBeLessThan(8 * 1024);
    expect(Date.now() - t0).toBeLessThan(20000);
    expect(leftover(claimed)).toEqual([]);   // the server unlinks what it claims
    assertNoCrash(srv);
  });

  it(`more sessions than shm.max-sessions (${MAX_SESSIONS}): clear error, then everything is released`, async () => {
    const conns: RawConn[] = [];
    const replies: string[] = [];
    for (let i = 0; i < MAX_SESSIONS + 12; i++) {
      const c = await RawConn.open(srv.port);
      conns.push(c);
      const s = seg();
      replies.push(await open(s.name, s.token, c));
    }
    expect(replies.filter((r) => r.startsWith('*10\r\n'))).toHaveLength(MAX_SESSIONS);
    expect(replies.slice(MAX_SESSIONS)).toEqual(Array(12).fill('-ERR SHM too many sessions (shm.max-sessions)\r\n'));
    expect(await sessions(srv)).toBe(MAX_SESSIONS);
    for (const c of conns) c.close();   // lifelines go: every session ends
    await waitSessions(srv, 0);
    await until(() => shmMappings(srv.pid) === 0 && fdCount(srv.pid) === baseFds, 3000, 'mappings 0 and fds at baseline');
    expect(rssKb(srv.pid) - baseRss).toBeLessThan(8 * 1024);
    assertNoCrash(srv);
  });

  it('summary', () => {
    console.log(`open-hostile: ${tried} SHM.OPEN calls, fds ${baseFds} -> ${fdCount(srv.pid)}, RSS ${baseRss} -> ${rssKb(srv.pid)} kB, segments mapped ${shmMappings(srv.pid)}`);
    expect(tried).toBeGreaterThan(10_000);
  });
});

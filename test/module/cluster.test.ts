// The module in a real cluster (3 masters, 3 replicas on loopback): over the rings a command
// this node does not serve gets the socket's reply byte for byte (MOVED, ASK, TRYAGAIN,
// CROSSSLOT, every CLUSTERDOWN variant); ASKING and READONLY are refused on the ring with
// SHM-ROUTE (RM_Call cannot carry them) and the clients send them, and what they govern, on
// the socket; SHM.OPEN works on every node, on replicas and while the cluster is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { Hostile, line } from '../reliability/tools.js';
import { until } from '../helpers/until.js';
import { keyWhere, slotOf } from '../helpers/slot.js';

/** The same command on the socket and then on the ring of one Hostile client: both replies.
 * `seed` (if given) runs before each side, so that both start from the same data. */
async function both(h: Hostile, c: string[], seed?: () => Promise<unknown>): Promise<[string, string]> {
  await seed?.();
  const viaSocket = (await h.ask('S', line('sock', ...c))).bytes.toString('latin1');
  await seed?.();
  const n = h.tagged('R').length + 1;
  h.send(line('cmd', ...c), 'wait');
  const viaShm = (await h.nth('R', n)).bytes.toString('latin1');
  return [viaSocket, viaShm];
}

describe('module in a cluster', () => {
  let c: TestCluster;
  let a: number;            // a master (the node under test)
  let others: number[];     // the other two masters
  let replicaOfA: number;
  let ranges: Map<number, Array<[number, number]>>;
  const owner = (slot: number): number => [...ranges].find(([, rs]) => rs.some(([x, y]) => slot >= x && slot <= y))![0];
  const keyOn = (port: number, prefix: string): string => keyWhere(prefix, (s) => owner(s) === port);

  beforeAll(async () => {
    c = await startTestCluster();
    const t = await c.topology();
    const masters = t.filter((n) => n.role === 'master');
    ranges = new Map(masters.map((m) => [m.port, m.slots]));
    a = masters[0]!.port;
    others = masters.slice(1).map((m) => m.port);
    replicaOfA = t.find((n) => n.role === 'replica' && n.masterId === masters[0]!.id)!.port;
  }, 60000);
  afterAll(async () => { await c?.stop(); });

  it('computes slots as the server does', async () => {
    for (const k of ['foo', '{user1000}.following', 'foo{}{bar}', 'a{b}c{d}', '{', '']) {
      expect(slotOf(k)).toBe(await c.keyslot(k));
    }
  });

  it('SHM.OPEN works on every node, masters and replicas', async () => {
    for (const p of c.livePorts()) {
      const h = new Hostile(p, { timeoutMs: 5000 });
      await h.open();
      const [sock, shm] = await both(h, ['PING']);
      expect(shm).toBe(sock);
      await h.end();
    }
  });

  it('a master: MOVED, CROSSSLOT and local keys, byte for byte', async () => {
    const h = new Hostile(a, { timeoutMs: 5000 });
    await h.open();
    const [b, cc] = others as [number, number];
    const local = keyOn(a, 'loc');
    const onB = keyOn(b, 'kb');
    const onC = keyOn(cc, 'kc');
    const cmds: string[][] = [
      ['SET', local, 'v'], ['GET', local], ['GET', onB], ['SET', onC, 'x'], ['GET', 'foo'],
      ['MGET', local, onB], ['MSET', `{${local}}1`, '1', `{${local}}2`, '2'], ['MGET', `{${local}}1`, `{${local}}2`],
      ['MGET', onB, `{${onB}}x`], ['MGET', onB, onC], ['DEL', onB, onB], ['EXISTS', local, onB],
      ['EVAL', "return redis.call('GET', KEYS[1])", '1', onB], ['EVAL', "return redis.call('GET', KEYS[1])", '1', local],
      ['EVAL', 'return 1', '0'], ['SPUBLISH', onB, 'm'], ['SPUBLISH', local, 'm'], ['PUBLISH', onB, 'm'],
      ['XREAD', 'STREAMS', onB, '0'], ['SORT', onB], ['OBJECT', 'ENCODING', onC], ['LMPOP', '2', local, onB, 'LEFT'],
      ['COPY', local, onB], ['RENAME', local, `{${local}}r`], ['GET', `{${local}}r`],
      ['PING'], ['DBSIZE'], ['CLUSTER', 'KEYSLOT', onB], ['GET'], ['NOSUCH', onB], ['SET', onB],
    ];
    const diffs: string[] = [];
    const kinds = new Set<string>();
    const seed = (): Promise<unknown> => c.command(a, 'FLUSHALL').then(() => c.command(a, 'SET', local, 'v'));
    for (const cmd of cmds) {
      const [sock, shm] = await both(h, cmd, seed);
      kinds.add(sock.split(' ')[0]!.slice(0, 10));
      if (sock !== shm) diffs.push(`${cmd.join(' ')}\n  socket: ${JSON.stringify(sock)}\n  shm:    ${JSON.stringify(shm)}`);
    }
    await h.end();
    expect(diffs, diffs.join('\n')).toEqual([]);
    expect(kinds).toContain('-MOVED');
    expect(kinds).toContain('-CROSSSLOT');
  });

  it('a refusal processCommand makes after its cluster check (OOM) does not hide a redirection', async () => {
    const h = new Hostile(a, { timeoutMs: 5000 });
    await h.open();
    const local = keyOn(a, 'oom');
    const onB = keyOn(others[0]!, 'oomb');
    await c.command(a, 'CONFIG', 'SET', 'maxmemory', '1');
    try {
      const seen: string[] = [];
      for (const cmd of [['SET', onB, 'v'], ['SET', local, 'v'], ['MSET', local, '1', onB, '2'], ['GET', onB], ['GET', local]]) {
        const [sock, shm] = await both(h, cmd);
        seen.push(sock.split(' ')[0]!);
        expect(shm, cmd.join(' ')).toBe(sock);
      }
      expect(seen).toEqual(['-MOVED', '-OOM', '-CROSSSLOT', '-MOVED', '$-1\r\n']);
    } finally {
      await c.command(a, 'CONFIG', 'SET', 'maxmemory', '0');
      await h.end();
    }
  });

  it('the example of issue 13: GET foo on a node that does not own slot 12182', async () => {
    const notFoo = c.livePorts().find((p) => p !== owner(12182) && ranges.has(p))!;
    const h = new Hostile(notFoo, { timeoutMs: 5000 });
    await h.open();
    const [sock, shm] = await both(h, ['GET', 'foo']);
    await h.end();
    expect(sock).toBe(`-MOVED 12182 127.0.0.1:${owner(12182)}\r\n`);
    expect(shm).toBe(sock);
  });

  it('a replica: MOVED for reads and writes, READONLY refused on the ring, served on the socket', async () => {
    const h = new Hostile(replicaOfA, { timeoutMs: 5000 });
    await h.open();
    const mine = keyOn(a, 'rk');
    await c.command(a, 'SET', mine, 'from-master');
    await until(async () => (await c.command(replicaOfA, 'DBSIZE'))[0] !== '0', 5000, 20, 'replication');
    const onB = keyOn(others[0]!, 'rb');
    for (const cmd of [['GET', mine], ['SET', mine, 'v'], ['GET', onB], ['MGET', mine, onB], ['SPUBLISH', mine, 'm'], ['PING'], ['DBSIZE']]) {
      const [sock, shm] = await both(h, cmd);
      expect(shm, cmd.join(' ')).toBe(sock);
    }
    // READONLY / READWRITE / ASKING are connection state: the ring refuses them clearly
    for (const cmd of ['READONLY', 'READWRITE', 'ASKING']) {
      const n = h.tagged('R').length + 1;
      h.send(line('cmd', cmd), 'wait');
      expect((await h.nth('R', n)).bytes.toString()).toBe(`-ERR SHM-ROUTE '${cmd.toLowerCase()}' is served on the socket only (connection command)\r\n`);
    }
    // a connection that sent READONLY (captured by SHM.SYNC): the socket serves the master's
    // reads; the ring cannot (RM_Call takes READONLY from its own context) and says so
    expect((await h.ask('S', line('sock', 'READONLY'))).bytes.toString()).toBe('+OK\r\n');
    expect((await h.ask('S', line('sock', 'SHM.SYNC'))).bytes.toString()).toBe('+OK\r\n');
    const [sock, shm] = await both(h, ['GET', mine]);
    expect(sock).toBe('$11\r\nfrom-master\r\n');
    expect(shm).toBe("-ERR SHM-ROUTE 'get' is served on the socket only (READONLY connection on a replica)\r\n");
    // what READONLY does not cover stays identical: writes and other masters' slots
    for (const cmd of [['SET', mine, 'v'], ['GET', onB], ['PING']]) {
      const [s2, r2] = await both(h, cmd);
      expect(r2, cmd.join(' ')).toBe(s2);
    }
    expect((await h.ask('S', line('sock', 'READWRITE'))).bytes.toString()).toBe('+OK\r\n');
    expect((await h.ask('S', line('sock', 'SHM.SYNC'))).bytes.toString()).toBe('+OK\r\n');
    const [s3, r3] = await both(h, ['GET', mine]);
    expect(s3).toMatch(/^-MOVED /);
    expect(r3).toBe(s3);
    await h.end();
  });

  it('an open slot: ASK for missing keys, TRYAGAIN for a partial multi-key request, MOVED on the importer', async () => {
    const [b] = others as [number];
    const tag = keyOn(a, 'mig');
    const slot = slotOf(tag);
    const k1 = `{${tag}}1`, k2 = `{${tag}}2`;
    await c.command(a, 'SET', k1, 'one');
    const m = await c.beginMigration(slot, b);
    try {
      const h = new Hostile(a, { timeoutMs: 5000 });
      await h.open();
      const cases: string[][] = [['GET', k1], ['GET', k2], ['MGET', k1, k2], ['MGET', k2, k2], ['SET', k2, 'x'],
        ['DEL', k1, k2], ['EXISTS', k2], ['EVAL', "return redis.call('GET', KEYS[1])", '1', k2], ['SPUBLISH', k2, 'm']];
      const seen = new Set<string>();
      // both sides start from the same keys: k1 present, k2 missing
      const seed = (): Promise<unknown> => c.command(a, 'SET', k1, 'one');
      for (const cmd of cases) {
        const [viaSocket, viaShm] = await both(h, cmd, seed);
        seen.add(viaSocket.split(' ')[0]!);
        expect(viaShm, cmd.join(' ')).toBe(viaSocket);
      }
      expect(seen).toContain('-ASK');
      expect(seen).toContain('-TRYAGAIN');
      await h.end();
      // the importing node: MOVED back to the owner without ASKING
      await m.migrateKeys([k1]);
      const hb = new Hostile(b, { timeoutMs: 5000 });
      await hb.open();
      for (const cmd of [['GET', k1], ['GET', k2], ['MGET', k1, k2], ['RESTORE-ASKING', k2, '0', 'bad']]) {
        const [sock, shm] = await both(hb, cmd);
        expect(shm, cmd.join(' ')).toBe(sock);
      }
      // ASKING + GET on the socket serves the imported key
      const asked = (await hb.ask('S', line('sock', 'ASKING'))).bytes.toString();
      expect(asked).toBe('+OK\r\n');
      expect((await hb.ask('S', line('sock', 'GET', k1))).bytes.toString()).toBe('$3\r\none\r\n');
      await hb.end();
    } finally {
      await m.finish();
    }
  });

  it('CLUSTERDOWN in each of its forms, byte for byte, and SHM.OPEN while the cluster is down', async () => {
    // This node forgets one of its slots: that slot is unbound here and the state turns fail.
    const mine = keyOn(a, 'dn');
    const lost = slotOf(mine);
    const other = keyOn(a, 'dm');
    expect(slotOf(other)).not.toBe(lost);
    const onB = keyOn(others[0]!, 'db');
    await c.command(a, 'CLUSTER', 'DELSLOTS', String(lost));
    try {
      await until(async () => (await c.command(a, 'CLUSTER', 'INFO'))[0]!.includes('cluster_state:fail'), 10000, 20, 'cluster_state:fail');
      const h = new Hostile(a, { timeoutMs: 5000 });
      await h.open();   // keyless: served while the cluster is down
      const cmds = [['GET', mine], ['GET', other], ['SET', other, 'v'], ['GET', onB], ['MGET', mine, onB], ['SPUBLISH', other, 'm'], ['PING']];
      const seen = new Set<string>();
      const check = async (): Promise<void> => {
        for (const cmd of cmds) {
          const [sock, shm] = await both(h, cmd);
          seen.add(sock.trim());
          expect(shm, cmd.join(' ')).toBe(sock);
        }
      };
      await check();
      await c.command(a, 'CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes');
      await c.command(a, 'CONFIG', 'SET', 'cluster-allow-pubsubshard-when-down', 'no');
      await check();
      await h.end();
      expect(seen).toContain('-CLUSTERDOWN Hash slot not served');
      expect(seen).toContain('-CLUSTERDOWN The cluster is down');
      expect(seen).toContain('-CLUSTERDOWN The cluster is down and only accepts read commands');
    } finally {
      await c.command(a, 'CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no');
      await c.command(a, 'CONFIG', 'SET', 'cluster-allow-pubsubshard-when-down', 'yes');
      await c.command(a, 'CLUSTER', 'ADDSLOTS', String(lost));
      await c.waitReady();
    }
  });
});

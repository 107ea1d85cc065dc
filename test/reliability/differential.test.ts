// Differential fuzzing of fidelity: thousands of seeded random commands (right and wrong
// types, bad arities, out-of-range numbers, binary values, scripts) run once over the
// socket against db 0 and once over a shm session against db 1 of the same server. Both dbs
// see the same commands in the same order, so every reply must be byte-identical.
// Commands whose reply depends on time, randomness, the connection or the whole keyspace's
// hash order are left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, Rng } from './helpers.js';
import { gen, KEYS } from './random-commands.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { keyWhere, slotOf } from '../helpers/slot.js';

describe('differential fidelity: random commands, shm vs socket', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis(); });
  afterAll(async () => { await srv?.stop(); });

  for (const proto of [2, 3] as const) {
    it(`2,000 seeded commands, RESP${proto}: byte-identical replies`, async () => {
      const h = new Hostile(srv.port, { timeoutMs: 5000 });
      await h.ask('S', line('sock', 'FLUSHALL'));
      if (proto === 3) await h.ask('S', line('sock', 'HELLO', '3'));
      await h.ask('S', line('sock', 'SELECT', '1'));
      await h.open();                                  // the session works on db 1
      await h.ask('S', line('sock', 'SELECT', '0'));   // the socket on db 0
      const rng = new Rng(proto === 2 ? 0xd1ff : 0xd1ff3);
      const diffs: string[] = [];
      const kinds = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        const c = gen(rng);
        const viaSocket = (await h.ask('S', line('sock', ...c))).bytes.toString('latin1');
        const n = h.tagged('R').length + 1;
        h.send(line('cmd', ...c), 'wait');
        const viaShm = (await h.nth('R', n)).bytes.toString('latin1');
        kinds.set(viaSocket[0]!, (kinds.get(viaSocket[0]!) ?? 0) + 1);
        if (viaShm !== viaSocket) diffs.push(`#${i} ${JSON.stringify(c).slice(0, 200)}\n  socket: ${JSON.stringify(viaSocket).slice(0, 300)}\n  shm:    ${JSON.stringify(viaShm).slice(0, 300)}`);
        if (diffs.length >= 10) break;
      }
      // the two dbs went through the same history: same keys, same serialized values
      const dumps = async (db: string): Promise<string[]> => {
        await h.ask('S', line('sock', 'SELECT', db));
        const out: string[] = [];
        for (const k of KEYS) out.push((await h.ask('S', line('sock', 'DUMP', k))).bytes.toString('latin1'));
        return out;
      };
      const db0 = await dumps('0');
      const db1 = await dumps('1');
      await h.end();
      expect(diffs, diffs.join('\n')).toEqual([]);
      expect(db1).toEqual(db0);
      expect(db0.filter((d) => d !== '$-1\r\n').length).toBeGreaterThan(3);   // the history left data behind
      // the table reached every kind of reply, errors included
      console.log(`differential RESP${proto}: 2000 commands, reply kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
      for (const k of ['+', '-', ':', '$', '*']) expect(kinds.get(k) ?? 0).toBeGreaterThan(20);
      assertNoCrash(srv);
    });
  }
});

// The cluster variant: on a real cluster there is only db 0, so the same seeded commands
// run twice from the same (flushed) start, once over the socket and once over a shm
// session, and the two reply lists must be byte-identical. The keys span this master's
// slots (several keys in one slot, so multi-key commands run), another of its slots
// (CROSSSLOT), the other masters' slots (MOVED), a slot it migrates away (ASK, TRYAGAIN)
// and a slot it imports (MOVED). On a replica every keyed command is MOVED.
describe('differential fidelity on a cluster: random commands, shm vs socket', () => {
  let c: TestCluster;
  let master: number;
  let replica: number;
  let keys: string[];
  let reopen: () => Promise<void>;   // flush the master, seed the migrating slot, open it again
  let close: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    c = await startTestCluster();
    const t = await c.topology();
    const ms = t.filter((n) => n.role === 'master');
    const own = (port: number) => (s: number): boolean => ms.find((m) => m.port === port)!.slots.some(([a, b]) => s >= a && s <= b);
    const [a, b, cc] = ms.map((m) => m.port) as [number, number, number];
    master = a;
    replica = t.find((n) => n.role === 'replica' && n.masterId === ms[0]!.id)!.port;
    const local = keyWhere('t', own(a));
    const local2 = keyWhere('u', (s) => own(a)(s) && s !== slotOf(local));
    const moving = keyWhere('m', (s) => own(a)(s) && s !== slotOf(local) && s !== slotOf(local2));
    const coming = keyWhere('i', own(cc));
    keys = [`{${local}}1`, `{${local}}2`, `{${local}}3`, `{${local}}4`, local2, `{${moving}}1`, `{${moving}}2`,
      `{${coming}}1`, keyWhere('b', own(b)), keyWhere('c', own(cc))];
    // a slot migrating from `a` to b (it keeps one of its two keys, so both ASK and TRYAGAIN
    // happen), and one imported by `a` from cc
    const into = await c.beginMigration(slotOf(coming), a);
    let out: { abort(): Promise<void> } | undefined;
    reopen = async () => {
      await out?.abort();
      await c.command(a, 'FLUSHALL');
      await c.command(a, 'SET', `{${moving}}1`, 'seed');
      out = await c.beginMigration(slotOf(moving), b);
    };
    close = async () => { await out?.abort(); await into.abort(); };
  }, 60000);
  afterAll(async () => {
    await close().catch(() => undefined);
    await c?.stop();
  });

  const run = async (port: number, proto: 2 | 3, seed: number, n: number, flush: boolean): Promise<Map<string, number>> => {
    const h = new Hostile(port, { timeoutMs: 5000 });
    if (proto === 3) await h.ask('S', line('sock', 'HELLO', '3'));
    await h.open();
    const cmds: string[][] = [];
    const rng = new Rng(seed);
    for (let i = 0; i < n; i++) cmds.push(gen(rng, keys));
    const start = async (): Promise<void> => { if (flush) await reopen(); };
    await start();
    const viaSocket: string[] = [];
    for (const cmd of cmds) viaSocket.push((await h.ask('S', line('sock', ...cmd))).bytes.toString('latin1'));
    await start();
    const viaShm: string[] = [];
    for (const cmd of cmds) {
      const k = h.tagged('R').length + 1;
      h.send(line('cmd', ...cmd), 'wait');
      viaShm.push((await h.nth('R', k)).bytes.toString('latin1'));
    }
    await h.end();
    const diffs: string[] = [];
    const kinds = new Map<string, number>();
    cmds.forEach((cmd, i) => {
      const kind = viaSocket[i]!.startsWith('-') ? viaSocket[i]!.split(' ')[0]! : viaSocket[i]![0]!;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (viaShm[i] !== viaSocket[i] && diffs.length < 10) {
        diffs.push(`#${i} ${JSON.stringify(cmd).slice(0, 200)}\n  socket: ${JSON.stringify(viaSocket[i]).slice(0, 300)}\n  shm:    ${JSON.stringify(viaShm[i]).slice(0, 300)}`);
      }
    });
    expect(diffs, diffs.join('\n')).toEqual([]);
    return kinds;
  };

  for (const proto of [2, 3] as const) {
    it(`a master, 1,000 seeded commands, RESP${proto}: byte-identical replies`, async () => {
      const kinds = await run(master, proto, proto === 2 ? 0xc1 : 0xc3, 1000, true);
      console.log(`cluster differential RESP${proto} (master): reply kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
      for (const k of ['-MOVED', '-CROSSSLOT', '-ASK', '-TRYAGAIN', '+', ':', '$', '*']) expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    });
  }

  it('a replica, 300 seeded commands: byte-identical replies (MOVED for every keyed one)', async () => {
    const kinds = await run(replica, 2, 0xc7, 300, false);
    console.log(`cluster differential (replica): reply kinds ${JSON.stringify(Object.fromEntries(kinds))}`);
    expect(kinds.get('-MOVED') ?? 0).toBeGreaterThan(150);
  });
});

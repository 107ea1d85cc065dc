// The raw addon across threads: attach by id from a worker, waitMany parking on several
// REP rings plus a SAB control word, ringControl, and clean worker exit.
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { loadAddon } from '../../src/native/addon.js';
import { Segment } from '../../src/native/segment.js';
import { ROOT } from '../helpers/redis-server.js';
import { until as untilEvery } from '../helpers/until.js';

const ADDON = `${ROOT}/build/Release/redis_shm.node`;
const open: Segment[] = [];
afterEach(() => { for (const s of open.splice(0)) { s.unlink(); s.close(); } });

function pair(): { c: Segment; p: Segment } {
  const c = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
  const p = Segment.openPeer(c.name);
  open.push(c, p);
  return { c, p };
}

/** Starts `body` (plain JS; `addon`, `data` and `post` in scope) in a worker that collects its messages. */
function startWorker(body: string, data: unknown): { w: Worker; msgs: unknown[] } {
  const src = `const { createRequire } = require('node:module');
    const { parentPort, workerData: data } = require('node:worker_threads');
    const addon = createRequire(${JSON.stringify(ADDON)})(${JSON.stringify(ADDON)});
    const post = (m) => parentPort.postMessage(m);
    ${body}`;
  const w = new Worker(src, { eval: true, workerData: data });
  const msgs: unknown[] = [];
  w.on('message', (m) => msgs.push(m));
  return { w, msgs };
}

function exited(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exit ${code}`))));
  });
}

const until = (pred: () => boolean, ms = 5000): Promise<void> => untilEvery(pred, ms, 5);

/** Runs `body` (plain JS; `addon`, `data` and `post` in scope) in a worker; resolves with its messages. */
async function inWorker(body: string, data: unknown): Promise<unknown[]> {
  const { w, msgs } = startWorker(body, data);
  await exited(w);
  return msgs;
}

describe('addon across threads', () => {
  it('a worker attaches by id and reads what the main thread peer wrote; its handle closes with the worker', async () => {
    const { c, p } = pair();
    p.write(Buffer.from('+hello from the peer\r\n'));
    const msgs = await inWorker(`
      const s = addon.attach(data.id);
      const b = Buffer.alloc(64);
      const n = s.read(b, 0, 64);
      post(b.subarray(0, n).toString());
      // no explicit close: the environment cleanup hook must release the handle
    `, { id: c.id });
    expect(msgs).toEqual(['+hello from the peer\r\n']);
    expect(c.readable()).toBe(0);  // the worker consumed it through the shared mapping
  });

  it('attach of an unknown id throws ERR_CLOSED; the mapping outlives the creator while a worker holds it', async () => {
    expect(() => Segment.attach(999_999)).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }) as Error);
    const addon = loadAddon();
    const before = addon.liveSegments();
    const c = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
    const p = Segment.openPeer(c.name);
    open.push(p);
    c.unlink();
    expect(addon.liveSegments()).toBe(before + 2);
    const held = Segment.attach(c.id);
    c.close();
    expect(addon.liveSegments()).toBe(before + 1);  // creator gone from the registry...
    p.write(Buffer.from('+x\r\n'));
    expect(held.readable()).toBe(4);                 // ...but the mapping is still valid
    held.close();
  });

  it('waitMany returns 2 when ringControl bumps the word from another thread, and 0 on timeout', async () => {
    const { c } = pair();
    const addon = loadAddon();
    const ctrl = new Int32Array(new SharedArrayBuffer(16));
    const t0 = process.hrtime.bigint();
    expect(addon.waitMany([c.id], ctrl, 1, 0, 1000, 15e6)).toBe(0);
    expect(Number(process.hrtime.bigint() - t0)).toBeGreaterThanOrEqual(14e6);
    const parksBefore = c.counters().inParks;  // 1: the timed-out wait above parked
    // the worker parks (long budget); the main thread rings once it has had time to park
    const { w, msgs } = startWorker(`
      post('parking');
      const t0 = process.hrtime.bigint();
      const r = addon.waitMany([data.id], data.ctrl, 1, 0, 0, 5e9);
      const s = addon.attach(data.id);
      post({ r, ms: Number(process.hrtime.bigint() - t0) / 1e6, seen: Atomics.load(data.ctrl, 1), parks: s.counters().inParks });
    `, { id: c.id, ctrl });
    await until(() => msgs.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    addon.ringControl(ctrl, 1);
    expect(Atomics.load(ctrl, 1)).toBe(1);  // the native bump is the SAB word V8 sees
    await exited(w);
    const m = msgs[1] as { r: number; ms: number; seen: number; parks: number };
    expect(m).toMatchObject({ r: 2, seen: 1, parks: parksBefore + 1 });  // it really parked, and the ring woke it
    expect(m.ms).toBeLessThan(4000);
  });

  it('waitMany wakes from a parked futex_waitv when the peer writes any of several rings', async () => {
    const rings = [pair(), pair(), pair()];
    const ctrl = new Int32Array(new SharedArrayBuffer(8));
    const { w, msgs } = startWorker(`
      post('parking');
      const t0 = process.hrtime.bigint();
      const r = addon.waitMany(data.ids, data.ctrl, 0, 0, 0, 5e9);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const s = addon.attach(data.ids[2]);
      post({ r, ms, readable: s.readable(), parks: s.counters().inParks });
    `, { ids: rings.map((x) => x.c.id), ctrl });
    await until(() => msgs.length === 1);
    const last = rings[2]!.p;
    // wait until the worker announced itself parked on this ring (consumer_parked = 1)
    await until(() => last.counters().inParks === 0 && rings[2]!.c.counters().inParks === 1);
    last.write(Buffer.from(':1\r\n'));
    expect(last.wakeServer()).toBe(true);  // (peer: wakes the REP consumer) consumer_parked was set: a futex wake went out
    await exited(w);
    const m = msgs[1] as { r: number; ms: number; readable: number; parks: number };
    expect(m).toMatchObject({ r: 1, readable: 4, parks: 1 });
    expect(m.ms).toBeLessThan(4000);
  });

  it('waitMany reports a segment closed by the peer as ready', () => {
    const { c, p } = pair();
    const addon = loadAddon();
    p.markClosed('server');
    expect(addon.waitMany([c.id], new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0, 5e9)).toBe(1);
    expect(addon.waitMany([424242], new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0, 5e9)).toBe(1);
  });
});

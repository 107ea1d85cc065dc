// The spinner worker against test-only peer endpoints (the server's side of a segment,
// played from the main thread): whole-reply delivery, one worker for many channels,
// streaming larger than both rings, close/corrupt reporting, and the worker stopping.
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { Segment } from '../../src/native/segment.js';
import { until as untilEvery } from '../helpers/until.js';
import { CLAIM_NO, Spinner, type InboxEnd } from '../../src/spinner/spinner.js';
import { IN_OWNER, OWNER_MAIN, OWNER_WORKER } from '../../src/spinner/slots.js';

const made: Segment[] = [];
afterEach(() => { for (const s of made.splice(0)) { s.unlink(); s.close(); } });

function pair(rep = 4096): { c: Segment; p: Segment } {
  const c = Segment.create({ reqCapacity: 4096, repCapacity: rep });
  const p = Segment.openPeer(c.name);
  made.push(c, p);
  return { c, p };
}

function sink() {
  const chunks: Buffer[] = [];
  const ends: InboxEnd[] = [];
  return {
    chunks, ends,
    onData(b: Uint8Array) { chunks.push(Buffer.from(b)); },
    onEnd(w: InboxEnd) { ends.push(w); },
    get text() { return Buffer.concat(chunks).toString('latin1'); },
  };
}

const until = (pred: () => boolean, ms = 5000): Promise<void> => untilEvery(pred, ms, 2);

/** A pair whose client side is registered with the spinner, delivering into a new sink. */
function registered(): { c: Segment; p: Segment; s: ReturnType<typeof sink>; sp: Spinner } {
  const { c, p } = pair();
  const s = sink();
  const sp = Spinner.get();
  sp.register(c.id, s);
  return { c, p, s, sp };
}

/** The peer (the server's side) writes REP and wakes its consumer, the worker. */
function reply(p: Segment, text: string): void {
  p.write(Buffer.from(text));
  p.wakeServer();
}

const threads = (): number => readdirSync('/proc/self/task').length;

describe('Spinner', () => {
  it('delivers replies written by the peer, only as whole replies, in order', async () => {
    const { c, p, s, sp } = registered();
    reply(p, '+OK\r\n$5\r\nhel');  // (peer side: wakes the REP consumer, i.e. the worker)
    await until(() => s.text.length > 0);
    await new Promise((r) => setTimeout(r, 30));
    expect(s.text).toBe('+OK\r\n');  // the partial bulk is held back
    reply(p, 'lo\r\n*2\r\n:1\r\n:2\r\n');
    await until(() => s.text.length === 28);
    expect(s.text).toBe('+OK\r\n$5\r\nhello\r\n*2\r\n:1\r\n:2\r\n');
    for (const ch of s.chunks) expect(ch.toString('latin1')).toMatch(/\r\n$/);
    await sp.unregister(c.id);
  });

  it('serves ten channels with one worker thread and stops it when the last one leaves', async () => {
    await until(() => Spinner.channelCount === 0);
    await new Promise((r) => setTimeout(r, 50));
    const base = threads();
    const pairs = Array.from({ length: 10 }, () => pair());
    const sinks = pairs.map(() => sink());
    const sp = Spinner.get();
    pairs.forEach(({ c }, i) => sp.register(c.id, sinks[i]!));
    expect(Spinner.get()).toBe(sp);
    expect(Spinner.channelCount).toBe(10);
    for (let round = 0; round < 20; round++) {
      pairs.forEach(({ p }, i) => { p.write(Buffer.from(`:${i * 1000 + round}\r\n`)); p.wakeServer(); });
    }
    await until(() => sinks.every((s) => s.text.split('\r\n').length === 21));
    sinks.forEach((s, i) => expect(s.text).toBe(Array.from({ length: 20 }, (_, r) => `:${i * 1000 + r}\r\n`).join('')));
    const during = threads();
    expect(during - base).toBeLessThanOrEqual(4);  // one Worker (plus its few helper threads), not ten
    await Promise.all(pairs.map(({ c }) => sp.unregister(c.id)));
    expect(Spinner.channelCount).toBe(0);
    await until(() => threads() <= base);  // the worker thread is gone
  });

  it('streams a reply larger than the REP ring and the inbox, byte-exact', async () => {
    const { c, p } = pair(65536);
    const s = sink();
    Spinner.get().register(c.id, s, 16384);
    const size = 8 * 1024 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    const msg = Buffer.concat([Buffer.from(`$${size}\r\n`), body, Buffer.from('\r\n+DONE\r\n')]);
    let off = 0;
    await new Promise<void>((resolve) => {
      const step = (): void => {
        off += p.write(msg, off, msg.length - off);
        p.wakeServer();
        if (off < msg.length) setImmediate(step); else resolve();
      };
      step();
    });
    await until(() => s.chunks.reduce((n, b) => n + b.length, 0) === msg.length, 20000);
    expect(Buffer.concat(s.chunks).equals(msg)).toBe(true);
    await Spinner.get().unregister(c.id);
  });

  it('reports a segment closed by the server after delivering its last reply', async () => {
    const { c, p } = pair();
    const s = sink();
    Spinner.get().register(c.id, s);
    p.write(Buffer.from('+last\r\n'));
    p.markClosed('server');
    await until(() => s.ends.length > 0);
    expect(s.text).toBe('+last\r\n');
    expect(s.ends).toEqual(['closed']);
    await Spinner.get().unregister(c.id);
  });

  it('reports hostile REP indices as corrupt and keeps serving other channels', async () => {
    const bad = pair();
    const good = pair();
    const sb = sink(), sg = sink();
    const sp = Spinner.get();
    sp.register(bad.c.id, sb);
    sp.register(good.c.id, sg);
    const fd = openSync(`/dev/shm${bad.c.name}`, 'r+');
    const v = Buffer.alloc(8);
    v.writeBigUInt64LE(1n << 40n);
    writeSync(fd, v, 0, 8, 320);  // REP tail far past capacity
    closeSync(fd);
    bad.p.wakeServer();
    await until(() => sb.ends.length > 0);
    expect(sb.ends).toEqual(['corrupt']);
    expect(sb.chunks).toEqual([]);
    good.p.write(Buffer.from(':7\r\n'));
    good.p.wakeServer();
    await until(() => sg.text === ':7\r\n');
    await Promise.all([sp.unregister(bad.c.id), sp.unregister(good.c.id)]);
  });

  it('hands REP ownership back: after unregister resolves the main thread reads the ring itself', async () => {
    const { c, p, s, sp } = registered();
    reply(p, '+one\r\n');
    await until(() => s.text === '+one\r\n');
    await sp.unregister(c.id);          // the worker has let go of REP and of its handle
    reply(p, '+two\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(s.text).toBe('+one\r\n');   // nothing more delivered through the spinner
    const b = Buffer.alloc(16);
    expect(c.waitData(0, 1e9)).toBe(6);
    expect(b.subarray(0, c.read(b)).toString()).toBe('+two\r\n');
  });

  it('poll() delivers published bytes synchronously for a busy-polling caller', async () => {
    const { c, p, s, sp } = registered();
    reply(p, ':5\r\n');
    const end = Date.now() + 5000;
    while (s.text === '' && Date.now() < end) sp.poll(c.id);  // no await: the event loop never runs
    expect(s.text).toBe(':5\r\n');
    expect(sp.poll(c.id)).toBe(false);   // nothing new
    expect(sp.poll(123456)).toBe(false); // not registered
    await sp.unregister(c.id);
  });

  it('does not spin while idle: after a reply, the process burns little CPU with a channel open', async () => {
    const { c, p, s, sp } = registered();
    reply(p, '+warm\r\n');
    await until(() => s.text === '+warm\r\n');
    await new Promise((r) => setTimeout(r, 50));   // past the 50 us spin budget: the worker parks
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const used = process.cpuUsage(before);
    // a worker spinning through the idle half second would account for ~500 ms of CPU
    expect((used.user + used.system) / 1000).toBeLessThan(150);
    reply(p, '+again\r\n');  // and a parked worker still wakes for new data
    await until(() => s.text === '+warm\r\n+again\r\n');
    await sp.unregister(c.id);
  });

  it('a sink that polls from inside onData does not get the same bytes twice', async () => {
    const { c, p } = pair();
    const sp = Spinner.get();
    const chunks: string[] = [];
    sp.register(c.id, {
      onData(b) { chunks.push(Buffer.from(b).toString()); sp.poll(c.id); sp.poll(); },
      onEnd() {},
    });
    reply(p, ':1\r\n');
    await until(() => chunks.length > 0);
    reply(p, ':2\r\n');
    await until(() => chunks.join('') === ':1\r\n:2\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(chunks.join('')).toBe(':1\r\n:2\r\n');
    await sp.unregister(c.id);
  });

  it('a direct-read request withdrawn after the worker granted it hands REP back (no doorbell is left to do it)', async () => {
    const { c, p, s, sp } = registered();
    // Ask for REP and let the worker grant it.
    expect(sp.claim(c.id)).toBe(CLAIM_NO);
    const hdr = (sp as unknown as { regs: Map<number, { hdr: Int32Array }> }).regs.get(c.id)!.hdr;
    const end = Date.now() + 5000;
    while (Atomics.load(hdr, IN_OWNER) !== OWNER_MAIN && Date.now() < end) { /* no await: no drain can run */ }
    expect(Atomics.load(hdr, IN_OWNER)).toBe(OWNER_MAIN);
    await new Promise((r) => setTimeout(r, 20));  // the grant's doorbell is served while the request still stands
    expect(Atomics.load(hdr, IN_OWNER)).toBe(OWNER_MAIN);
    sp.release(c.id, false);  // withdrawn without claiming again
    // REP must be the worker's again: a reply written now arrives through the doorbell.
    reply(p, '+late\r\n');
    await until(() => s.text === '+late\r\n', 3000);
    expect(Atomics.load(hdr, IN_OWNER)).toBe(OWNER_WORKER);
    await sp.unregister(c.id);
  });
});

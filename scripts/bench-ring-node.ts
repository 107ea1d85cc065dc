// The ring through the addon, between Node threads (no redis-server involved):
//  1. round trip worker <-> worker through one segment (client endpoint in one worker, the
//     test-only peer endpoint in the other), both sides spinning, and both parking (futex);
//  2. streaming throughput worker -> worker through a 1 MiB ring;
//  3. the spinner handoff: the main thread's event loop writes a request, a peer worker
//     echoes it, the spinner worker moves the reply into the inbox and rings the doorbell
//     (Atomics.waitAsync); beside it, the main thread blocking in waitData (sync-API style);
//  4. with --server: the same channel against a real redis-server with the module (started
//     here): sequential PING over the Unix socket, over a ShmChannel (spinner + doorbell),
//     and over the same segment with the main thread blocking in waitData.
// Variants run interleaved in rounds so host noise hits them alike; the per-round medians
// show how much a result depends on where the scheduler put the threads that round.
//
//   npx tsc -p tsconfig.json && node dist/scripts/bench-ring-node.js [--quick] [--server]
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { Segment } from '../src/native/segment.js';
import { Spinner } from '../src/spinner/spinner.js';
import { startServer } from '../src/cli/server.js';
import { formatArgv } from '../src/format/argv.js';
import { Reader } from '../src/resp/reader.js';
import { SocketChannel } from '../src/transport/socket.js';
import { openShm } from '../src/transport/shm-open.js';

const QUICK = process.argv.includes('--quick');
const SERVER = process.argv.includes('--server');
const MSG = Buffer.from('*1\r\n$4\r\nPING\r\n');  // 14 bytes each way

type Job =
  | { role: 'echo'; peerId: number; stop: Int32Array; spinNs: number; yieldSpin?: boolean }
  | { role: 'ping'; clientId: number; n: number; spinNs: number; yieldSpin: boolean }
  | { role: 'sink'; peerId: number; bytes: number; spinNs: number }
  | { role: 'source'; clientId: number; bytes: number; chunk: number; spinNs: number };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(ns: number[]): { p50: number; p99: number; min: number } {
  const s = [...ns].sort((a, b) => a - b);
  return { p50: pct(s, 50) / 1000, p99: pct(s, 99) / 1000, min: s[0]! / 1000 };
}

// ---------------- worker roles ----------------

function echo(j: Extract<Job, { role: 'echo' }>): void {
  const p = Segment.attach(j.peerId);
  const buf = Buffer.alloc(65536);
  while (Atomics.load(j.stop, 0) === 0) {
    if (p.waitData(j.spinNs, 20e6, j.yieldSpin ?? true) === 0) continue;
    const n = p.read(buf);
    p.wakeServerSpace();
    let off = 0;
    while (off < n) { off += p.write(buf, off, n - off); p.wakeServer(); }
  }
  p.close();
}

function ping(j: Extract<Job, { role: 'ping' }>): number[] {
  const c = Segment.attach(j.clientId);
  const buf = Buffer.alloc(256);
  const out: number[] = [];
  for (let i = 0; i < j.n; i++) {
    const t0 = process.hrtime.bigint();
    c.write(MSG);
    c.wakeServer();
    let got = 0;
    while (got < MSG.length) { if (c.waitData(j.spinNs, 1e9, j.yieldSpin) > 0) got += c.read(buf); }
    out.push(Number(process.hrtime.bigint() - t0));
  }
  c.close();
  return out;
}

function source(j: Extract<Job, { role: 'source' }>): void {
  const c = Segment.attach(j.clientId);
  const chunk = Buffer.alloc(j.chunk, 0x61);
  let sent = 0;
  while (sent < j.bytes) {
    const n = c.write(chunk, 0, Math.min(chunk.length, j.bytes - sent));
    if (n > 0) { sent += n; c.wakeServer(); } else c.waitSpace(j.chunk, j.spinNs, 1e9);
  }
  c.close();
}

function sink(j: Extract<Job, { role: 'sink' }>): number {
  const p = Segment.attach(j.peerId);
  const buf = Buffer.alloc(256 * 1024);
  let got = 0;
  const t0 = process.hrtime.bigint();
  while (got < j.bytes) {
    if (p.waitData(j.spinNs, 1e9) === 0) continue;
    got += p.read(buf);
    p.wakeServerSpace();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  p.close();
  return ns;
}

if (!isMainThread) {
  const j = workerData as Job;
  if (j.role === 'echo') { echo(j); parentPort!.postMessage(null); }
  else if (j.role === 'ping') parentPort!.postMessage(ping(j));
  else if (j.role === 'source') { source(j); parentPort!.postMessage(null); }
  else parentPort!.postMessage(sink(j));
}

// ---------------- main thread ----------------

function run<T>(job: Job): { done: Promise<T>; worker: Worker } {
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  const done = new Promise<T>((res, rej) => { worker.once('message', res); worker.once('error', rej); });
  return { done, worker };
}

function pair(cap: number): { c: Segment; p: Segment } {
  const c = Segment.create({ reqCapacity: cap, repCapacity: cap });
  const p = Segment.openPeer(c.name);
  c.unlink();
  return { c, p };
}

async function workerRoundTrip(spinNs: number, n: number, yieldSpin: boolean): Promise<number[]> {
  const { c, p } = pair(65536);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const e = run<null>({ role: 'echo', peerId: p.id, stop, spinNs, yieldSpin });
  const samples = await run<number[]>({ role: 'ping', clientId: c.id, n, spinNs, yieldSpin }).done;
  Atomics.store(stop, 0, 1);
  await e.done;
  c.close(); p.close();
  return samples.slice(Math.floor(n / 10));  // drop warm-up
}

async function streaming(bytes: number): Promise<number> {
  const { c, p } = pair(1 << 20);
  const s = run<number>({ role: 'sink', peerId: p.id, bytes, spinNs: 50_000 });
  await run<null>({ role: 'source', clientId: c.id, bytes, chunk: 65536, spinNs: 50_000 }).done;
  const ns = await s.done;
  c.close(); p.close();
  return bytes / (ns / 1e9) / (1 << 20);  // MiB/s
}

/** Main thread (event loop) -> echo worker -> spinner -> doorbell -> main thread. */
async function spinnerRoundTrip(n: number, direct: boolean, yieldSpin = true, kick = true): Promise<number[]> {
  Spinner.configure({ yieldSpin });
  const { c, p } = pair(65536);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const e = run<null>({ role: 'echo', peerId: p.id, stop, spinNs: 50_000, yieldSpin });
  const out: number[] = [];
  if (direct) {
    const buf = Buffer.alloc(256);
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      c.write(MSG); c.wakeServer();
      let got = 0;
      while (got < MSG.length) { if (c.waitData(50_000, 1e9, yieldSpin) > 0) got += c.read(buf); }
      out.push(Number(process.hrtime.bigint() - t0));
      if ((i & 255) === 0) await new Promise((r) => setImmediate(r));
    }
  } else {
    let resolve: () => void = () => {};
    let got = 0;
    Spinner.get().register(c.id, { onData(ch) { got += ch.length; if (got >= MSG.length) { got = 0; resolve(); } }, onEnd() {} });
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const p1 = new Promise<void>((r) => { resolve = r; });
      c.write(MSG); c.wakeServer();
      if (kick) Spinner.get().expectReply();  // what ShmChannel.write does
      await p1;
      out.push(Number(process.hrtime.bigint() - t0));
    }
    await Spinner.get().unregister(c.id);
  }
  Atomics.store(stop, 0, 1);
  await e.done;
  c.close(); p.close();
  return out.slice(Math.floor(n / 10));
}

/** Sequential PING round trips against a real redis-server with the module, interleaved. */
async function serverRoundTrips(rounds: number, n: number): Promise<Record<string, number[]>> {
  const srv = await startServer();
  const PING = Buffer.from('*1\r\n$4\r\nPING\r\n');
  const out: Record<string, number[]> = {};
  let resolve: () => void = () => {};
  try {
    const unix = await SocketChannel.connect({ path: srv.socket }, { onData: () => resolve(), onClose() {} });
    // the lifeline with a tiny command runner for SHM.OPEN
    const reader = new Reader();
    const waiting: Array<(r: unknown) => void> = [];
    const life = await SocketChannel.connect({ path: srv.socket }, {
      onData(c) { reader.feed(c); for (let r = reader.getReply(); r !== undefined; r = reader.getReply()) waiting.shift()?.(r); },
      onClose() {},
    });
    const command = (args: Array<string | Uint8Array>): Promise<unknown> => new Promise((res) => {
      waiting.push(res);
      life.write(formatArgv(args));
    });
    const opened = await openShm({ lifeline: life, command, handlers: { onData: () => resolve(), onClose() {} } });
    if (typeof opened === 'string') throw new Error(`shm unavailable: ${opened}`);
    const ch = opened.channel;
    const time = async (label: string, one: () => Promise<void> | void): Promise<void> => {
      const v: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await one();
        v.push(Number(process.hrtime.bigint() - t0));
      }
      (out[label] ??= []).push(...v.slice(Math.floor(n / 10)));
    };
    const viaChannel = (c: { write(b: Uint8Array): void }) => (): Promise<void> => {
      const p = new Promise<void>((r) => { resolve = r; });
      c.write(PING);
      return p;
    };
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(`server round ${r + 1}/${rounds}\n`);
      await time('PING, Unix socket (SocketChannel, event loop)', viaChannel(unix));
      await time('PING, shm (ShmChannel: spinner + doorbell, event loop)', viaChannel(ch));
    }
    // Last: hand REP to the main thread for good and block in waitData (what the sync API does).
    const seg = (ch as unknown as { seg: Segment }).seg;
    await (ch as unknown as { spinner: Spinner }).spinner.unregister(seg.id);
    const buf = Buffer.alloc(64);
    for (let r = 0; r < rounds; r++) {
      await time('PING, shm, main thread blocking in waitData (sync style)', () => {
        seg.write(PING);
        seg.wakeServer();
        let got = 0;
        while (got < 7) { if (seg.waitData(50_000, 1e9) > 0) got += seg.read(buf); }
      });
      await time('PING, Unix socket (SocketChannel, interleaved with the row above)', viaChannel(unix));
    }
    ch.close(); life.close(); unix.close();
  } finally {
    await srv.stop();
  }
  return out;
}

function fmt(label: string, s: { p50: number; p99: number; min: number }): string {
  return `| ${label} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.min.toFixed(2)} |`;
}

async function main(): Promise<void> {
  const rounds = QUICK ? 1 : 5;
  const n = QUICK ? 2000 : 6000;
  const acc: Record<string, number[]> = {};
  const perRound: Record<string, number[]> = {};
  const add = (k: string, v: number[]): void => {
    (acc[k] ??= []).push(...v);
    (perRound[k] ??= []).push(summary(v).p50);
  };
  const mib: number[] = [];
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
    add('worker <-> worker, both spinning (pure spin)', await workerRoundTrip(1e9, n, false));
    add('worker <-> worker, both spinning, yielding after 2 us', await workerRoundTrip(1e9, n, true));
    add('worker <-> worker, both parking (futex wake each way)', await workerRoundTrip(0, Math.floor(n / 4), false));
    add('main (event loop) -> echo worker -> spinner -> doorbell -> main', await spinnerRoundTrip(Math.floor(n / 2), false));
    add('same, spinner and echo spinning without yielding', await spinnerRoundTrip(Math.floor(n / 2), false, false));
    add('same, without waking a parked spinner at write (expectReply)', await spinnerRoundTrip(Math.floor(n / 2), false, true, false));
    add('main blocking in waitData (sync style) <-> echo worker', await spinnerRoundTrip(Math.floor(n / 2), true));
    add('same, spinning without yielding (both sides)', await spinnerRoundTrip(Math.floor(n / 2), true, false));
    mib.push(await streaming(QUICK ? 256 << 20 : 1 << 30));
  }
  console.log('| round trip, 14 B each way | p50 µs | p99 µs | min µs | p50 per round µs |');
  console.log('|---|---:|---:|---:|---|');
  for (const [k, v] of Object.entries(acc)) {
    console.log(`${fmt(k, summary(v))} ${(perRound[k] ?? []).map((x) => x.toFixed(1)).join(', ')} |`);
  }
  console.log('');
  console.log(`streaming worker -> worker through a 1 MiB ring, 64 KiB writes: ${mib.map((x) => x.toFixed(0)).join(', ')} MiB/s (per round)`);
  if (SERVER) {
    const res = await serverRoundTrips(rounds, QUICK ? 1000 : 4000);
    console.log('');
    console.log('| against redis-server 7.0 + module, sequential | p50 µs | p99 µs | min µs |');
    console.log('|---|---:|---:|---:|');
    for (const [k, v] of Object.entries(res)) console.log(fmt(k, summary(v)));
  }
}

if (isMainThread) await main();

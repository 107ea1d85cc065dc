// Intermittent traffic ("burst", issue 11) and the sequential round trip, over shm and the
// Unix socket side by side: redis-shm's promise client over shm (default policy, and the
// always-spinning policy), the same client over the Unix socket, and ioredis over the Unix
// socket, all in one process against one server. Rounds alternate the configurations (the
// order rotates every round) so host noise hits them alike; the table gives the median of
// the per-round figures and the worst round, and the CPU (client process, server process)
// each configuration used while it ran. Each configuration connects at the start of its
// slot and disconnects at its end (an always-spinning session would otherwise keep the
// server's thread spinning through the other configurations' slots).
//
// Workloads:
//   burst-1ms      one GET every 1 ms (setTimeout), p50/p99 per GET  (src/bench/burst.ts, as
//   burst-10x10ms  10 GETs issued together every 10 ms, p50/p99 per GET  in `redis-shm bench`)
//   ping-seq  sequential PING, p50/p99
//   first-after-idle  one GET after 1 s without traffic (3 per slot); the CPU columns of
//             this row are then the client's and the server's CPU while idle
//
// Run:  npm run build:ts && node dist/scripts/bench-burst.js [--rounds 5] [--ms 600] [--only 'shm,ioredis'] [--workloads burst-1ms,burst-10x10ms,ping-seq]
import { Redis } from 'ioredis';
import { loadavg } from 'node:os';
import { startServer } from '../src/cli/server.js';
import { createClient } from '../src/client/index.js';
import type { ClientOptions } from '../src/client/options.js';
import { BURST_SHAPES, burstFor } from '../src/bench/burst.js';
import { procCpuSeconds, selfCpuSeconds } from '../src/bench/proc-cpu.js';
import { median } from '../src/bench/rounds.js';
import { Samples } from '../src/bench/stats.js';

interface Conf { name: string; get(k: string): Promise<unknown>; ping(): Promise<unknown>; close(): void }

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function ours(path: string, name: string, opts: ClientOptions): Promise<Conf> {
  const c = createClient({ path, ...opts });
  await c.connect();
  return { name, get: (k) => c.get(k), ping: () => c.ping(), close: () => c.disconnect() };
}

async function ioredis(path: string): Promise<Conf> {
  const c = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return { name: 'ioredis unix', get: (k) => c.get(k), ping: () => c.ping(), close: () => c.disconnect() };
}

/** Samples are microseconds. */
type Workload = (c: Conf, ms: number, out: Samples) => Promise<void>;

const WORKLOADS: Record<string, Workload> = {
  ...Object.fromEntries(BURST_SHAPES.map((shape) => [shape.name, ((c, ms, out) => burstFor(() => c.get('k'), shape, ms, out)) satisfies Workload])),
  async 'first-after-idle'(c, ms, out) {
    if (ms < 100) return;  // (no warm-up rounds of 1 s)
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      const t0 = performance.now();
      await c.get('k');
      out.add((performance.now() - t0) * 1000);
    }
  },
  async 'ping-seq'(c, ms, out) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        await c.ping();
        out.add((performance.now() - t0) * 1000);
      }
    }
  },
};

const fmt = (us: number): string => (us >= 100 ? us.toFixed(0) : us.toFixed(1));

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '5'));
  const ms = Number(arg('ms', '600'));
  const wls = arg('workloads', 'burst-1ms,burst-10x10ms,ping-seq').split(',');
  for (const wl of wls) if (!WORKLOADS[wl]) throw new Error(`unknown workload ${wl} (one of ${Object.keys(WORKLOADS).join(', ')})`);
  const srv = await startServer();
  const path = srv.socket;
  try {
    const confs: Array<{ name: string; open(): Promise<Conf> }> = [
      { name: 'redis-shm shm promise (default)', open: () => ours(path, 'redis-shm shm promise (default)', { transport: 'shm' }) },
      { name: "redis-shm shm promise spin:'always'", open: () => ours(path, "redis-shm shm promise spin:'always'", { transport: 'shm', spin: 'always' }) },
      { name: 'redis-shm unix promise', open: () => ours(path, 'redis-shm unix promise', { transport: 'socket' }) },
      { name: 'ioredis unix', open: () => ioredis(path) },
    ];
    const only = arg('only', '');
    const chosen = only ? confs.filter((c) => only.split(',').some((w) => c.name.includes(w))) : confs;
    // per workload, per conf: per-round p50, p99, client cpu %, server cpu %
    const res = new Map<string, { p50: number[]; p99: number[]; cpu: number[]; scpu: number[] }>();
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      for (const wl of wls) {
        for (let i = 0; i < chosen.length; i++) {
          const c = await chosen[(i + r) % chosen.length]!.open();
          await WORKLOADS[wl]!(c, 50, new Samples());
          const out = new Samples();
          const t0 = performance.now(), c0 = selfCpuSeconds(), s0 = procCpuSeconds(srv.pid) ?? 0;
          await WORKLOADS[wl]!(c, ms, out);
          const secs = (performance.now() - t0) / 1000;
          const cpu = (100 * (selfCpuSeconds() - c0)) / secs, scpu = (100 * ((procCpuSeconds(srv.pid) ?? 0) - s0)) / secs;
          const key = `${wl}\t${c.name}`;
          const e = res.get(key) ?? { p50: [], p99: [], cpu: [], scpu: [] };
          const sum = out.summary();
          e.p50.push(sum.p50); e.p99.push(sum.p99); e.cpu.push(cpu); e.scpu.push(scpu);
          res.set(key, e);
          c.close();
          await sleep(20);  // the server sees the session end before the next slot
        }
      }
    }
    const load1 = loadavg()[0]!;
    console.log(`${rounds} alternating rounds x ${ms} ms per configuration and workload; 1-min load ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
    console.log('| workload | configuration | p50 µs median (worst) | p99 µs median (worst) | client CPU % | server CPU % |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const [key, e] of res) {
      const [wl, name] = key.split('\t');
      console.log(`| ${wl} | ${name} | ${fmt(median(e.p50))} (${fmt(Math.max(...e.p50))}) | ${fmt(median(e.p99))} (${fmt(Math.max(...e.p99))}) | ${median(e.cpu).toFixed(0)} | ${median(e.scpu).toFixed(0)} |`);
    }
  } finally {
    await srv.stop();
  }
}

await main();

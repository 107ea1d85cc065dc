// BullMQ jobs per second over shm (ioredis with redis-shm/ioredis's connector) against the
// same workload over the Unix socket (plain ioredis), in one run, rounds alternating.
// A round: a fresh queue; a producer adds `--jobs` small jobs in bulks of 100 while a Worker
// (concurrency `--concurrency`) processes them, 10 % failing once and retried; the clock runs
// from the first add to the last completion. Producer and worker share this process, the
// server runs beside it. The host is shared: compare the rows of one run only.
//
// The table also gives the server's EVALSHA time per call in each round (INFO commandstats,
// reset before the round): the scripts BullMQ runs are the same over both transports.
// `--only socket|shm` runs one transport alone (for a profiler: node --cpu-prof, perf).
//
// Rows: socket (plain ioredis), shm (ShmConnector, serving threads), shm-main (serve: 'main').
// Run:  npm run build:ts && node dist/scripts/bench-bullmq.js [--rounds 5] [--jobs 5000] [--concurrency 8] [--only shm|shm-main|socket]
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { loadavg } from 'node:os';
import { percentile } from '../src/bench/stats.js';
import { startServer } from '../src/cli/server.js';
import { createShmConnector } from '../src/ioredis/index.js';

/** 'shm-main': the connector with serve: 'main' (sessions served by the server's main thread). */
type Transport = 'socket' | 'shm' | 'shm-main';
const TRANSPORTS: Transport[] = ['socket', 'shm', 'shm-main'];

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** New ioredis connections for BullMQ (which duplicates them for its blocking ones). */
async function connections(path: string, transport: Transport): Promise<() => Redis> {
  const options = { path, maxRetriesPerRequest: null };
  if (transport === 'socket') return () => new Redis(options);
  const Connector = transport === 'shm-main' ? createShmConnector({ serve: 'main' }) : createShmConnector({ serve: 'thread' });
  return () => new Redis({ ...options, Connector });
}

/** One round: jobs per second from the first add to the last completion. */
async function round(connect: () => Redis, queueName: string, jobs: number, concurrency: number): Promise<number> {
  const own = [connect(), connect()];
  const queue = new Queue(queueName, { connection: own[0]! });
  const failedOnce = new Set<string>();
  let completed = 0;
  let finish: () => void = () => undefined;
  const allDone = new Promise<void>((res) => { finish = res; });
  const worker = new Worker(queueName, async (job: Job) => {
    const i = (job.data as { i: number }).i;
    if (i % 10 === 0 && !failedOnce.has(job.id!)) { failedOnce.add(job.id!); throw new Error('fails once'); }
    return i;
  }, { connection: own[1]!, concurrency, autorun: false });
  worker.on('completed', () => { if (++completed === jobs) finish(); });
  worker.on('error', (e) => { console.error(`worker: ${e.message}`); });
  await queue.waitUntilReady();
  await worker.waitUntilReady();
  const t0 = performance.now();
  void worker.run();
  for (let from = 0; from < jobs; from += 100) {
    const bulk = [];
    for (let i = from; i < Math.min(jobs, from + 100); i++) bulk.push({ name: 'j', data: { i }, opts: { attempts: 2, removeOnComplete: true } });
    await queue.addBulk(bulk);
  }
  await allDone;
  const rate = jobs / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  for (const c of own) c.disconnect();
  return rate;
}

async function main(): Promise<void> {
  const rounds = Math.max(3, arg('rounds', 5));
  const jobs = arg('jobs', 5000);
  const concurrency = arg('concurrency', 8);
  const srv = await startServer();
  try {
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] as Transport : undefined;
    if (only !== undefined && !TRANSPORTS.includes(only)) throw new Error(`--only takes ${TRANSPORTS.join(', ')}`);
    const order: Transport[] = only ? [only] : TRANSPORTS;
    const admin = new Redis({ path: srv.socket });
    const evalshaUs = async (): Promise<number> => {
      const m = /cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(await admin.info('commandstats'));
      return m ? Number(m[1]) : NaN;
    };
    const connect = Object.fromEntries(await Promise.all(TRANSPORTS.map(async (t) => [t, await connections(srv.socket, t)] as const))) as Record<Transport, () => Redis>;
    // warm-up (script loading, JIT), not counted
    for (const t of order) await round(connect[t], `warm-${t}`, 500, concurrency);
    const rates: Record<Transport, number[]> = { socket: [], shm: [], 'shm-main': [] };
    const scriptUs: Record<Transport, number[]> = { socket: [], shm: [], 'shm-main': [] };
    const ratios: Record<Transport, number[]> = { socket: [], shm: [], 'shm-main': [] };
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      const now = order.map((_, i) => order[(i + r) % order.length]!);   // the order rotates
      const got: Partial<Record<Transport, number>> = {};
      for (const t of now) {
        await admin.config('RESETSTAT');
        got[t] = await round(connect[t], `bench-${r}-${t}`, jobs, concurrency);
        rates[t].push(got[t]);
        scriptUs[t].push(await evalshaUs());
      }
      if (!only) for (const t of order) ratios[t].push(got[t]! / got.socket!);
      console.error(`round ${r + 1}: ${order.map((t) => `${t} ${got[t]!.toFixed(0)} jobs/s`).join(', ')}`);
    }
    const load1 = loadavg()[0]!;
    const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);
    console.log(`BullMQ ${rounds} alternating rounds x ${jobs} jobs (concurrency ${concurrency}, 10 % retried once), ioredis over the Unix socket vs over shm; 1-min load ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
    console.log('| transport | jobs/s (median of rounds) | jobs/s (worst round) | server µs per EVALSHA, median (worst) |');
    console.log('|---|---:|---:|---:|');
    for (const t of order) console.log(`| ioredis ${t} | ${median(rates[t]).toFixed(0)} | ${Math.min(...rates[t]).toFixed(0)} | ${median(scriptUs[t]).toFixed(1)} (${Math.max(...scriptUs[t]).toFixed(1)}) |`);
    if (!only) {
      console.log('');
      for (const t of order) if (t !== 'socket') console.log(`${t} / socket, per round: median ${median(ratios[t]).toFixed(2)}x, worst ${Math.min(...ratios[t]).toFixed(2)}x`);
    }
    admin.disconnect();
  } finally {
    await srv.stop();
  }
}

await main();

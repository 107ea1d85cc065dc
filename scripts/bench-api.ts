// Sequential round trip (PING) by API and adapter, over shm and over the Unix socket, all in
// one run with the configurations interleaved round by round (the host is shared and noisy:
// compare rows of the same run, not across runs).
//
// Run:  npm run build:ts && node dist/scripts/bench-api.js [--rounds 5] [--n 2000] [--only 'shm,ioredis']
import { Redis } from 'ioredis';
import { loadavg } from 'node:os';
import { redisBusyPollAttach } from '../adapters/busy-poll.js';
import { redisNativeAttach } from '../adapters/native.js';
import { redisNodeAttach } from '../adapters/node.js';
import { redisPollAttach, redisPollTick } from '../adapters/poll.js';
import { redisAsyncConnectUnix, type AsyncContext } from '../src/async/index.js';
import { startServer } from '../src/cli/server.js';
import { createClient } from '../src/client/index.js';
import { redisCommand, redisConnectUnix, redisFree } from '../src/sync/api.js';
import { REDIS_OK } from '../src/resp/types.js';

type Transport = 'shm' | 'socket';
interface Runner { name: string; transport: Transport; run(n: number, out: number[]): Promise<void>; close(): void }

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function syncRunner(path: string, transport: Transport): Runner {
  const c = redisConnectUnix(path, { transport });
  if (c.err) throw new Error(c.errstr);
  return {
    name: 'sync (main thread waits)', transport,
    async run(n, out) {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = redisCommand(c, 'PING');
        out.push(performance.now() - t0);
        if (!r) throw new Error(c.errstr);
      }
    },
    close() { redisFree(c); },
  };
}

async function asyncRunner(path: string, transport: Transport, name: string, attach: (ac: AsyncContext) => number, tick?: (ac: AsyncContext) => void): Promise<Runner> {
  const ac = redisAsyncConnectUnix(path, { transport });
  if (attach(ac) !== REDIS_OK) throw new Error('attach failed');
  await new Promise<void>((res, rej) => ac.setConnectCallback((c, s) => (s === REDIS_OK ? res() : rej(new Error(c.errstr)))));
  return {
    name, transport,
    async run(n, out) {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await new Promise<void>((res, rej) => {
          let done = false;
          ac.commandArgv((_c, r) => { done = true; out.push(performance.now() - t0); if (r) res(); else rej(new Error(ac.errstr)); }, undefined, ['PING']);
          if (tick) {
            const loop = (): void => { if (done) return; tick(ac); setImmediate(loop); };
            setImmediate(loop);
          }
        });
      }
    },
    close() { ac.free(); },
  };
}

/** `n` sequential awaited calls of `ping`, each one's milliseconds into `out`. */
function timedLoop(ping: () => Promise<unknown>): Runner['run'] {
  return async (n, out) => {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ping();
      out.push(performance.now() - t0);
    }
  };
}

async function promiseRunner(path: string, transport: Transport, name: string, adapter?: (ac: AsyncContext) => unknown): Promise<Runner> {
  const c = createClient({ path, transport, adapter });
  await c.connect();
  return { name, transport, run: timedLoop(() => c.ping()), close() { c.disconnect(); } };
}

/** The reference the targets are stated against: ioredis (default options) over the Unix socket. */
async function ioredisRunner(path: string): Promise<Runner> {
  const c = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return { name: 'ioredis (reference)', transport: 'socket', run: timedLoop(() => c.ping()), close() { c.disconnect(); } };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 5);
  const n = arg('n', 2000);
  const srv = await startServer();
  const sock = srv.socket;
  try {
    const runners: Runner[] = [];
    for (const t of ['shm', 'socket'] as const) {
      runners.push(syncRunner(sock, t));
      runners.push(await asyncRunner(sock, t, 'async + node adapter', redisNodeAttach));
      runners.push(await asyncRunner(sock, t, 'async + busy-poll adapter', (ac) => redisBusyPollAttach(ac)));
      runners.push(await asyncRunner(sock, t, 'async + poll adapter (tick per setImmediate)', redisPollAttach, (ac) => { redisPollTick(ac); }));
      runners.push(await asyncRunner(sock, t, 'async + native adapter', redisNativeAttach));
      runners.push(await promiseRunner(sock, t, 'promise client + node adapter', (ac) => redisNodeAttach(ac)));
      runners.push(await promiseRunner(sock, t, 'promise client (default: busy-poll adapter)'));
    }
    runners.push(await ioredisRunner(sock));
    const onlyAt = process.argv.indexOf('--only');
    if (onlyAt > 0) {
      // comma-separated: keep the rows whose "name transport" contains any of them
      const wants = (process.argv[onlyAt + 1] ?? '').split(',').map((w) => w.trim()).filter(Boolean);
      for (let i = runners.length - 1; i >= 0; i--) {
        const label = `${runners[i]!.name} ${runners[i]!.transport}`;
        if (!wants.some((w) => label.includes(w))) { runners[i]!.close(); runners.splice(i, 1); }
      }
    }
    const samples = runners.map(() => [] as number[]);
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < runners.length; i++) {
        const warm: number[] = [];
        await runners[i]!.run(50, warm);
        await runners[i]!.run(n, samples[i]!);
      }
    }
    const load1 = loadavg()[0]!;
    console.log(`PING sequential round trip, ${rounds} interleaved rounds x ${n} per configuration, Unix socket; 1-min load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on ${process.env.NPROC ?? '2'} vCPUs\n`);
    console.log('| API / adapter | transport | p50 µs | p99 µs | mean µs |');
    console.log('|---|---|---:|---:|---:|');
    runners.forEach((rn, i) => {
      const s = samples[i]!;
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      console.log(`| ${rn.name} | ${rn.transport} | ${(pct(s, 50) * 1000).toFixed(1)} | ${(pct(s, 99) * 1000).toFixed(1)} | ${(mean * 1000).toFixed(1)} |`);
    });
    for (const rn of runners) rn.close();
  } finally {
    await srv.stop();
  }
}

await main();

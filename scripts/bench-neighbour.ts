// A socket client's latency beside heavy shm traffic (issue 11: "a socket client's p99 beside
// the heaviest shm traffic <= 2x its p99 alone"). One server; the measured client is ioredis
// over the Unix socket in this process; the heavy traffic runs in a child process (its own
// event loop and CPU, as another application on the host would), over shm or, for
// comparison, over the socket with the same client and workload; shm neighbours run with the
// default serving threads (shm) and with serve: 'main' (shm-main). Rounds alternate the
// neighbours (the order rotates every round); the table gives the median and the worst round
// of the measured client's p50/p99, the per-round ratio p99 beside / p99 alone, and the
// neighbour's own ops/s.
//
// Measured shapes: get-seq (sequential GET, a closed loop) and burst-1ms (one GET every 1 ms).
// Neighbours: none; get-1000 (1000 concurrent GETs, again and again: the most commands per
// second); set-get-1mb (SET then GET of a 1 MB value, again and again: the longest copies
// under the server's lock).
//
// Run:  npm run build:ts && node dist/scripts/bench-neighbour.js [--rounds 5] [--ms 1500]
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startServer } from '../src/cli/server.js';
import { createClient } from '../src/client/index.js';
import { BURST_SHAPES, burstFor } from '../src/bench/burst.js';
import { median } from '../src/bench/rounds.js';
import { Samples } from '../src/bench/stats.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

type Heavy = 'get-1000' | 'set-get-1mb';
/** 'shm-main': over shm with serve: 'main' (the server's main thread serves the session). */
type Transport = 'shm' | 'shm-main' | 'socket';

/** Child mode: run `heavy` over `transport` until SIGTERM, then print the ops done and the seconds. */
async function child(path: string, heavy: Heavy, transport: Transport): Promise<void> {
  const c = createClient({ path, transport: transport === 'socket' ? 'socket' : 'shm', serve: transport === 'shm-main' ? 'main' : 'thread', returnBuffers: true });
  await c.connect();
  let ops = 0, stop = false;
  const t0 = performance.now();
  process.on('SIGTERM', () => { stop = true; });
  const big = Buffer.alloc(1 << 20, 120);
  const keys = Array.from({ length: 1000 }, (_, i) => `n${i}`);
  await c.set('n0', 'v');
  let said = false;
  while (!stop) {
    if (heavy === 'get-1000') {
      await Promise.all(keys.map((k) => c.get(k)));
      ops += 1000;
    } else {
      await c.set('big', big);
      await c.get('big');
      ops += 2;
    }
    if (!said && performance.now() - t0 > 300) { said = true; process.stdout.write('ready\n'); }
  }
  process.stdout.write(`done ${ops} ${((performance.now() - t0) / 1000).toFixed(3)}\n`);
  c.disconnect();
  process.exit(0);
}

interface Neighbour { name: string; heavy?: Heavy; transport?: Transport }

const NEIGHBOURS: Neighbour[] = [
  { name: 'alone' },
  { name: 'beside shm get-1000', heavy: 'get-1000', transport: 'shm' },
  { name: 'beside shm-main get-1000', heavy: 'get-1000', transport: 'shm-main' },
  { name: 'beside socket get-1000', heavy: 'get-1000', transport: 'socket' },
  { name: 'beside shm set-get-1mb', heavy: 'set-get-1mb', transport: 'shm' },
  { name: 'beside shm-main set-get-1mb', heavy: 'set-get-1mb', transport: 'shm-main' },
  { name: 'beside socket set-get-1mb', heavy: 'set-get-1mb', transport: 'socket' },
];

function startNeighbour(path: string, n: Neighbour): Promise<{ proc: ChildProcess; stop(): Promise<number> }> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', n.heavy!, '--transport', n.transport!, '--path', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('ready\n')) {
        proc.stdout!.off('data', onData);
        resolve({
          proc,
          stop: () => new Promise((res) => {
            let tail = '';
            proc.stdout!.on('data', (x: Buffer) => { tail += x.toString(); });
            proc.on('exit', () => {
              const m = /done (\d+) ([\d.]+)/.exec(tail);
              res(m ? Number(m[1]) / Number(m[2]) : NaN);
            });
            proc.kill('SIGTERM');
          }),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`neighbour ${n.name} exited early (${code})`)));
  });
}

type Shape = (c: Redis, ms: number, out: Samples) => Promise<void>;
const SHAPES: Record<string, Shape> = {
  async 'get-seq'(c, ms, out) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      await c.get('k');
      out.add((performance.now() - t0) * 1000);
    }
  },
  'burst-1ms': (c, ms, out) => burstFor(() => c.get('k'), BURST_SHAPES.find((s) => s.name === 'burst-1ms')!, ms, out),
};

const fmt = (us: number): string => (us >= 100 ? us.toFixed(0) : us.toFixed(1));

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '5'));
  const ms = Number(arg('ms', '1500'));
  const srv = await startServer();
  const c = new Redis({ path: srv.socket, lazyConnect: true });
  await c.connect();
  await c.set('k', 'v');
  type Cell = { p50: number[]; p99: number[]; ratio: number[]; ops: number[] };
  const res = new Map<string, Cell>();
  const load0 = loadavg()[0]!;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [shape, run] of Object.entries(SHAPES)) {
        const alone: number[] = [];
        const got: Array<[Neighbour, number, number, number]> = [];
        for (let i = 0; i < NEIGHBOURS.length; i++) {
          const n = NEIGHBOURS[(i + r) % NEIGHBOURS.length]!;
          const nb = n.heavy ? await startNeighbour(srv.socket, n) : null;
          await run(c, 100, new Samples());   // warm-up beside the neighbour, not counted
          const out = new Samples();
          await run(c, ms, out);
          const ops = nb ? await nb.stop() : NaN;
          const s = out.summary();
          if (!n.heavy) alone.push(s.p99);
          got.push([n, s.p50, s.p99, ops]);
          process.stderr.write(`round ${r + 1} ${shape} ${n.name}: p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} µs${nb ? `, neighbour ${ops.toFixed(0)} ops/s` : ''}\n`);
        }
        for (const [n, p50, p99, ops] of got) {
          const key = `${shape}\t${n.name}`;
          const e = res.get(key) ?? { p50: [], p99: [], ratio: [], ops: [] };
          e.p50.push(p50); e.p99.push(p99); e.ratio.push(p99 / alone[0]!); e.ops.push(ops);
          res.set(key, e);
        }
      }
    }
  } finally {
    c.disconnect();
    await srv.stop();
  }
  const load1 = loadavg()[0]!;
  console.log(`${rounds} alternating rounds x ${ms} ms per neighbour and shape; measured client: ioredis over the Unix socket; 1-min load ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
  console.log('| shape | neighbour | p50 µs median (worst) | p99 µs median (worst) | p99 / p99 alone, median (worst) | neighbour ops/s median (worst) |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [key, e] of res) {
    const [shape, name] = key.split('\t');
    const ops = e.ops.every((x) => Number.isNaN(x)) ? '-' : `${median(e.ops).toFixed(0)} (${Math.min(...e.ops).toFixed(0)})`;
    console.log(`| ${shape} | ${name} | ${fmt(median(e.p50))} (${fmt(Math.max(...e.p50))}) | ${fmt(median(e.p99))} (${fmt(Math.max(...e.p99))}) | ${median(e.ratio).toFixed(2)} (${Math.max(...e.ratio).toFixed(2)}) | ${ops} |`);
  }
}

if (process.argv.includes('--child')) await child(arg('path', ''), arg('child', 'get-1000') as Heavy, arg('transport', 'shm') as Transport);
else await main();

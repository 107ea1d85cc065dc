// Async round-trip latency of the async context over shm, the Unix socket and loopback TCP,
// side by side in one run against one redis-server (with ioredis over the Unix socket as a
// peer). Sequential: each command is sent from the previous one's callback. Transports are
// interleaved in short slices so host noise hits all of them alike. Optionally repeated on a
// loaded host (one niced busy-loop process per core), where wake-ups are cheap.
// The 'async echo' row is the context alone: an in-process channel answers at once.
//
//   npx tsc -p tsconfig.json && node dist/scripts/bench-async.js [--rounds 40] [--slice 500] [--loaded] [--json]
import { Redis } from 'ioredis';
import type { AsyncContext } from '../src/async/context.js';
import { connectAsync } from '../src/bench/async-calls.js';
import { startHostLoad } from '../src/bench/host-load.js';
import { startServer } from '../src/cli/server.js';

interface Client {
  name: string;
  /** Run `n` sequential round trips of `argv`, pushing each one's microseconds into `out`. */
  run(n: number, argv: string[], out: number[]): Promise<void>;
  close(): void;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function ctxClient(name: string, ac: AsyncContext): Client {
  return {
    name,
    run(n, argv, out) {
      return new Promise((resolve, reject) => {
        let left = n;
        let t0 = 0;
        const next = (): void => {
          t0 = performance.now();
          ac.commandArgv(onReply, null, argv);
        };
        const onReply = (_c: AsyncContext, r: unknown): void => {
          out.push((performance.now() - t0) * 1000);
          if (r === null) { reject(new Error(ac.errstr)); return; }
          if (--left > 0) next(); else resolve();
        };
        next();
      });
    },
    close() { ac.free(); },
  };
}

function ioredisClient(name: string, r: Redis): Client {
  return {
    name,
    async run(n, argv, out) {
      const [cmd, ...args] = argv;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await r.call(cmd!, ...args);
        out.push((performance.now() - t0) * 1000);
      }
    },
    close() { r.disconnect(); },
  };
}

const PONG = Buffer.from('+PONG\r\n');
const GET_REPLY = Buffer.from(`$100\r\n${'x'.repeat(100)}\r\n`);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 40);
  const slice = arg('slice', 500);
  const conditions = process.argv.includes('--loaded') ? ['idle', 'loaded'] : ['idle'];
  const srv = await startServer({ module: true });
  const clients: Client[] = [];
  const rows: Record<string, unknown>[] = [];
  try {
    const unixEp = { path: srv.socket };
    const shm = await connectAsync(unixEp, { transport: 'shm' });
    const unix = await connectAsync(unixEp, { transport: 'socket' });
    const tcp = await connectAsync({ host: '127.0.0.1', port: srv.port }, { transport: 'socket' });
    const io = new Redis({ path: srv.socket, lazyConnect: true });
    await io.connect();
    // The context's own cost: an in-process channel that answers every request at once
    // (a microtask later) with the reply a server would send, no server involved.
    const echo = await connectAsync(unixEp, {
      transport: 'shm',
      shmOpener: async ({ handlers }) => ({
        kind: 'shm' as const,
        write(bytes: Uint8Array) {
          const isGet = bytes[8] === 0x47 || bytes[8] === 0x67;
          const reply = isGet ? GET_REPLY : PONG;
          queueMicrotask(() => handlers.onData(reply));
        },
        close() { queueMicrotask(() => handlers.onClose()); },
      }),
    });
    clients.push(ctxClient('async shm', shm), ctxClient('async unix', unix), ctxClient('async tcp', tcp), ioredisClient('ioredis unix', io), ctxClient('async echo', echo));
    await ctxClient('x', shm).run(1, ['SET', 'bench:k', 'x'.repeat(100)], []);
    for (const condition of conditions) {
      const load = condition === 'loaded' ? await startHostLoad() : null;
      try {
        for (const argv of [['PING'], ['GET', 'bench:k']]) {
          const samples = new Map<string, number[]>(clients.map((c) => [c.name, []]));
          for (const c of clients) await c.run(2000, argv, []); // warm-up
          for (let round = 0; round < rounds; round++) {
            // rotate the order each round so no client always runs right after another
            for (let k = 0; k < clients.length; k++) {
              const c = clients[(round + k) % clients.length]!;
              await c.run(slice, argv, samples.get(c.name)!);
            }
          }
          for (const c of clients) {
            const s = samples.get(c.name)!.sort((a, b) => a - b);
            const mean = s.reduce((a, b) => a + b, 0) / s.length;
            rows.push({
              condition, command: argv[0], client: c.name, samples: s.length,
              min_us: +s[0]!.toFixed(1), p50_us: +pct(s, 50).toFixed(1), p99_us: +pct(s, 99).toFixed(1), mean_us: +mean.toFixed(1),
            });
          }
        }
      } finally {
        await load?.stop();
      }
    }
  } finally {
    for (const c of clients) c.close();
    await srv.stop();
  }
  if (process.argv.includes('--json')) { console.log(JSON.stringify(rows, null, 2)); return; }
  console.log('condition  command  client         samples   min_us   p50_us   p99_us  mean_us');
  for (const r of rows) {
    console.log(`${String(r.condition).padEnd(10)} ${String(r.command).padEnd(8)} ${String(r.client).padEnd(14)} ${String(r.samples).padStart(7)} ${String(r.min_us).padStart(8)} ${String(r.p50_us).padStart(8)} ${String(r.p99_us).padStart(8)} ${String(r.mean_us).padStart(8)}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

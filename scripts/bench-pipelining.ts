// Promise client throughput with many commands in flight (batches of 1000 concurrent INCR),
// autoPipelining 'tick' (default) vs 'immediate', over shm and the Unix socket, interleaved
// round by round in one run, in alternating order.
//
// Run:  npm run build:ts && node dist/scripts/bench-pipelining.js [--rounds 6]
import { loadavg } from 'node:os';
import { startServer } from '../src/cli/server.js';
import { createClient } from '../src/client/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 6);
  const srv = await startServer();
  const sock = srv.socket;
  try {
    const cfgs = (['shm', 'socket'] as const).flatMap((transport) => (['immediate', 'tick'] as const).map((autoPipelining) => ({ transport, autoPipelining })));
    const results = cfgs.map(() => [] as number[]);
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      // alternate the order each round: the slice that runs right after another looked faster
      for (let k = 0; k < cfgs.length; k++) {
        const i = r % 2 === 0 ? k : cfgs.length - 1 - k;
        const c = createClient({ path: sock, ...cfgs[i]! });
        await c.connect();
        await Promise.all(Array.from({ length: 1000 }, () => c.incr('warm')));
        const t0 = performance.now();
        for (let b = 0; b < 20; b++) await Promise.all(Array.from({ length: 1000 }, () => c.incr('n')));
        results[i]!.push(20000 / ((performance.now() - t0) / 1000));
        await c.quit();
      }
    }
    console.log(`20 x 1000 concurrent INCR per slice, ${rounds} interleaved rounds; 1-min load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}\n`);
    console.log('| transport | autoPipelining | median ops/s | all rounds (ops/s) |');
    console.log('|---|---|---:|---|');
    cfgs.forEach((c, i) => {
      const s = [...results[i]!].sort((a, b) => a - b);
      console.log(`| ${c.transport} | ${c.autoPipelining} | ${Math.round(s[Math.floor(s.length / 2)]!)} | ${results[i]!.map((x) => Math.round(x / 1000) + 'k').join(' ')} |`);
    });
  } finally {
    await srv.stop();
  }
}

await main();

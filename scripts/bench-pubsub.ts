// PUBLISH -> subscriber delivery latency: a publisher (promise client, over shm or the
// socket) publishes one message at a time and waits until the Subscriber's callback has it.
// Subscriptions always live on the socket (docs/api.md, routing rule), so the transport
// changes the PUBLISH leg. Configurations are interleaved round by round in one run.
//
// Run:  npm run build:ts && node dist/scripts/bench-pubsub.js [--rounds 5] [--n 2000]
import { loadavg } from 'node:os';
import { startServer } from '../src/cli/server.js';
import { createClient, type RedisClient } from '../src/client/index.js';
import { createSubscriber, type Subscriber } from '../src/pubsub/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Config { name: string; pub: RedisClient; sub: Subscriber; channel: string; samples: number[] }

async function main(): Promise<void> {
  const rounds = arg('rounds', 5);
  const n = arg('n', 2000);
  const srv = await startServer();
  const sock = srv.socket;
  try {
    const configs: Config[] = [];
    for (const [transport, resp] of [['shm', 2], ['socket', 2], ['shm', 3], ['socket', 3]] as const) {
      const pub = createClient({ path: sock, transport });
      await pub.connect();
      const sub = await createSubscriber({ path: sock, resp });
      configs.push({ name: `PUBLISH over ${transport}, subscriber RESP${resp}`, pub, sub, channel: `bench:${transport}:${resp}`, samples: [] });
    }
    let resolveNext: (() => void) | undefined;
    for (const c of configs) await c.sub.subscribe(c.channel, () => resolveNext?.());
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) {
        for (let i = 0; i < n + 50; i++) {
          const delivered = new Promise<void>((res) => { resolveNext = res; });
          const t0 = performance.now();
          void c.pub.publish(c.channel, 'm');
          await delivered;
          if (i >= 50) c.samples.push(performance.now() - t0);
        }
      }
    }
    const load1 = loadavg()[0]!;
    console.log(`PUBLISH -> subscriber callback, one message at a time, ${rounds} interleaved rounds x ${n}, Unix socket; 1-min load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
    console.log('| configuration | p50 µs | p99 µs | mean µs |');
    console.log('|---|---:|---:|---:|');
    for (const c of configs) {
      const mean = c.samples.reduce((a, b) => a + b, 0) / c.samples.length;
      console.log(`| ${c.name} | ${(pct(c.samples, 50) * 1000).toFixed(1)} | ${(pct(c.samples, 99) * 1000).toFixed(1)} | ${(mean * 1000).toFixed(1)} |`);
    }
    for (const c of configs) { await c.sub.quit(); await c.pub.quit(); }
  } finally {
    await srv.stop();
  }
}

await main();

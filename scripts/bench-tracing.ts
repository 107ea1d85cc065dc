// What the diagnostics_channel hooks cost the promise client: sequential PING over shm,
// one run, rounds alternating between
//   base        the promise client of another build (default: git ref `main`, compiled into
//               a temp dir; it has no tracing code at all),
//   no sub      this build, no subscriber (the path every user without a tracer takes),
//   subscribed  this build with a no-op subscriber on redis-shm:command (what tracing costs
//               when it is on; subscribed only during its own rounds).
// Each round's p50 and mean per configuration; the table gives their median over the rounds
// and the worst round. A second table: the same PINGs 1000 at a time in flight, where the
// client's own CPU per command (which the hooks add to) weighs most: µs per command.
// The host is shared: compare rows of one run only.
//
// Run:  npm run build:ts && node dist/scripts/bench-tracing.js [--rounds 9] [--n 5000] [--base main]
import { execFileSync } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile } from '../src/bench/stats.js';
import { startServer } from '../src/cli/server.js';
import { createClient } from '../src/client/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? def : def;
}

interface Pinger { ping(): Promise<unknown>; disconnect(): void }
interface Config { name: string; client: Pinger; before?: () => void; after?: () => void }

/** Exports `ref`'s src/ and adapters/ and compiles them; returns its createClient. */
async function baseBuild(root: string, ref: string): Promise<{ createClient: typeof createClient; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-shm-base-'));
  execFileSync('bash', ['-c', `git -C "${root}" archive "${ref}" package.json src adapters tsconfig.json | tar -x -C "${dir}"`]);
  // the same node_modules and native addon (the addon is found by walking up to build/Release)
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(root, 'build'), join(dir, 'build'));
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
  const mod = await import(pathToFileURL(join(dir, 'dist', 'src', 'client', 'index.js')).href) as { createClient: typeof createClient };
  return { createClient: mod.createClient, dir };
}

/** `n` sequential PINGs; each one's microseconds. */
async function round(c: Pinger, n: number): Promise<Float64Array> {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.ping();
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

/** `n` PINGs, `window` at a time in flight; microseconds per command. */
async function pipelined(c: Pinger, n: number, window = 1000): Promise<number> {
  const t0 = performance.now();
  for (let done = 0; done < n; done += window) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < window; i++) batch.push(c.ping());
    await Promise.all(batch);
  }
  return ((performance.now() - t0) * 1000) / n;
}

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '9'));
  const n = Number(arg('n', '5000'));
  const ref = arg('base', 'main');
  const root = resolve(process.cwd());
  const base = await baseBuild(root, ref);
  const srv = await startServer();
  const channel = tracingChannel('redis-shm:command');
  const noop = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  try {
    const open = async (make: typeof createClient): Promise<Pinger> => {
      const c = make({ path: srv.socket, transport: 'shm' });
      await c.connect();
      return c;
    };
    const configs: Config[] = [
      { name: `base (${ref}, no tracing code)`, client: await open(base.createClient) },
      { name: 'this build, no subscriber', client: await open(createClient) },
      { name: 'this build, subscribed (no-op)', client: await open(createClient), before: () => channel.subscribe(noop), after: () => channel.unsubscribe(noop) },
    ];
    const p50s = configs.map(() => [] as number[]);
    const means = configs.map(() => [] as number[]);
    const perCommand = configs.map(() => [] as number[]);
    const load0 = loadavg()[0]!;
    for (let r = 0; r < rounds; r++) {
      // alternate the order so that no configuration always runs first (or after a given one)
      const order = configs.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const cfg = configs[i]!;
        cfg.before?.();
        await round(cfg.client, 200);
        const s = (await round(cfg.client, n)).sort();
        perCommand[i]!.push(await pipelined(cfg.client, 10 * n));
        cfg.after?.();
        p50s[i]!.push(percentile(s, 50));
        means[i]!.push(s.reduce((a, b) => a + b, 0) / s.length);
      }
    }
    const load1 = loadavg()[0]!;
    const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);
    const worst = (xs: number[]): number => Math.max(...xs);
    console.log(`PING sequential over shm (promise client, default adapter), ${rounds} alternating rounds x ${n}; 1-min load ${load0.toFixed(1)} -> ${load1.toFixed(1)}\n`);
    console.log('| configuration | p50 µs (median of rounds) | p50 µs (worst round) | mean µs (median of rounds) | mean µs (worst round) |');
    console.log('|---|---:|---:|---:|---:|');
    configs.forEach((c, i) => {
      console.log(`| ${c.name} | ${median(p50s[i]!).toFixed(2)} | ${worst(p50s[i]!).toFixed(2)} | ${median(means[i]!).toFixed(2)} | ${worst(means[i]!).toFixed(2)} |`);
    });
    console.log(`\nThe same PINGs 1000 in flight at a time, ${10 * n} per round: µs per command\n`);
    console.log('| configuration | µs/command (median of rounds) | µs/command (worst round) |');
    console.log('|---|---:|---:|');
    configs.forEach((c, i) => console.log(`| ${c.name} | ${median(perCommand[i]!).toFixed(3)} | ${worst(perCommand[i]!).toFixed(3)} |`));
    for (const c of configs) c.client.disconnect();
  } finally {
    await srv.stop();
    rmSync(base.dir, { recursive: true, force: true });
  }
}

await main();

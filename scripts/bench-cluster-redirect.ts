// What the module's cluster redirections cost, A/B against another build of the module:
// ring vs socket GET round trips (native/module/tools/shm-bench get) on a plain server, on a
// cluster node for a key it owns (the fast path) and for a key it does not own (MOVED,
// built by redirect.c). Rounds alternate between the two builds; p50 of each round, then
// the median and the worst round.
//
// Run:  npm run build && node dist/scripts/bench-cluster-redirect.js [OTHER.so]
//       (OTHER.so defaults to this tree's module, i.e. both builds the same)
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawCommand } from '../src/bench/raw-ping.js';
import { freeClusterPort, startCluster } from '../src/cli/cluster-start.js';
import { modulePath, packageRoot } from '../src/cli/paths.js';

const BENCH = join(packageRoot(), 'native', 'module', 'tools', 'shm-bench');
const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-redirect-'));
const builds: Record<string, string> = { other: join(dir, 'other.so'), this: join(dir, 'this.so') };
copyFileSync(process.argv[2] ?? modulePath(), builds.other!);
copyFileSync(modulePath(), builds.this!);
const cmd = (port: number, ...a: string[]): Promise<string[]> => rawCommand({ host: '127.0.0.1', port }, a, 5000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const rows = new Map<string, number[]>();
function run(label: string, port: number, args: string[]): void {
  const out = execFileSync(BENCH, ['-p', String(port), ...args], { encoding: 'utf8' });
  for (const l of out.trim().split('\n')) {
    const m = /^(.*?)\s+n=\d+ p50=([\d.]+)us/.exec(l);
    if (!m) continue;
    const k = `${label} | ${m[1]!.trim()}`;
    rows.set(k, [...(rows.get(k) ?? []), Number(m[2])]);
  }
}

async function keysFor(port: number): Promise<{ owned: string; moved: string }> {
  const [nodes = ''] = await cmd(port, 'CLUSTER', 'NODES');
  const mine = nodes.split('\n').find((l) => l.includes('myself'))!.split(' ').slice(8).filter((s) => !s.startsWith('['))
    .map((r) => r.split('-').map(Number)).map(([a, b]) => [a!, b ?? a!] as const);
  let owned = '', moved = '';
  for (let i = 0; !owned || !moved; i++) {
    const s = Number((await cmd(port, 'CLUSTER', 'KEYSLOT', `k${i}`))[0]);
    const here = mine.some(([a, b]) => s >= a && s <= b);
    if (here && !owned) owned = `k${i}`;
    if (!here && !moved) moved = `k${i}`;
  }
  await cmd(port, 'SET', owned, 'value');
  return { owned, moved };
}

const clusters = [];
const plain: Record<string, { port: number; kill(): void }> = {};
const nodes: Record<string, { port: number; owned: string; moved: string }> = {};
try {
  for (const [name, so] of Object.entries(builds)) {
    const c = await startCluster({ masters: 3, replicas: 0, module: false, args: ['--loadmodule', so] });
    clusters.push(c);
    nodes[name] = { port: c.nodes[0]!.port, ...(await keysFor(c.nodes[0]!.port)) };
    const port = await freeClusterPort();
    const p = spawn('redis-server', ['--port', String(port), '--save', '', '--loadmodule', so], { stdio: 'ignore' });
    plain[name] = { port, kill: () => p.kill() };
    for (let i = 0; i < 100; i++) if (await cmd(port, 'SET', 'k', 'value').then(() => true, () => false)) break; else await sleep(20);
  }
  for (let round = 0; round < 4; round++) {
    for (const name of round % 2 ? ['this', 'other'] : ['other', 'this']) {
      const n = nodes[name]!;
      run(`${name} plain server, GET`, plain[name]!.port, ['get', '5000', 'k']);
      run(`${name} cluster, owned key`, n.port, ['get', '5000', n.owned]);
      run(`${name} cluster, not owned (MOVED)`, n.port, ['get', '3000', n.moved]);
    }
  }
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  for (const [k, v] of rows) {
    console.log(`${k.padEnd(64)} p50 per round ${v.map((x) => x.toFixed(1)).join(' ')}; median ${med(v).toFixed(1)}, worst ${Math.max(...v).toFixed(1)} µs`);
  }
  console.log(`load average ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).trim()} at ${new Date().toISOString()}`);
} finally {
  for (const c of clusters) await c.stop();
  for (const p of Object.values(plain)) p.kill();
}

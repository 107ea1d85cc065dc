// burst-1ms probe: one config, per-sample latencies, server shm counters, GC, timer lateness.
// node /tmp/probe/burst.mjs --conf shm|always|ioredis|unix [--ms 8000] [--sock PATH] [--gap 1] [--pause file]
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
const W = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const { startServer } = await import(W + '/dist/src/cli/server.js');
const { createClient } = await import(W + '/dist/src/client/index.js');
const require = createRequire(W + '/package.json');
const { Redis } = require('ioredis');
const arg = (n, d) => { const i = process.argv.indexOf('--' + n); return i > 0 ? process.argv[i + 1] : d; };
const conf = arg('conf', 'shm'), ms = Number(arg('ms', '8000')), gap = Number(arg('gap', '1'));
let srv = null, sock = arg('sock', '');
if (!sock) { srv = await startServer({ port: 0 }); sock = srv.socket; }
const info = () => { const t = execFileSync('redis-cli', ['-s', sock, 'info', 'shm']).toString(); const o = {}; for (const l of t.split('\n')) { const m = /^(\w+):(\d+)/.exec(l.trim()); if (m) o[m[1]] = Number(m[2]); } return o; };
let c, get, close;
if (conf === 'ioredis') { c = new Redis({ path: sock, lazyConnect: true }); await c.connect(); get = () => c.get('k'); close = () => c.disconnect(); }
else { const { busyPollHooks } = await import(W + '/dist/adapters/busy-poll.js'); c = createClient({ adapter: (ac) => ac.attach((t) => (globalThis.H = busyPollHooks(t))), path: sock, transport: conf === 'unix' ? 'socket' : 'shm', ...(conf === 'always' ? { spin: 'always' } : {}) }); await c.connect(); get = () => c.get('k'); close = () => c.disconnect(); }
await c.set('k', 'v');
const extras = []; for (let i = 0; i < Number(arg('extra', '0')); i++) { const e = createClient({ path: sock, transport: 'shm' }); await e.connect(); await e.get('k'); extras.push(e); }
for (let i = 0; i < Number(arg('extra-io', '0')); i++) { const { createShmConnector } = await import(W + '/dist/src/ioredis/index.js'); const e = new Redis({ path: sock, lazyConnect: true, Connector: createShmConnector() }); await e.connect(); await e.get('k'); extras.push(e); }
for (let i = 0; i < 2000; i++) await get();
let gcs = 0, gcms = 0; const gcAt = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) { gcs++; gcms += e.duration; gcAt.push(e.startTime); } }).observe({ entryTypes: ['gc'] });
const sleep = (m) => new Promise((r) => setTimeout(r, m));
const lat = [], late = [], at = [], cls = [], mono = [];
const i0 = info(); const cpu0 = process.cpuUsage(); const t00 = performance.now();
const end = performance.now() + ms;
while (performance.now() < end) {
  const ts = performance.now(); await sleep(gap); const t0 = performance.now(); const m0 = process.hrtime.bigint(); late.push((t0 - ts - gap) * 1000);
  const H = globalThis.H; const k0 = H ? [H.skipped, H.misses] : null;
  await get(); const d = (performance.now() - t0) * 1000; lat.push(d); at.push(t0); mono.push(m0);
  if (H) cls.push(H.skipped > k0[0] ? 'doorbell (backing off)' : H.misses > k0[1] ? 'window missed (>budget)' : 'polled');
}
const wall = performance.now() - t00; const H = globalThis.H; if (H) console.log(`busy-poll (cumulative, warm-up included): polls ${H.polls} hits ${H.hits} misses ${H.misses} skipped ${H.skipped} releases ${H.releases}`); const cpu = process.cpuUsage(cpu0); const i1 = info();
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const f = (x) => x.toFixed(1);
const n = lat.length;
console.log(`${conf}: n=${n} p50=${f(q(lat, .5))} p90=${f(q(lat, .9))} p99=${f(q(lat, .99))} p99.9=${f(q(lat, .999))} max=${f(Math.max(...lat))} us; timer late p50=${f(q(late, .5))} p99=${f(q(late, .99))} us; client cpu ${f((cpu.user + cpu.system) / 10 / wall)}% (user ${f(cpu.user / 10 / wall)} sys ${f(cpu.system / 10 / wall)}); gc ${gcs} (${f(gcms)} ms)`);
const d = {}; for (const k of Object.keys(i1)) if (i1[k] !== i0[k]) d[k] = i1[k] - i0[k];
console.log('shm info delta per GET:', Object.fromEntries(Object.entries(d).map(([k, v]) => [k, +(v / n).toFixed(3)])), 'totals', d);
// buckets
const b = [25, 50, 75, 100, 130, 150, 200, 250, 300, 500, 1000, 2000, 1e9]; const cnt = b.map(() => 0);
for (const x of lat) cnt[b.findIndex((u) => x < u)]++;
console.log('hist (<us:count):', b.map((u, i) => `${u === 1e9 ? 'inf' : u}:${cnt[i]}`).join(' '));
// slow samples near a GC?
const slow = lat.map((x, i) => [x, at[i]]).filter(([x]) => x > q(lat, .99));
const nearGc = slow.filter(([, t]) => gcAt.some((g) => Math.abs(g - t) < 2)).length;
console.log(`slow (>p99) ${slow.length}, within 2 ms of a GC: ${nearGc}`);
if (cls.length) { const by = {}; lat.forEach((x, i) => (by[cls[i]] ??= []).push(x)); const p99 = q(lat, .99); for (const [k, a] of Object.entries(by)) console.log(`  ${k}: n=${a.length} p50=${f(q(a, .5))} p99=${f(q(a, .99))} us; samples above the overall p99: ${a.filter((x) => x > p99).length}`); }
if (process.env.SLOW) { const fs = await import('node:fs'); const p99 = q(lat, .99); fs.writeFileSync(process.env.SLOW, lat.map((x, i) => [x, mono[i], cls[i] ?? '']).filter(([x]) => x > p99).map(([x, m, k]) => `${(Number(m) / 1e9).toFixed(6)} ${x.toFixed(1)} ${k}`).join('\n') + '\n'); }
if (process.env.DUMP) { const fs = await import('node:fs'); fs.writeFileSync(process.env.DUMP, lat.map(f).join('\n')); }
for (const e of extras) e.disconnect(); close(); if (srv) await srv.stop();

// first command after idle: node idle.mjs --conf shm|socket|ioredis [--hold inf] [--always] [--reps 8] [--idle 1000]
import { createRequire } from 'node:module';
const W = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const { startServer } = await import(W + '/dist/src/cli/server.js');
const { createClient } = await import(W + '/dist/src/client/index.js');
const { busyPollHooks } = await import(W + '/dist/adapters/busy-poll.js');
const require = createRequire(W + '/package.json'); const { Redis } = require('ioredis');
const arg = (n, d) => { const i = process.argv.indexOf('--' + n); return i > 0 ? process.argv[i + 1] : d; };
const has = (n) => process.argv.includes('--' + n);
const conf = arg('conf', 'shm'), reps = Number(arg('reps', '8')), idle = Number(arg('idle', '1000'));
const srv = await startServer({ port: 0 }); const sock = srv.socket;
let c, H;
if (conf === 'ioredis') { c = new Redis({ path: sock, lazyConnect: true }); await c.connect(); }
else { c = createClient({ path: sock, transport: conf === 'socket' ? 'socket' : 'shm', ...(has('always') ? { spin: 'always' } : {}), adapter: (ac) => ac.attach((t) => (H = busyPollHooks(t, arg('hold', '') === 'inf' ? { holdMs: Infinity } : {}))) }); await c.connect(); }
await c.set('k', 'v'); for (let i = 0; i < 1000; i++) await c.get('k');
const sleep = (m) => new Promise((r) => setTimeout(r, m));
const lat = []; const fl = []; const { readFileSync } = await import('node:fs'); const sf = () => Number(readFileSync(`/proc/${srv.pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
for (let i = 0; i < reps; i++) { await sleep(idle); const f0 = process.resourceUsage().minorPageFault, g0 = sf(); const t0 = performance.now(); await c.get('k'); const t1 = performance.now(); fl.push(`${process.resourceUsage().minorPageFault - f0}/${sf() - g0}`); await c.get('k'); lat.push([(t1 - t0) * 1000, (performance.now() - t1) * 1000]); }
const s = lat.map((x) => x[0]).sort((a, b) => a - b);
console.log(`${conf}${has('always') ? ' spin:always' : ''}${arg('hold', '') ? ' hold:' + arg('hold', '') : ''}: first GET after ${idle} ms idle, us: median ${s[s.length >> 1].toFixed(0)} worst ${s[s.length - 1].toFixed(0)} all [${lat.map((x) => x[0].toFixed(0)).join(' ')}]; the GET right after: [${lat.map((x) => x[1].toFixed(0)).join(' ')}]${H ? ` faults client/server during the first GET [${fl.join(' ')}]; busy-poll releases ${H.releases} misses ${H.misses}` : ''}`);
if (conf === 'ioredis') c.disconnect(); else await c.quit(); await srv.stop();

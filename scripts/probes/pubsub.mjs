// PUBLISH -> subscriber probe, one transport: node pubsub.mjs --t shm|socket [--n 4000]
import { execFileSync } from 'node:child_process';
const W = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const { startServer } = await import(W + '/dist/src/cli/server.js');
const { createClient } = await import(W + '/dist/src/client/index.js');
const { createSubscriber } = await import(W + '/dist/src/pubsub/index.js');
const arg = (n, d) => { const i = process.argv.indexOf('--' + n); return i > 0 ? process.argv[i + 1] : d; };
const t = arg('t', 'shm'), n = Number(arg('n', '4000'));
const srv = await startServer({ port: 0 }); const sock = srv.socket;
const info = (sec) => { const s = execFileSync('redis-cli', ['-s', sock, 'info', sec]).toString(); const o = {}; for (const l of s.split('\n')) { const m = /^(\w+):(\d+)/.exec(l.trim()); if (m) o[m[1]] = Number(m[2]); } return o; };
const pub = createClient({ path: sock, transport: t }); await pub.connect();
const sub = await createSubscriber({ path: sock, resp: 2 });
let next; await sub.subscribe('ch', () => next?.());
const one = async () => { const d = new Promise((r) => { next = r; }); const t0 = performance.now(); const pr = pub.publish('ch', 'm'); await d; const t1 = performance.now(); await pr; return [(t1 - t0) * 1000, (performance.now() - t0) * 1000]; };
for (let i = 0; i < 500; i++) await one();
const a0 = info('shm'), s0 = info('stats'); const c0 = process.cpuUsage(); const w0 = performance.now();
const lat = [], rep = [];
for (let i = 0; i < n; i++) { const [x, y] = await one(); lat.push(x); rep.push(y); }
const wall = performance.now() - w0, cpu = process.cpuUsage(c0); const a1 = info('shm'), s1 = info('stats');
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(p * s.length)].toFixed(1); };
console.log(`PUBLISH over ${t}: delivery p50=${q(lat, .5)} p90=${q(lat, .9)} p99=${q(lat, .99)} us; publish reply done p50=${q(rep, .5)} us; rate ${(n / wall * 1000).toFixed(0)}/s; client cpu ${((cpu.user + cpu.system) / 10 / wall).toFixed(1)}%`);
const d = (x, y) => Object.fromEntries(Object.keys(y).filter((k) => y[k] !== x[k]).map((k) => [k, +((y[k] - (x[k] ?? 0)) / n).toFixed(3)]));
console.log('per publish, INFO shm:', JSON.stringify(d(a0, a1)), ' INFO stats:', JSON.stringify(d(s0, s1)));
await sub.quit(); await pub.quit(); await srv.stop();

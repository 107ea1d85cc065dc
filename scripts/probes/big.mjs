// 100 MB SET+GET probe: node big.mjs --t shm|socket|ioredis [--reps 3] [--mb 100] [--reconnect: a new connection for every pair]
import { createRequire } from 'node:module';
const W = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const { startServer } = await import(W + '/dist/src/cli/server.js');
const { createClient } = await import(W + '/dist/src/client/index.js');
const require = createRequire(W + '/package.json'); const { Redis } = require('ioredis');
const arg = (n, d) => { const i = process.argv.indexOf('--' + n); return i > 0 ? process.argv[i + 1] : d; };
const t = arg('t', 'shm'), reps = Number(arg('reps', '3')), mb = Number(arg('mb', '100'));
const srv = process.env.SOCK ? null : await startServer({ port: 0 }); const sock = process.env.SOCK ?? srv.socket;
console.error('server pid', srv?.pid, 'node pid', process.pid);
let c;
if (t === 'ioredis') { c = new Redis({ path: sock, lazyConnect: true }); await c.connect(); }
else { c = createClient({ path: sock, transport: t, returnBuffers: true }); await c.connect(); }
const v = Buffer.alloc(mb << 20, 7);
const get = t === 'ioredis' ? () => c.getBuffer('big') : () => c.get('big');
const res = []; const { readFileSync } = await import('node:fs'); const sst = () => { const f = readFileSync(`/proc/${srv.pid}/stat`, 'utf8').split(') ')[1].split(' '); return { flt: Number(f[7]), cpu: (Number(f[11]) + Number(f[12])) * 10, sys: Number(f[12]) * 10 }; };
if (process.env.WAIT) await new Promise((r) => setTimeout(r, Number(process.env.WAIT)));
for (let i = 0; i < reps; i++) {
  if (i > 0 && process.argv.includes('--reconnect')) { if (t === 'ioredis') c.disconnect(); else await c.quit(); if (t === 'ioredis') { c = new Redis({ path: sock, lazyConnect: true }); await c.connect(); } else { c = createClient({ path: sock, transport: t, returnBuffers: true }); await c.connect(); } }
  const f0 = process.resourceUsage(); const s0 = sst(); const t0 = performance.now();
  await c.set('big', v); const t1 = performance.now(); const sm = sst();
  const r = await get(); const t2 = performance.now(); const f1 = process.resourceUsage(); const s1 = sst();
  if (!r || r.length !== v.length) throw new Error('bad length ' + (r && r.length));
  res.push(`SET ${(t1 - t0).toFixed(0)} ms GET ${(t2 - t1).toFixed(0)} ms pair ${(t2 - t0).toFixed(0)} ms (${(2 * mb / 1024 / ((t2 - t0) / 1000)).toFixed(2)} GB/s) client minflt +${f1.minorPageFault - f0.minorPageFault} cpu ${((f1.userCPUTime + f1.systemCPUTime - f0.userCPUTime - f0.systemCPUTime) / 1000).toFixed(0)} ms (sys ${((f1.systemCPUTime - f0.systemCPUTime) / 1000).toFixed(0)}); server minflt +${s1.flt - s0.flt} (SET ${sm.flt - s0.flt}, GET ${s1.flt - sm.flt}) cpu ${s1.cpu - s0.cpu} ms (sys ${s1.sys - s0.sys})`);
}
console.log(t + ':\n  ' + res.join('\n  '));
if (t === 'ioredis') c.disconnect(); else await c.quit(); if (srv) await srv.stop();

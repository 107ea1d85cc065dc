// Core placement on a 2-core host: a sync shm context and a sync socket context in one
// process, 2000 PINGs each, alternating, then shm-only rounds. Shows how the p50 of the shm
// loop depends on whether the client thread and the module's serving thread share a core.
//
// Run:  npm run build:ts && node dist/scripts/bench-placement.js
//       taskset -c 0 node dist/scripts/bench-placement.js --pin     (server on core 1)
import { startServer } from '../src/cli/server.js';
import { redisCommand, redisConnectUnix, redisFree } from '../src/sync/api.js';
import type { RedisContext } from '../src/sync/context.js';

function p50us(c: RedisContext, n: number): string {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if (!redisCommand(c, 'PING')) throw new Error(c.errstr);
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return (xs[n >> 1]! * 1000).toFixed(1);
}

async function main(): Promise<void> {
  const pin = process.argv.includes('--pin');
  const srv = await startServer(pin ? { prefix: ['taskset', '-c', '1'] } : {});
  const sock = srv.socket;
  try {
    const shm = redisConnectUnix(sock, { transport: 'shm' });
    const sockCtx = redisConnectUnix(sock, { transport: 'socket' });
    if (shm.err || sockCtx.err) throw new Error(shm.errstr || sockCtx.errstr);
    console.log(`sync PING p50 (µs), 2000 per slice, ${pin ? 'server pinned to core 1 (run node under taskset -c 0)' : 'unpinned'}`);
    for (let r = 0; r < 4; r++) console.log(`round ${r + 1}: shm ${p50us(shm, 2000)}  socket ${p50us(sockCtx, 2000)}`);
    for (let r = 0; r < 2; r++) console.log(`shm only: ${p50us(shm, 2000)}`);
    redisFree(shm);
    redisFree(sockCtx);
  } finally {
    await srv.stop();
  }
}

void main();

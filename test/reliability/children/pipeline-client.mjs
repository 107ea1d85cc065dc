// A real redis-shm client (the compiled library in dist/) for fault tests. It connects over
// shm, reports its segment names and the first replies on stdout, then keeps a deep
// pipeline of writes in flight until it is killed or told to exit.
//   node pipeline-client.mjs <root> <port> <mode>
//   mode "flood": pipeline SETs forever (the parent SIGKILLs us mid-pipeline)
//   mode "exit":  100 SETs, then process.exit(0) without QUIT or free
import { readFileSync } from 'node:fs';

const [root, port, mode] = process.argv.slice(2);
const { redisAsyncConnect } = await import(`${root}/dist/src/async/api.js`);
const ac = redisAsyncConnect('127.0.0.1', Number(port), { transport: 'shm', connectTimeoutMs: 5000 });
ac.setConnectCallback((c, status) => {
  if (status !== 0) { console.log(`ERR ${c.errstr}`); process.exit(2); }
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('/dev/shm/redis-shm.'));
  for (const l of maps) console.log(`N ${/\/dev\/shm(\/redis-shm\.[0-9a-f]+)/.exec(l)[1]}`);
  console.log(`T ${c.transport}`);
  let acked = 0;
  if (mode === 'exit') {
    for (let i = 0; i < 100; i++) c.commandArgv((_x, r) => { if (r && ++acked === 100) { console.log('A 100'); process.exit(0); } }, 0, ['SET', `exit:${i}`, 'v']);
    return;
  }
  let i = 0;
  const more = () => {
    for (let k = 0; k < 1000; k++, i++) c.commandArgv((_x, r) => { if (r && ++acked === 1) console.log('A 1'); }, 0, ['SET', `flood:${i % 1000}`, 'x'.repeat(64)]);
    setImmediate(more);
  };
  more();
});

// The busy-poll adapter: after each request the main thread polls for the reply on every
// loop turn for a short budget. Lowest latency for sequential request/response loops.
import { redisBusyPollAttach } from '../adapters/busy-poll.js';
import { createClient } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  // With the promise client: the adapter is attached to every (re)connection.
  const client = createClient({ ...t, adapter: (ac) => redisBusyPollAttach(ac, { budgetUs: 200 }) });
  await client.connect();
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) await client.ping();
  const us = ((performance.now() - t0) * 1000) / 1000;
  log(`1000 sequential PINGs over ${client.transport} with busy-poll: ${us.toFixed(1)} us each on average`);
  await client.quit();
}

runIfMain(import.meta.url, main);

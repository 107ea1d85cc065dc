// The promise client: typed command methods, JS values, transactions, pipelines.
import { createClient, ReplyError } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  const client = createClient({ ...t, transport: 'auto' });
  client.on('error', (e) => log(`connection lost: ${e.message} (reconnecting)`));
  await client.connect();
  log(`transport: ${client.transport}`);

  await client.set('example:promise', 'value');
  log(`GET: ${await client.get('example:promise')}`);

  // Issued in the same tick: sent as one batch (auto-pipelining).
  const [a, b] = await Promise.all([client.incr('example:n'), client.incr('example:n')]);
  log(`INCR twice: ${(b as number) - (a as number)}`);

  const tx = await client.multi().set('example:tx', '1').incr('example:tx').exec();
  log(`MULTI/EXEC: ${JSON.stringify(tx)}`);

  try {
    await client.lpush('example:promise', 'x');
  } catch (e) {
    if (e instanceof ReplyError) log(`server error: ${e.code}`);
  }

  await client.quit();
}

runIfMain(import.meta.url, main);

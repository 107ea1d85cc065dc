// The pub/sub subscriber: per-channel callbacks, events, and an async iterator.
import { createClient, createSubscriber } from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export async function main(t: Target, log: Log): Promise<void> {
  const sub = await createSubscriber({ ...t });
  const pub = createClient({ ...t });
  await pub.connect();

  // hiredis style: called for every message, then once when the subscription ends.
  await sub.subscribe('example:news', (ev) => {
    if (ev.kind === 'message') log(`callback: ${ev.channel} -> ${String(ev.message)}`);
    else log(`callback: ${ev.channel} ended (${ev.kind})`);
  });
  sub.on('pmessage', (msg, channel, pattern) => log(`event: ${pattern} matched ${channel} -> ${String(msg)}`));
  await sub.psubscribe('example:*');

  // The iterator buffers for a slow consumer, bounded (here: at most 100 messages).
  const messages = sub.messages({ maxMessages: 100 });
  await pub.publish('example:news', 'first');
  await pub.publish('example:news', 'second');

  let n = 0;
  for await (const m of messages) {
    log(`iterator: ${m.kind} ${m.channel} ${String(m.message)}`);
    if (++n === 4) break;  // two messages, each on the channel and on the pattern
  }

  await sub.unsubscribe('example:news');
  await sub.quit();
  await pub.quit();
}

runIfMain(import.meta.url, main);

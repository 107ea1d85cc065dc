// The bounded iterator buffer: each overflow policy, the byte bound, end and return.
import { describe, expect, it } from 'vitest';
import { Inbox } from '../../src/pubsub/inbox.js';
import type { PubSubMessage } from '../../src/pubsub/types.js';
import { RedisError } from '../../src/errors.js';

const msg = (m: string): PubSubMessage => ({ kind: 'message', channel: 'c', message: m });

async function drain(i: Inbox): Promise<string[]> {
  const out: string[] = [];
  for await (const m of i) out.push(String(m.message));
  return out;
}

describe('Inbox', () => {
  it('drop-oldest keeps the newest maxMessages and counts the rest', async () => {
    const i = new Inbox({ maxMessages: 3 }, () => undefined);
    for (const m of ['1', '2', '3', '4', '5']) i.push(msg(m));
    expect(i.dropped).toBe(2);
    i.end();
    expect(await drain(i)).toEqual(['3', '4', '5']);
  });

  it('drop-newest keeps the oldest', async () => {
    const i = new Inbox({ maxMessages: 3, overflow: 'drop-newest' }, () => undefined);
    for (const m of ['1', '2', '3', '4', '5']) i.push(msg(m));
    expect(i.dropped).toBe(2);
    i.end();
    expect(await drain(i)).toEqual(['1', '2', '3']);
  });

  it('the byte bound applies too; a message larger than it is dropped', async () => {
    const i = new Inbox({ maxBytes: 10 }, () => undefined);
    i.push(msg('aaaa'));
    i.push(msg('bbbb'));
    i.push(msg('cccc'));        // 12 bytes > 10: the oldest goes
    i.push(msg('x'.repeat(11)));
    expect(i.dropped).toBe(2);
    i.end();
    expect(await drain(i)).toEqual(['bbbb', 'cccc']);
  });

  it('error ends the iterator with ERR_OOM, buffered messages discarded', async () => {
    let closed = 0;
    const i = new Inbox({ maxMessages: 2, overflow: 'error' }, () => closed++);
    for (const m of ['1', '2', '3']) i.push(msg(m));
    const e = await i.next().catch((x: unknown) => x);
    expect((e as RedisError).code).toBe('ERR_OOM');
    expect(closed).toBe(1);
  });

  it('a waiting consumer gets the next message directly; return() ends it', async () => {
    const i = new Inbox({}, () => undefined);
    const p = i.next();
    i.push(msg('now'));
    expect((await p).value!.message).toBe('now');
    await i.return();
    i.push(msg('after'));
    expect((await i.next()).done).toBe(true);
  });
});

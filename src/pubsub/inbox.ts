// A bounded async-iterator buffer for a slow consumer: bounded by messages and by bytes,
// with an explicit overflow policy, never unbounded memory.
import { RedisError } from '../errors.js';
import type { IteratorOptions, OverflowPolicy, PubSubMessage } from './types.js';

export const DEFAULT_MAX_MESSAGES = 10000;
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export class Inbox implements AsyncIterableIterator<PubSubMessage> {
  /** Messages dropped by the overflow policy. */
  dropped = 0;
  private readonly items: PubSubMessage[] = [];
  private head = 0;
  private bytes = 0;
  private waiter: ((r: IteratorResult<PubSubMessage>) => void) | undefined;
  private failWaiter: ((e: Error) => void) | undefined;
  private done = false;
  private error: Error | undefined;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly policy: OverflowPolicy;

  constructor(opts: IteratorOptions, private readonly onClose: (inbox: Inbox) => void) {
    this.maxMessages = opts.maxMessages ?? DEFAULT_MAX_MESSAGES;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.policy = opts.overflow ?? 'drop-oldest';
  }

  get buffered(): number { return this.items.length - this.head; }

  push(m: PubSubMessage): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined; this.failWaiter = undefined;
      w({ value: m, done: false });
      return;
    }
    const size = m.message.length;
    // a message larger than the whole byte bound can never be buffered: drop it alone
    if (size > this.maxBytes) {
      if (this.policy === 'error') this.end(new RedisError('ERR_OOM', `a ${size}-byte message exceeds the subscriber iterator's ${this.maxBytes}-byte bound`));
      else this.dropped++;
      return;
    }
    while (this.buffered > 0 && (this.buffered + 1 > this.maxMessages || this.bytes + size > this.maxBytes)) {
      if (this.policy === 'drop-newest') { this.dropped++; return; }
      if (this.policy === 'error') {
        this.end(new RedisError('ERR_OOM', `subscriber iterator overflow: more than ${this.maxMessages} messages or ${this.maxBytes} bytes buffered`));
        return;
      }
      this.shift();
      this.dropped++;
    }
    this.items.push(m);
    this.bytes += size;
  }

  private shift(): PubSubMessage {
    const m = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as PubSubMessage;
    if (this.head > 1024 && this.head * 2 > this.items.length) { this.items.splice(0, this.head); this.head = 0; }
    this.bytes -= m.message.length;
    return m;
  }

  /** Ends the iterator (after the buffered messages) or fails it at once with `err`. */
  end(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    if (err) { this.items.length = 0; this.head = 0; this.bytes = 0; }
    if (this.waiter) {
      const w = this.waiter, f = this.failWaiter!;
      this.waiter = undefined; this.failWaiter = undefined;
      if (err) f(err); else w({ value: undefined, done: true });
    }
    this.onClose(this);
  }

  next(): Promise<IteratorResult<PubSubMessage>> {
    if (this.buffered > 0) return Promise.resolve({ value: this.shift(), done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => { this.waiter = resolve; this.failWaiter = reject; });
  }

  return(): Promise<IteratorResult<PubSubMessage>> {
    this.items.length = 0; this.head = 0; this.bytes = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this { return this; }
}

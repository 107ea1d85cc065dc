// What a subscriber delivers.

export type SubscribeKind = 'channel' | 'pattern' | 'shard';

/** A message on a channel (`message`), on a pattern subscription (`pmessage`), or a shard channel (`smessage`). */
export interface PubSubMessage {
  kind: 'message' | 'pmessage' | 'smessage';
  channel: string;
  /** The matching pattern, for `pmessage`. */
  pattern?: string;
  /** string, or Buffer when the subscriber was created with `returnBuffers`. */
  message: string | Buffer;
}

/** The final call of a per-channel callback: the subscription ended (unsubscribe or close). */
export interface PubSubEnd {
  kind: 'unsubscribe' | 'punsubscribe' | 'sunsubscribe';
  channel: string;
}

/** hiredis style: called for every message of the subscription, then once with its end. */
export type SubscriptionCallback = (ev: PubSubMessage | PubSubEnd) => void;

/** What happens when a slow async-iterator consumer lets messages pile up past the bounds. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'error';

export interface IteratorOptions {
  /** Messages buffered for this iterator at most (default 10000). */
  maxMessages?: number;
  /** Payload bytes buffered at most (default 32 MiB). */
  maxBytes?: number;
  /** Default 'drop-oldest' (counted in `dropped`); 'error' ends the iterator with ERR_OOM. */
  overflow?: OverflowPolicy;
}

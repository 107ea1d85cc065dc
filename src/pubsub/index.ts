// The pub/sub subscriber.
export { Subscriber, createSubscriber, type SubscriberEvents } from './subscriber.js';
export { Inbox } from './inbox.js';
export type * from './types.js';

// The reply parser on its own (hiredis read.h): no I/O; feed bytes from anywhere.
import {
  REDIS_OK, REDIS_REPLY_ARRAY, redisReaderCreate, redisReaderFeed, redisReaderFree, redisReaderGetReply,
  type RedisReply, type ReplyOut,
} from '../src/index.js';
import { runIfMain, type Log } from './target.js';

export function main(_t: unknown, log: Log): void {
  const reader = redisReaderCreate();
  // A reply arriving in two pieces: nothing until it is complete.
  redisReaderFeed(reader, '*2\r\n$5\r\nhello\r\n:4');
  const out: ReplyOut<RedisReply> = { reply: undefined };
  redisReaderGetReply(reader, out);
  log(`after the first piece: ${out.reply === undefined ? 'need more bytes' : 'reply'}`);
  redisReaderFeed(reader, '2\r\n+OK\r\n');
  if (redisReaderGetReply(reader, out) === REDIS_OK && out.reply?.type === REDIS_REPLY_ARRAY) {
    log(`array: ${out.reply.element![0]!.str}, ${out.reply.element![1]!.integer}`);
  }
  redisReaderGetReply(reader, out);
  log(`status: ${out.reply?.str}`);
  // Malformed input sets err/errstr.
  redisReaderFeed(reader, '?bad\r\n');
  log(`bad input: ${redisReaderGetReply(reader, out) === REDIS_OK ? 'accepted' : `error: ${reader.errstr}`}`);
  redisReaderFree(reader);
}

runIfMain(import.meta.url, main);

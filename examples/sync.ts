// The synchronous API (hiredis's blocking context). Each call blocks the thread until the
// reply is there: ideal for scripts and tight request/response loops, NOT for servers.
import {
  freeReplyObject, redisAppendCommand, redisCommand, redisConnect, redisConnectUnix, redisFree, redisGetReply,
  type ReplyRef,
} from '../src/index.js';
import { runIfMain, type Log, type Target } from './target.js';

export function main(t: Target, log: Log): void {
  const c = t.path ? redisConnectUnix(t.path) : redisConnect(t.host ?? '127.0.0.1', t.port ?? 6379);
  if (c.err) throw new Error(`connect failed: ${c.errstr}`);
  log(`transport: ${c.transport}${c.transportReason ? ` (${c.transportReason})` : ''}`);

  let reply = redisCommand(c, 'PING');
  log(`PING: ${reply!.str}`);
  freeReplyObject(reply);

  redisCommand(c, 'SET %s %s', 'example:sync', 'hello');
  reply = redisCommand(c, 'GET %s', 'example:sync');
  log(`GET example:sync: ${reply!.str}`);

  reply = redisCommand(c, 'INCR counter');
  log(`INCR counter: ${reply!.integer}`);

  // Pipelining: queue three commands, then read three replies.
  redisAppendCommand(c, 'DEL %s', 'example:list');
  redisAppendCommand(c, 'RPUSH %s %s %s', 'example:list', 'a', 'b');
  redisAppendCommand(c, 'LRANGE %s 0 -1', 'example:list');
  const out: ReplyRef = { reply: null };
  redisGetReply(c, out);
  redisGetReply(c, out);
  redisGetReply(c, out);
  log(`LRANGE example:list: ${out.reply!.element!.map((e) => e.str).join(',')}`);

  redisFree(c);
}

runIfMain(import.meta.url, main);

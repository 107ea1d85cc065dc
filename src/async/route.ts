// Which commands the shm ring serves, and which go over the socket (the ROUTING RULE agreed
// with the module, docs/module.md; native/module/route.c is the server's copy of this table).

export type Route = 'shm' | 'socket';

const SOCKET_ONLY = new Set([
  // pub/sub (PUBLISH / SPUBLISH are served over shm)
  'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe',
  // bound to the connection
  'monitor', 'reset', 'quit', 'shutdown', 'sync', 'psync', 'replconf',
  // connection state
  'select', 'auth', 'hello', 'client',
  // cluster connection state (the module cannot apply it: docs/module.md, "Redis Cluster")
  'asking', 'readonly', 'readwrite',
  // transactions
  'multi', 'exec', 'discard', 'watch', 'unwatch',
  // blocking
  'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof',
]);

/** Commands after which the shm session must re-capture the socket client's state (SHM.SYNC). */
const CHANGES_SESSION = new Set(['select', 'auth', 'hello', 'reset', 'exec', 'readonly', 'readwrite']);

/** An argument as the server compares keywords (no conversion of the caller's argv). */
export type Word = string | Uint8Array | number | bigint;

/** A keyword argument lowercased (latin1); '' for anything longer than any keyword. */
export function word(b: Word | undefined): string {
  if (b === undefined) return '';
  if (typeof b === 'string') return b.length > 32 ? '' : b.toLowerCase();
  if (typeof b === 'number' || typeof b === 'bigint') return String(b);
  if (b.length > 32) return '';
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return s;
}

/** The lowercase command name of an argv. */
export function commandName(argv: readonly Word[]): string {
  return word(argv[0]);
}

/** XREAD / XREADGROUP with a BLOCK option before STREAMS, walked as the server parses it. */
export function xreadBlocks(argv: readonly Word[], group: boolean): boolean {
  let i = 1;
  if (group) {
    if (argv.length < 4 || word(argv[1]) !== 'group') return false;
    i = 4;
  }
  while (i < argv.length) {
    const more = i + 1 < argv.length;
    const w = word(argv[i]);
    if (w === 'block' && more) return true;
    if (w === 'count' && more) { i += 2; continue; }
    if (group && w === 'noack') { i += 1; continue; }
    return false;
  }
  return false;
}

/** Is this command served on the socket only (by the rule, before transaction state)? */
export function isSocketOnly(name: string, argv: readonly Word[]): boolean {
  if (SOCKET_ONLY.has(name)) return true;
  if (name.length > 4 && name.startsWith('shm.')) return true;
  if (name === 'xread') return xreadBlocks(argv, false);
  if (name === 'xreadgroup') return xreadBlocks(argv, true);
  return false;
}

/** The channel a command goes on when issued: the socket inside MULTI, after ASKING or
 *  READONLY, and for socket-only commands; else shm (when the connection has it). */
export function routeOf(name: string, argv: readonly Word[], inMulti: boolean, cluster: ClusterFlags): Route {
  return inMulti || socketByClusterFlags(cluster) || isSocketOnly(name, argv) ? 'socket' : 'shm';
}

/** Does a successful run of this command on the socket change the shm session's state? */
export function changesSession(name: string, argv: readonly Word[]): boolean {
  if (CHANGES_SESSION.has(name)) return true;
  return name === 'client' && word(argv[1]) === 'setname';
}

/**
 * Cluster connection state that keeps commands on the socket. RM_Call in Redis 7.0 takes
 * ASKING and READONLY from the module's own context, never from the connection, so the ring
 * cannot serve what they allow: ASKING and the one command after it go on the socket, and so
 * does every command while the connection is READONLY (until READWRITE or RESET).
 */
export interface ClusterFlags { readonly askingNext: boolean; readonly readonly: boolean }

export const NO_CLUSTER_FLAGS: ClusterFlags = { askingNext: false, readonly: false };

/** Must this command go on the socket because of earlier ASKING / READONLY? */
export function socketByClusterFlags(f: ClusterFlags): boolean {
  return f.askingNext || f.readonly;
}

/** The flags once this command is issued. */
export function clusterFlagsAfter(name: string, f: ClusterFlags): ClusterFlags {
  const readonly = name === 'readonly' ? true : name === 'readwrite' || name === 'reset' ? false : f.readonly;
  const askingNext = name === 'asking';
  return askingNext === f.askingNext && readonly === f.readonly ? f : { askingNext, readonly };
}

/** CLIENT REPLY OFF / SKIP: replies would stop matching commands, so both contexts refuse it. */
export function suppressesReplies(name: string, argv: readonly Word[]): boolean {
  return name === 'client' && word(argv[1]) === 'reply' && word(argv[2]) !== 'on';
}

/** CLIENT TRACKING ON (true) or OFF (false); undefined for any other command. */
export function trackingSwitch(name: string, argv: readonly Word[]): boolean | undefined {
  return name === 'client' && word(argv[1]) === 'tracking' ? word(argv[2]) === 'on' : undefined;
}

/** Whether the connection is inside MULTI once this command is issued. */
export function inMultiAfter(name: string, inMulti: boolean): boolean {
  if (name === 'multi') return true;
  if (name === 'exec' || name === 'discard' || name === 'reset') return false;
  return inMulti;
}

/**
 * WAIT / WAITAOF count acknowledgements up to the socket client's own replication offset.
 * Writes made over shm are propagated by the module's thread and do not move it, so once
 * anything went over shm a SHM.FENCE goes first on the socket: it propagates a PING and sets
 * the offset past every earlier ring write (the ordering barrier guarantees their replies
 * arrived).
 */
export function needsFence(name: string): boolean {
  return name === 'wait' || name === 'waitaof';
}

/** The error prefix the module answers a socket-only command with over the ring. */
export const SHM_ROUTE_ERROR_PREFIX = 'ERR SHM-ROUTE ';

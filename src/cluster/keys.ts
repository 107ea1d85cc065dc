// Where a command's keys are, learnt from the server's own COMMAND reply (first key, last
// key, step, and the movablekeys flag), per command and per subcommand. Commands whose
// keys move with their arguments: the EVAL/FCALL family is read here (numkeys at 2);
// the rest are asked of the server with COMMAND GETKEYS.
import type { ReplyValue } from '../client/reply.js';
import type { CommandArg } from '../format/argv.js';
import { word } from '../async/route.js';

interface KeySpec {
  first: number;
  last: number;
  step: number;
  movable: boolean;
  readonly: boolean;
  /** Subcommands (lowercase "object|encoding" -> spec). */
  sub?: Map<string, KeySpec>;
}

export type KeysOf =
  | { kind: 'keys'; keys: CommandArg[] }
  /** No key: any node (or the one the caller chose). */
  | { kind: 'none' }
  /** Only the server can say: COMMAND GETKEYS. */
  | { kind: 'ask' };

const NUMKEYS_AT_2 = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

function specOf(e: ReplyValue): [string, KeySpec] | undefined {
  if (!Array.isArray(e) || e.length < 6) return undefined;
  const name = typeof e[0] === 'string' ? e[0].toLowerCase() : undefined;
  const flags = Array.isArray(e[2]) ? e[2].map(String) : [];
  const [first, last, step] = [e[3], e[4], e[5]];
  if (!name || typeof first !== 'number' || typeof last !== 'number' || typeof step !== 'number') return undefined;
  const spec: KeySpec = { first, last, step, movable: flags.includes('movablekeys'), readonly: flags.includes('readonly') };
  if (Array.isArray(e[9]) && e[9].length > 0) {
    spec.sub = new Map();
    for (const s of e[9]) {
      const x = specOf(s);
      if (x) spec.sub.set(x[0].slice(x[0].indexOf('|') + 1), x[1]);
    }
  }
  return [name, spec];
}

export class CommandKeys {
  private readonly table = new Map<string, KeySpec>();

  /** From the reply of COMMAND (RESP2 or RESP3). Entries it cannot read are skipped. */
  constructor(reply: ReplyValue) {
    if (!Array.isArray(reply)) return;
    for (const e of reply) {
      const x = specOf(e);
      if (x) this.table.set(x[0], x[1]);
    }
  }

  get size(): number { return this.table.size; }

  private spec(args: readonly CommandArg[]): KeySpec | undefined {
    const top = this.table.get(word(args[0]));
    if (top?.sub && args.length > 1) return top.sub.get(word(args[1])) ?? top;
    return top;
  }

  /** True for commands flagged readonly (they may go to a replica with READONLY). */
  isReadonly(args: readonly CommandArg[]): boolean {
    return this.spec(args)?.readonly ?? false;
  }

  keys(args: readonly CommandArg[]): KeysOf {
    const name = word(args[0]);
    if (NUMKEYS_AT_2.has(name)) {
      const n = Number(args[2]);
      if (!Number.isInteger(n) || n < 0 || 3 + n > args.length) return { kind: 'ask' };
      return n === 0 ? { kind: 'none' } : { kind: 'keys', keys: args.slice(3, 3 + n) };
    }
    const s = this.spec(args);
    if (!s) return { kind: 'ask' };
    if (s.movable) return { kind: 'ask' };
    if (s.first <= 0 || s.first >= args.length) return { kind: 'none' };
    const last = s.last < 0 ? args.length + s.last : Math.min(s.last, args.length - 1);
    const keys: CommandArg[] = [];
    for (let i = s.first; i <= last; i += Math.max(1, s.step)) keys.push(args[i]!);
    return keys.length ? { kind: 'keys', keys } : { kind: 'none' };
  }
}

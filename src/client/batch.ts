// MULTI/EXEC transactions and plain pipelines for the promise client: commands are
// collected, then sent in one go by exec().
import { installCommands, type CommandMethods } from '../commands/index.js';
import { ReplyError } from '../errors.js';
import type { CommandArg } from '../format/argv.js';
import type { ReplyValue } from './reply.js';

/** A batch with the typed command methods, each queueing and returning the batch. */
export interface BatchOf extends Batch, Omit<CommandMethods<BatchOf>, 'exec'> {}

interface Sender {
  sendCommands(list: CommandArg[][]): Promise<ReplyValue>[];
}

export class Batch {
  private readonly queued: CommandArg[][] = [];

  constructor(private readonly client: Sender, readonly transaction: boolean) {}

  /** Queue one command (the typed methods call this); returns this for chaining. */
  sendCommand(args: CommandArg[]): this {
    this.queued.push(args);
    return this;
  }

  get length(): number { return this.queued.length; }

  /**
   * Pipeline: resolves with one result per command, a ReplyError value where a command failed.
   * MULTI: resolves with EXEC's results (errors as values), null when a WATCHed key changed;
   * rejects with the EXECABORT ReplyError when a command was refused at queue time.
   */
  async exec(): Promise<ReplyValue[] | null> {
    const cmds = this.queued.splice(0);
    if (!this.transaction) {
      return Promise.all(this.client.sendCommands(cmds).map((p) => p.catch((e: unknown) => asValue(e))));
    }
    // Queued all or none, issued in one tick: MULTI, the commands and EXEC go out back to
    // back (on the socket: the routing rule sends everything inside MULTI there).
    const all = this.client.sendCommands([['MULTI'], ...cmds, ['EXEC']]);
    // every promise gets a handler now, so an early rejection is never unhandled
    const settled = all.map((p) => p.then((v) => ({ v }), (e: unknown) => ({ e })));
    const results = await Promise.all(settled);
    const first = results[0]!;
    if ('e' in first) throw first.e;
    const last = results[results.length - 1]!;
    if ('e' in last) throw last.e;
    for (const r of results.slice(1, -1)) if ('e' in r && !(r.e instanceof ReplyError)) throw r.e;
    return last.v === null ? null : (last.v as ReplyValue[]);
  }
}

function asValue(e: unknown): ReplyValue {
  if (e instanceof ReplyError) return e;
  throw e;
}

installCommands(Batch.prototype);

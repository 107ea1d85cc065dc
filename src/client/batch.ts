// MULTI/EXEC transactions and plain pipelines for the promise client: commands are
// collected, then sent in one go by exec().
import { installCommands, type CommandMethods } from '../commands/index.js';
import { ReplyError } from '../errors.js';
import type { CommandArg } from '../format/argv.js';
import type { ReplyValue } from './reply.js';

/** A batch with the typed command methods, each queueing and returning the batch. */
export interface BatchOf extends Batch, Omit<CommandMethods<BatchOf>, 'exec'> {}

interface Sender {
  sendCommand(args: CommandArg[]): Promise<ReplyValue>;
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
      return Promise.all(cmds.map((c) => this.client.sendCommand(c).catch((e: unknown) => asValue(e))));
    }
    // Issued in one tick: MULTI, the commands and EXEC go out back to back, on the socket.
    const multi = this.client.sendCommand(['MULTI']);
    const queuedReplies = cmds.map((c) => this.client.sendCommand(c).catch((e: unknown) => asValue(e)));
    const exec = this.client.sendCommand(['EXEC']);
    await multi;
    await Promise.all(queuedReplies);
    const r = await exec;
    return r === null ? null : (r as ReplyValue[]);
  }
}

function asValue(e: unknown): ReplyValue {
  if (e instanceof ReplyError) return e;
  throw e;
}

installCommands(Batch.prototype);

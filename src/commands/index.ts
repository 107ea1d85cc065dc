// Typed command methods (generated from COMMAND DOCS) and how a class gets them.
import type { CommandArg } from '../format/argv.js';
import { COMMAND_TABLE, type CommandMethods } from './generated.js';

export { COMMAND_TABLE, type CommandMethods } from './generated.js';

/** Anything with a sendCommand can carry the generated methods. */
export interface CommandSender<R> {
  sendCommand(args: CommandArg[]): R;
}

/**
 * Defines one method per command on `proto` (a class prototype), each calling
 * `this.sendCommand([...words, ...args])`. Methods the class already has are kept.
 */
export function installCommands(proto: object): void {
  for (const [method, ...words] of COMMAND_TABLE) {
    if (method in proto) continue;
    Object.defineProperty(proto, method, {
      configurable: true, writable: true, enumerable: false,
      value: function commandMethod(this: CommandSender<unknown>, ...args: CommandArg[]): unknown {
        return this.sendCommand([...words, ...args]);
      },
    });
  }
}

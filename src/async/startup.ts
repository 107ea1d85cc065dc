// The commands a connection starts with, before SHM.OPEN (so the shm session captures their
// effect): authentication and protocol, then the db, then the client name.
import type { CommandArg } from '../format/argv.js';

export interface StartupOptions {
  username?: string;
  password?: string;
  protocol?: 2 | 3;
  db?: number;
  name?: string;
}

/** [label for errors, argv] in the order they are sent. */
export function startupCommands(o: StartupOptions): [string, CommandArg[]][] {
  const steps: [string, CommandArg[]][] = [];
  let named = false;
  if (o.protocol === 3) {
    // HELLO does it in one round: protocol, AUTH and SETNAME.
    const argv: CommandArg[] = ['HELLO', '3'];
    if (o.password !== undefined) argv.push('AUTH', o.username ?? 'default', o.password);
    if (o.name !== undefined) { argv.push('SETNAME', o.name); named = true; }
    steps.push(['HELLO', argv]);
  } else if (o.password !== undefined) {
    steps.push(['AUTH', o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password]]);
  }
  if (o.db !== undefined && o.db !== 0) steps.push(['SELECT', ['SELECT', o.db]]);
  if (o.name !== undefined && !named) steps.push(['CLIENT SETNAME', ['CLIENT', 'SETNAME', o.name]]);
  return steps;
}

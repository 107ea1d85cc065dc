import { describe, expect, it } from 'vitest';
import { startupCommands } from '../../src/async/startup.js';

describe('startup commands', () => {
  it('nothing by default', () => {
    expect(startupCommands({})).toEqual([]);
  });
  it('RESP2: AUTH (with or without a username), SELECT, CLIENT SETNAME, in that order', () => {
    expect(startupCommands({ password: 'p', db: 2, name: 'n' })).toEqual([
      ['AUTH', ['AUTH', 'p']], ['SELECT', ['SELECT', 2]], ['CLIENT SETNAME', ['CLIENT', 'SETNAME', 'n']],
    ]);
    expect(startupCommands({ username: 'u', password: 'p' })).toEqual([['AUTH', ['AUTH', 'u', 'p']]]);
  });
  it('RESP3: one HELLO carries AUTH and SETNAME; db 0 needs no SELECT', () => {
    expect(startupCommands({ protocol: 3, password: 'p', name: 'n', db: 0 })).toEqual([
      ['HELLO', ['HELLO', '3', 'AUTH', 'default', 'p', 'SETNAME', 'n']],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  changesSession, clusterFlagsAfter, commandName, inMultiAfter, isSocketOnly, needsFence, NO_CLUSTER_FLAGS, socketByClusterFlags,
  suppressesReplies, trackingSwitch, xreadBlocks,
} from '../../src/async/route.js';

const route = (...argv: (string | Buffer | number)[]): boolean => isSocketOnly(commandName(argv), argv);

describe('routing rule', () => {
  it('socket-only commands, case-insensitive, as strings or bytes', () => {
    for (const name of ['subscribe', 'PSUBSCRIBE', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor', 'reset',
      'quit', 'shutdown', 'sync', 'psync', 'replconf', 'select', 'auth', 'hello', 'client', 'multi', 'exec', 'discard', 'watch',
      'unwatch', 'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof',
      'asking', 'readonly', 'readwrite']) {
      expect(route(name), name).toBe(true);
      expect(route(Buffer.from(name.toUpperCase())), name).toBe(true);
    }
    expect(route('SHM.SYNC')).toBe(true);
    expect(route('shm.info')).toBe(true);
  });

  it('everything else is served over shm, PUBLISH included', () => {
    for (const name of ['get', 'SET', 'publish', 'spublish', 'lpop', 'xread', 'eval', 'ping', 'shm', 'clients', 'execx']) {
      expect(route(name), name).toBe(false);
    }
  });

  it('XREAD / XREADGROUP block only with BLOCK among the options before STREAMS', () => {
    expect(xreadBlocks(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], false)).toBe(true);
    expect(xreadBlocks(['XREAD', 'COUNT', '5', 'block', '10', 'STREAMS', 's', '$'], false)).toBe(true);
    expect(xreadBlocks(['XREAD', 'STREAMS', 'BLOCK', '0'], false)).toBe(false);
    expect(xreadBlocks(['XREAD', 'COUNT', '5', 'STREAMS', 's', '0'], false)).toBe(false);
    expect(xreadBlocks(['XREAD', 'BLOCK'], false)).toBe(false);
    expect(xreadBlocks(['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'BLOCK', 5, 'STREAMS', 's', '>'], true)).toBe(true);
    expect(xreadBlocks(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'BLOCK', '>'], true)).toBe(false);
    expect(route('xread', 'block', 1, 'streams', 's', '$')).toBe(true);
    expect(route('xreadgroup', 'group', 'g', 'c', 'count', 1, 'streams', 's', '>')).toBe(false);
  });

  it('commands after which the session state is captured again', () => {
    expect(changesSession('select', ['SELECT', '1'])).toBe(true);
    expect(changesSession('auth', ['AUTH', 'x'])).toBe(true);
    expect(changesSession('hello', ['HELLO', '3'])).toBe(true);
    expect(changesSession('reset', ['RESET'])).toBe(true);
    expect(changesSession('exec', ['EXEC'])).toBe(true);
    expect(changesSession('client', ['CLIENT', 'SETNAME', 'n'])).toBe(true);
    expect(changesSession('client', ['CLIENT', 'ID'])).toBe(false);
    expect(changesSession('get', ['GET', 'k'])).toBe(false);
  });

  it('connection state both contexts follow per command', () => {
    expect(suppressesReplies('client', ['CLIENT', 'REPLY', 'OFF'])).toBe(true);
    expect(suppressesReplies('client', [Buffer.from('client'), Buffer.from('reply'), 'skip'])).toBe(true);
    expect(suppressesReplies('client', ['CLIENT', 'REPLY', 'ON'])).toBe(false);
    expect(suppressesReplies('client', ['CLIENT', 'ID'])).toBe(false);
    expect(trackingSwitch('client', ['CLIENT', 'TRACKING', 'ON'])).toBe(true);
    expect(trackingSwitch('client', ['CLIENT', 'tracking', 'off', 'BCAST'])).toBe(false);
    expect(trackingSwitch('client', ['CLIENT', 'SETNAME', 'on'])).toBeUndefined();
    expect(trackingSwitch('get', ['GET', 'tracking'])).toBeUndefined();
    expect(inMultiAfter('multi', false)).toBe(true);
    expect(inMultiAfter('set', true)).toBe(true);
    for (const end of ['exec', 'discard', 'reset']) expect(inMultiAfter(end, true), end).toBe(false);
    expect(inMultiAfter('get', false)).toBe(false);
    expect(needsFence('wait')).toBe(true);
    expect(needsFence('waitaof')).toBe(true);
    expect(needsFence('waitx')).toBe(false);
  });

  it('ASKING keeps the next command on the socket, READONLY every command until READWRITE or RESET', () => {
    const run = (names: string[]): boolean[] => {
      let f = NO_CLUSTER_FLAGS;
      return names.map((n) => { const s = socketByClusterFlags(f); f = clusterFlagsAfter(n, f); return s; });
    };
    expect(run(['get', 'asking', 'get', 'get'])).toEqual([false, false, true, false]);
    expect(run(['asking', 'asking', 'get', 'set'])).toEqual([false, true, true, false]);
    expect(run(['readonly', 'get', 'ping', 'readwrite', 'get'])).toEqual([false, true, true, true, false]);
    expect(run(['readonly', 'get', 'reset', 'get'])).toEqual([false, true, true, false]);
    expect(clusterFlagsAfter('get', NO_CLUSTER_FLAGS)).toBe(NO_CLUSTER_FLAGS);
    expect(changesSession('readonly', ['READONLY'])).toBe(true);
    expect(changesSession('readwrite', ['READWRITE'])).toBe(true);
  });

  it('a long first argument is never taken for a command name', () => {
    expect(commandName(['x'.repeat(100)])).toBe('');
    expect(commandName([Buffer.alloc(100, 0x61)])).toBe('');
  });
});

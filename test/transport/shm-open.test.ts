// The SHM.OPEN opener against real redis-servers: what it returns, the reasons it gives
// when shm cannot be used, and that the segment name never outlives the attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { openShm, parseOpenReply } from '../../src/transport/shm-open.js';
import { collector, created, leftovers, lifeline, open, until } from './shm-harness.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis(); });
afterAll(async () => { await srv?.stop(); });

describe('openShm', () => {
  it('returns what the server accepted and removes the name from /dev/shm', async () => {
    const n = created.length;
    const s = await open({ path: srv.socket }, { reqCapacity: 8192, repCapacity: 65536 });
    expect(s.info).toMatchObject({ version: 1, reqCapacity: 8192, repCapacity: 65536, serverPid: srv.pid });
    expect(s.ch.sessionId).toBe(BigInt(s.info.session));
    expect(created.length).toBe(n + 1);
    expect(leftovers()).toEqual([]);
  });

  it('gives the server\'s refusal as the reason and unlinks (second SHM.OPEN on one connection)', async () => {
    const s = await open({ path: srv.socket });
    const again = await openShm({ lifeline: s.sock, command: s.command, handlers: collector().handlers });
    expect(again).toMatch(/^the server refused SHM.OPEN: ERR SHM a session is already open on this connection/);
    expect(leftovers()).toEqual([]);
    s.ch.write(Buffer.from('*1\r\n$4\r\nPING\r\n'));  // the first session is unharmed
    await until(() => s.c.text === '+PONG\r\n');
  });

  it('refuses ring sizes outside the server\'s limits with its reason, and unlinks', async () => {
    const small = await startRedis({ moduleArgs: ['max-ring', '65536'] });
    try {
      const l = await lifeline({ path: small.socket });
      const r = await openShm({ lifeline: l.sock, command: l.command, handlers: collector().handlers }, { reqCapacity: 1 << 20 });
      expect(typeof r).toBe('string');
      expect(r as string).toMatch(/^the server refused SHM.OPEN: /);
      expect(leftovers()).toEqual([]);
    } finally { await small.stop(); }
  });

  it('reports why when the module is missing, and unlinks the segment', async () => {
    const bare = await startRedis({ module: false });
    try {
      const l = await lifeline({ path: bare.socket });
      const n = created.length;
      const c = collector();
      const r = await openShm({ lifeline: l.sock, command: l.command, handlers: c.handlers });
      expect(r).toBe('the redis-shm module is not loaded in this redis-server');
      expect(created.length).toBe(n + 1);
      expect(leftovers()).toEqual([]);
      l.sock.close();
    } finally { await bare.stop(); }
  });

  it('refuses a remote-looking or closed lifeline without touching /dev/shm', async () => {
    const l = await lifeline({ path: srv.socket });
    l.sock.close();
    await until(() => !l.sock.isOpen);
    const r = await openShm({ lifeline: l.sock, command: l.command, handlers: collector().handlers });
    expect(r).toBe('the socket is not connected');
  });

  it('parses the SHM.OPEN reply as a RESP2 flat array or a map', () => {
    const flat = ['version', 1, 'session', 7, 'req-capacity', 4096, 'rep-capacity', 8192, 'server-pid', 42];
    expect(parseOpenReply(flat)).toEqual({ version: 1, session: 7, reqCapacity: 4096, repCapacity: 8192, serverPid: 42, wake: 'futex' });
    // WAKE SOCKET accepted: the main thread serves the session and the client rings the socket
    expect(parseOpenReply([...flat, 'wake', 'socket'])).toMatchObject({ wake: 'socket' });
    expect(parseOpenReply(new Map<unknown, unknown>([['version', 1], ['session', 7], ['req-capacity', 4096], ['rep-capacity', 8192], ['server-pid', 42], ['wake', 'futex']]))).toMatchObject({ wake: 'futex' });
    expect(parseOpenReply(['version', 1])).toBe('SHM.OPEN reply lacks session');
    expect(parseOpenReply('OK')).toBe('SHM.OPEN replied with something other than a map');
  });
});

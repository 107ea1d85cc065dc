// Taking access away: once an admin kills the socket client that owns a session (CLIENT KILL
// by id, by user, by address) or deletes its user, the ring must not serve that client one
// more command. Also permission changes reach a live session at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { RawConn } from './raw-conn.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, REASON, STATE, waitSessions } from './helpers.js';

describe('revoking a session\'s access', () => {
  let srv: RedisServer;
  let admin: RawConn;

  beforeAll(async () => {
    srv = await startRedis();
    admin = await RawConn.open(srv.port);
    await admin.call('SET', 'secret', 's3cr3t');
  });
  afterAll(async () => { admin?.close(); await srv?.stop(); });

  /** A session authenticated as `user`; returns it with its lifeline's client id and address. */
  async function session(user: string): Promise<{ h: Hostile; id: string; addr: string }> {
    await admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>pw', '~*', '+@all');
    const h = new Hostile(srv.port);
    expect((await h.ask('S', line('sock', 'AUTH', user, 'pw'))).bytes.toString()).toBe('+OK\r\n');
    const id = /^:(\d+)/.exec((await h.ask('S', line('sock', 'CLIENT', 'ID'))).bytes.toString())![1]!;
    const info = (await h.ask('S', line('sock', 'CLIENT', 'INFO'))).bytes.toString();
    const addr = / addr=(\S+)/.exec(info)![1]!;
    await h.open();
    h.send(line('cmd', 'GET', 'secret'), 'wait');
    expect((await h.ask('W')).text).toBe('ok');
    expect(h.tagged('R').at(-1)!.bytes.toString()).toBe('$6\r\ns3cr3t\r\n');
    return { h, id, addr };
  }

  /** After the revocation: the session is closed and a new request gets no reply. */
  async function revoked(h: Hostile, reason: number): Promise<void> {
    expect(await h.closedState()).toBe(`${STATE.CLOSED} ${reason}`);
    const before = h.tagged('R').length;
    h.send(line('cmd', 'GET', 'secret'), 'sleep 300', 'wait');
    expect((await h.ask('W')).text).toBe('closed');
    expect(h.tagged('R').length).toBe(before);
    await h.end();
    await waitSessions(srv, 0);
    assertNoCrash(srv);
  }

  it('CLIENT KILL ID of the lifeline', async () => {
    const { h, id } = await session('u1');
    expect(await admin.call('CLIENT', 'KILL', 'ID', id)).toBe(':1\r\n');
    await revoked(h, REASON.DISCONNECT);
  });

  it('CLIENT KILL USER', async () => {
    const { h } = await session('u2');
    expect(await admin.call('CLIENT', 'KILL', 'USER', 'u2')).toBe(':1\r\n');
    await revoked(h, REASON.DISCONNECT);
  });

  it('CLIENT KILL ADDR', async () => {
    const { h, addr } = await session('u3');
    expect(await admin.call('CLIENT', 'KILL', 'ADDR', addr)).toBe(':1\r\n');
    await revoked(h, REASON.DISCONNECT);
  });

  it('ACL DELUSER', async () => {
    const { h } = await session('u4');
    expect(await admin.call('ACL', 'DELUSER', 'u4')).toBe(':1\r\n');
    await revoked(h, REASON.DISCONNECT);
  });

  it('permissions taken away apply to the very next ring command, as on the socket', async () => {
    const { h } = await session('u5');
    expect(await admin.call('ACL', 'SETUSER', 'u5', 'resetkeys', '~public:*')).toBe('+OK\r\n');
    const wN = h.tagged('W').length + 1;   // counted before sending: the W may come before we ask
    h.send(line('sock', 'GET', 'secret'), line('cmd', 'GET', 'secret'), 'wait');
    const viaSocket = (await h.nth('S', 4)).bytes.toString();   // after AUTH, CLIENT ID, CLIENT INFO
    expect((await h.nth('W', wN)).text).toBe('ok');
    expect(viaSocket).toBe('-NOPERM this user has no permissions to access one of the keys used as arguments\r\n');
    expect(h.tagged('R').at(-1)!.bytes.toString()).toBe(viaSocket);
    await h.end();
    await waitSessions(srv, 0);
  });
});

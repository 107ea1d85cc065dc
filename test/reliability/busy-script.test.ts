// A hostile client runs a script that never ends, over the ring (so on a serving thread,
// under the module lock). The server must behave as with a socket client doing the same:
// other clients get BUSY, SCRIPT KILL ends it and the ring gets the socket's error text; a
// script that already wrote cannot be killed and SHUTDOWN NOSAVE ends the server cleanly.
import { describe, expect, it } from 'vitest';
import { startRedis } from '../helpers/redis-server.js';
import { RawConn } from './raw-conn.js';
import { Hostile, line } from './tools.js';
import { assertNoCrash, REASON, sleep, STATE, until } from './helpers.js';

const ARGS = ['--busy-reply-threshold', '300'];

describe('a script that never ends', () => {
  it('SCRIPT KILL: BUSY for others meanwhile, the ring gets the socket\'s error text', async () => {
    const srv = await startRedis({ args: ARGS });
    try {
      const admin = await RawConn.open(srv.port);
      // the socket's behaviour first
      const sock = await RawConn.open(srv.port);
      const viaSocketP = sock.call('EVAL', 'while true do end', '0');
      await until(() => srv.log().includes('Slow script detected'), 5000, 'busy script');
      expect(await admin.call('PING')).toMatch(/^-BUSY /);
      expect(await admin.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
      const viaSocket = await viaSocketP;
      sock.close();
      // then the ring
      const h = new Hostile(srv.port, { timeoutMs: 10000 });
      await h.open();
      h.send(line('cmd', 'EVAL', 'while true do end', '0'));
      await sleep(600);
      expect(await admin.call('PING')).toMatch(/^-BUSY /);
      expect(await admin.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
      h.send('wait');
      expect((await h.ask('W')).text).toBe('ok');
      expect(h.tagged('R')[0]!.bytes.toString()).toBe(viaSocket);
      // the session goes on serving
      h.send(line('cmd', 'PING'), 'wait');
      expect((await h.ask('W')).text).toBe('ok');
      expect(h.tagged('R')[1]!.bytes.toString()).toBe('+PONG\r\n');
      await h.end();
      expect(await admin.call('PING')).toBe('+PONG\r\n');
      admin.close();
      assertNoCrash(srv);
    } finally { await srv.stop(); }
  });

  it('a script that wrote cannot be killed; SHUTDOWN NOSAVE ends the server cleanly', async () => {
    const srv = await startRedis({ args: ARGS });
    const admin = await RawConn.open(srv.port);
    const h = new Hostile(srv.port, { timeoutMs: 10000 });
    await h.open();
    h.send(line('cmd', 'EVAL', "redis.call('SET', 'w', '1') while true do end", '0'));
    await until(() => srv.log().includes('Slow script detected'), 5000, 'busy script');
    expect(await admin.call('SCRIPT', 'KILL')).toMatch(/^-UNKILLABLE /);
    const exit = new Promise<number | null>((res) => srv.proc.once('exit', (code) => res(code)));
    admin.sock.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect(await exit).toBe(0);
    expect(await h.closedState()).toBe(`${STATE.CLOSED} ${REASON.SERVER}`);
    await h.end();
    admin.close();
    expect(srv.log()).toContain('Redis is now ready to exit, bye bye');
    expect(srv.log()).not.toMatch(/crashed by signal|ASSERTION|STACK TRACE/);
    await srv.stop();
  });
});

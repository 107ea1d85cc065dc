// How sessions end: disconnect, protocol error, corruption, truncation (SIGBUS), unload
// and shutdown. The server must survive every hostile client and leave nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';

const STATE_CLOSED = 2;
const REASON = { CLIENT: 1, DISCONNECT: 2, PROTOCOL: 3, CORRUPT: 4, SERVER: 5, FAULT: 6 };

async function closedWith(cli: Cli): Promise<number> {
  cli.send('waitclosed');
  const t = await cli.waitTag('T', cli.tagged('T').length + 1);
  const [state, reason] = t[t.length - 1]!.text.split(' ').map(Number);
  expect(state).toBe(STATE_CLOSED);
  return reason!;
}

function infoField(info: string, name: string): number {
  const m = new RegExp(`^shm_${name}:(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : NaN;
}

/** What a socket client receives for raw bytes before the server drops it. */
function socketRaw(port: number, bytes: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    let buf = '';
    s.on('data', (d) => { buf += d.toString('latin1'); });
    s.on('close', () => res(buf));
    s.on('error', rej);
    setTimeout(() => { s.destroy(); }, 2000);
  });
}

describe('session lifecycle', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--enable-module-command', 'yes'] }); });
  afterAll(async () => { await srv.stop(); });

  it('socket disconnect closes the session with DISCONNECT', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'PING'), 'wait', 'disconnect');
    await cli.waitTag('R', 1);
    expect(await closedWith(cli)).toBe(REASON.DISCONNECT);
    await cli.end();
    expect(await srv.command('SHM.INFO')).toContain('$8\r\nsessions\r\n:0\r\n');
  });

  it('a client that ends the session itself (state CLOSED) is let go', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'PING'), 'wait', 'clientclose', 'sleep 200', line('sock', 'SHM.INFO'));
    const s = await cli.waitTag('S', 1);
    expect(s[0]!.bytes.toString()).toContain('$8\r\nsessions\r\n:0\r\n');
    cli.send('state');
    const [st] = await cli.waitTag('T', 1);
    expect(st!.text).toBe(`${STATE_CLOSED} ${REASON.CLIENT}`);
    await cli.end();
  });

  it('a protocol error gets the socket\'s error text, then the session closes', async () => {
    const bad = '*1\r\n+x\r\n';
    const viaSocket = await socketRaw(srv.port, bad);
    const cli = new Cli(srv);
    cli.send('open', line('raw', bad), 'expect 1', 'wait');
    const [r] = await cli.waitTag('R', 1);
    expect(r!.bytes.toString('latin1')).toBe(viaSocket);
    expect(viaSocket).toBe("-ERR Protocol error: expected '$', got '+'\r\n");
    expect(await closedWith(cli)).toBe(REASON.PROTOCOL);
    await cli.end();
    expect(srv.log()).toContain('closed: protocol error');
  });

  it('a request past client-query-buffer-limit closes the session, as the server closes a socket', async () => {
    expect(await srv.command('CONFIG', 'SET', 'client-query-buffer-limit', '1mb')).toBe('+OK\r\n');
    try {
      const cli = new Cli(srv);
      cli.send('open', line('cmd', 'SET', 'huge', 'x'.repeat(2 << 20)));
      expect(await closedWith(cli)).toBe(REASON.PROTOCOL);
      await cli.end();
      expect(await srv.command('EXISTS', 'huge')).toBe(':0\r\n');
    } finally {
      expect(await srv.command('CONFIG', 'SET', 'client-query-buffer-limit', '1gb')).toBe('+OK\r\n');
    }
  });

  it('impossible ring indices close the session with CORRUPT', async () => {
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'PING'), 'wait', 'scribble');
    await cli.waitTag('R', 1);
    expect(await closedWith(cli)).toBe(REASON.CORRUPT);
    await cli.end();
    expect(await srv.command('PING')).toBe('+PONG\r\n');
  });

  it('a segment truncated under the server closes with FAULT and the server survives', async () => {
    const before = infoField(await srv.command('INFO', 'shm'), 'fault_closes');
    const cli = new Cli(srv);
    cli.send('open', line('cmd', 'PING'), 'wait', 'truncate 4096', 'bumptail 100');
    await cli.waitTag('R', 1);
    expect(await closedWith(cli)).toBe(REASON.FAULT);
    await cli.end();
    // truncated to nothing: even the header page faults
    const cli2 = new Cli(srv);
    cli2.send('open', line('cmd', 'PING'), 'wait', 'truncate 0', 'sleep 300', 'disconnect');
    await cli2.waitTag('R', 1);
    await cli2.end();
    expect(await srv.command('PING')).toBe('+PONG\r\n');
    expect(infoField(await srv.command('INFO', 'shm'), 'fault_closes')).toBe(before + 2);
  });

  it('MODULE UNLOAD is refused while a session is open, allowed after', async () => {
    const cli = new Cli(srv);
    cli.send('open');
    await cli.waitTag('O', 1);
    expect(await srv.command('MODULE', 'UNLOAD', 'shm')).toMatch(/^-ERR Error unloading module/);
    expect(srv.log()).toContain('refusing to unload with 1 open shm session');
    cli.send(line('sock', 'SHM.CLOSE'));
    await cli.waitTag('S', 1);
    await cli.end();
    let r = '';
    for (let i = 0; i < 50; i++) {   // the serving thread frees the session right after
      r = await srv.command('MODULE', 'UNLOAD', 'shm');
      if (r === '+OK\r\n') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(r).toBe('+OK\r\n');
    expect(await srv.command('MODULE', 'LOAD', srv.proc.spawnargs[srv.proc.spawnargs.indexOf('--loadmodule') + 1]!)).toBe('+OK\r\n');
    expect(await srv.command('SHM.INFO')).toContain('sessions');
  });

  it('SHUTDOWN closes sessions with SERVER and exits cleanly', async () => {
    const own = await startRedis();
    const cli = new Cli(own);
    cli.send('open', line('cmd', 'SET', 'a', '1'), 'wait');
    await cli.waitTag('R', 1);
    const exit = new Promise<number | null>((res) => own.proc.once('exit', (code) => res(code)));
    await socketRaw(own.port, '*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect(await exit).toBe(0);
    expect(await closedWith(cli)).toBe(REASON.SERVER);
    await cli.end();
    await own.stop();
    expect(own.log()).not.toMatch(/crashed|ASSERTION|SIGSEGV|SIGBUS/);
    expect(readdirSync('/dev/shm').filter((n) => cli.tagged('N').some((o) => o.text.endsWith(n)))).toEqual([]);
  });
});

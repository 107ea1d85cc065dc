// Side effects of ring commands on other clients happen without waiting for a timer
// tick: a socket client blocked in BLPOP is served, a subscriber gets the message.
// (Latency figures come from native/module/tools/bench-*.mjs, not from tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { startRedis, resp, type RedisServer } from '../helpers/redis-server.js';
import { line, runCli } from './cli.js';
import { until } from '../reliability/helpers.js';

function openSocket(port: number): Promise<{ s: Socket; data: () => string }> {
  return new Promise((res) => {
    let buf = '';
    const s = connect(port, '127.0.0.1', () => res({ s, data: () => buf }));
    s.on('data', (d) => { buf += d.toString('latin1'); });
  });
}

describe('side effects reach other clients', () => {
  let srv: RedisServer;
  beforeAll(async () => { srv = await startRedis({ args: ['--hz', '1'] }); });
  afterAll(async () => { await srv.stop(); });

  it('LPUSH over the ring serves a socket client blocked in BLPOP', async () => {
    const b = await openSocket(srv.port);
    b.s.write(resp('BLPOP', 'q', '0'));
    for (let i = 0; i < 100 && !/blocked_clients:1/.test(await srv.command('INFO', 'clients')); i++) await new Promise((r) => setTimeout(r, 10));
    const { code } = await runCli(srv, ['open', line('cmd', 'LPUSH', 'q', 'job'), 'wait']);
    expect(code).toBe(0);
    await until(() => b.data().length > 0);
    expect(b.data()).toBe('*2\r\n$1\r\nq\r\n$3\r\njob\r\n');
    b.s.destroy();
  });

  it('MONITOR shows ring commands, and nothing of the module\'s own bookkeeping', async () => {
    const mon = await openSocket(srv.port);
    mon.s.write(resp('MONITOR'));
    await until(() => mon.data().startsWith('+OK'));
    const { code } = await runCli(srv, ['open', line('cmd', 'SET', 'mon', '1'), line('cmd', 'GET', 'mon'), 'wait']);
    expect(code).toBe(0);
    await until(() => mon.data().includes('"GET" "mon"'));
    expect(mon.data()).toContain('"SET" "mon" "1"');
    expect(mon.data()).not.toContain('"COMMAND"');
    mon.s.destroy();
  });

  it('PUBLISH over the ring reaches a socket subscriber', async () => {
    const sub = await openSocket(srv.port);
    sub.s.write(resp('SUBSCRIBE', 'news'));
    await until(() => sub.data().includes('subscribe'));
    const { cli } = await runCli(srv, ['open', line('cmd', 'PUBLISH', 'news', 'hello'), 'wait']);
    expect(cli.tagged('R')[0]!.bytes.toString()).toBe(':1\r\n');
    await until(() => sub.data().includes('hello'));
    expect(sub.data()).toContain('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
    sub.s.destroy();
  });
});

// While the server loads a dataset, ring commands get what socket commands get at the same
// moment: -LOADING for commands without the `loading` flag, the reply for those with it
// (ECHO, INFO). The main thread keeps the module lock for the whole load, so it runs the
// ring sessions' commands itself between chunks (docs/module.md, "Loading").
// The loads are slowed down with the hidden debug configs key-load-delay (µs per key) and
// loading-process-events-interval-bytes (how often the loader serves clients).
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { rawCommand, resp, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { Cli, line } from './cli.js';
import { until } from '../reliability/helpers.js';

const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';
const KEYS = '3000';                                  // x 500 µs: a load of 1.5 s or more
const SLOW_LOAD = ['--key-load-delay', '500', '--loading-process-events-interval-bytes', '1024'];

const isLoading = async (srv: RedisServer): Promise<boolean> => /loading:1/.test(await srv.command('INFO', 'persistence'));

/** Starts DEBUG RELOAD on its own connection and resolves once the server is loading. */
async function startReload(srv: RedisServer): Promise<{ done: () => boolean; reply: Promise<string> }> {
  let finished = false;
  const reply = rawCommand({ port: srv.port }, ['DEBUG', 'RELOAD'], 20000).finally(() => { finished = true; });
  await until(() => isLoading(srv));
  return { done: () => finished, reply };
}

const text = (o: { bytes: Buffer }[]): string[] => o.map((x) => x.bytes.toString('latin1'));

describe('LOADING over a ring session', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => { for (const s of servers) await s.stop(); });

  /** A server with the module, debug commands, a slow load and KEYS keys. */
  async function populatedServer(): Promise<RedisServer> {
    const srv = await startRedis({ args: ['--enable-debug-command', 'yes', ...SLOW_LOAD] });
    servers.push(srv);
    expect(await srv.command('DEBUG', 'POPULATE', KEYS, 'key')).toBe('+OK\r\n');
    return srv;
  }

  /** A ring session on `srv`, open. */
  async function openSession(srv: RedisServer): Promise<Cli> {
    const c = new Cli(srv, { timeoutMs: 15000 });
    c.send('open');
    await c.waitTag('O', 1);
    return c;
  }

  it('during DEBUG RELOAD: -LOADING and loading-ok replies as on the socket, then the data', async () => {
    const srv = await populatedServer();
    expect(await srv.command('ACL', 'SETUSER', 'noget', 'on', 'nopass', '+@all', '-get', '~*', '&*')).toBe('+OK\r\n');
    const ring = new Cli(srv, { timeoutMs: 15000 });
    const limited = new Cli(srv, { timeoutMs: 15000 });
    const resp3 = new Cli(srv, { timeoutMs: 15000 });
    const sock = new Cli(srv, { timeoutMs: 15000 });   // a second client, socket only
    ring.send('open');
    limited.send(line('sock', 'AUTH', 'noget', 'x'), 'open');
    resp3.send(line('sock', 'HELLO', '3'), 'open');
    await ring.waitTag('O', 1);
    await limited.waitTag('O', 1);
    await resp3.waitTag('O', 1);

    const reload = await startReload(srv);
    ring.send(line('cmd', 'GET', 'key:1'), line('cmd', 'ECHO', 'hi'), line('cmd', 'INFO', 'persistence'),
      line('cmd', 'SET', 'new', '1'), 'wait');
    limited.send(line('cmd', 'GET', 'key:1'), line('sock', 'GET', 'key:1'), 'wait');
    resp3.send(line('cmd', 'GET', 'key:1'), line('cmd', 'INFO', 'persistence'), line('sock', 'INFO', 'persistence'), 'wait');
    sock.send(line('sock', 'GET', 'key:1'), line('sock', 'ECHO', 'hi'), line('sock', 'SET', 'new', '1'));
    const r = text(await ring.waitTag('R', 4, 10000));
    const lim = text(await limited.waitTag('R', 1, 10000));
    const r3 = text(await resp3.waitTag('R', 2, 10000));
    const s = text(await sock.waitTag('S', 3, 10000));
    expect(reload.done()).toBe(false);                 // all of it arrived while the load went on
    expect(await isLoading(srv)).toBe(true);

    expect(s).toEqual([LOADING, '$2\r\nhi\r\n', LOADING]);
    expect(r[0]).toBe(s[0]);                          // GET: not loading-ok
    expect(r[1]).toBe(s[1]);                          // ECHO: loading-ok, answered during the load
    expect(r[2]).toMatch(/^\$\d+\r\n# Persistence\r\nloading:1\r\n/);
    expect(r[3]).toBe(s[2]);                          // SET
    // ACL is checked before LOADING, as in processCommand
    expect(lim[0]).toBe("-NOPERM this user has no permissions to run the 'get' command\r\n");
    expect(lim[0]).toBe(limited.tagged('S')[1]!.bytes.toString('latin1'));
    // RESP3: the same error line; INFO as a verbatim string, as the socket sends it in RESP3
    expect(r3[0]).toBe(LOADING);
    const verbatim = /^=\d+\r\ntxt:# Persistence\r\nloading:1\r\n/;
    expect(r3[1]).toMatch(verbatim);
    expect(resp3.tagged('S')[1]!.bytes.toString('latin1')).toMatch(verbatim);

    expect(await reload.reply).toBe('+OK\r\n');
    ring.send(line('cmd', 'GET', 'key:1'), line('cmd', 'DBSIZE'), 'wait');
    const after = text(await ring.waitTag('R', 6));
    expect(after.slice(4)).toEqual([await srv.command('GET', 'key:1'), `:${KEYS}\r\n`]);
    expect(after[4]).toBe('$7\r\nvalue:1\r\n');
    expect(await srv.command('INFO', 'shm')).toMatch(/shm_loading_passes:[1-9]/);
    for (const c of [ring, limited, resp3, sock]) expect(await c.end()).toBe(0);
    expect(srv.log()).not.toMatch(/ASSERTION|crashed/);
  });

  it('PUBLISH waits for the end of the load, and the commands behind it; a hostile session closes during the load', async () => {
    const srv = await populatedServer();
    const [ring, other, hostile] = await Promise.all([openSession(srv), openSession(srv), openSession(srv)]);

    const reload = await startReload(srv);
    ring.send(line('cmd', 'PUBLISH', 'ch', 'm'), line('cmd', 'ECHO', 'behind'), 'wait');
    other.send(line('cmd', 'ECHO', 'other'), 'wait');
    hostile.send('truncate 4096', 'bumptail 100', 'waitclosed');
    // another session is not held up by it
    expect(text(await other.waitTag('R', 1, 10000))).toEqual(['$5\r\nother\r\n']);
    // its segment faults under the serving thread; the main thread's pass closes it (FAULT)
    expect((await hostile.waitTag('T', 1, 10000))[0]!.text).toBe('2 6');
    await new Promise((r) => setTimeout(r, 200));
    expect(reload.done()).toBe(false);
    expect(ring.tagged('R')).toHaveLength(0);
    expect(await reload.reply).toBe('+OK\r\n');
    expect(text(await ring.waitTag('R', 2))).toEqual([':0\r\n', '$6\r\nbehind\r\n']);
    for (const c of [ring, other, hostile]) expect(await c.end()).toBe(0);
    expect(await srv.command('INFO', 'shm')).toMatch(/shm_fault_closes:1\r\n/);
    expect(srv.log()).not.toMatch(/ASSERTION|crashed/);
  });

  it('a serving thread already blocked in the module lock when the load starts is served during the load', async () => {
    const srv = await populatedServer();
    const ring = await openSession(srv);
    // one pipeline: the main thread sleeps with the lock, then goes straight into the load
    let finished = false;
    const sleepThenReload = new Promise<string>((res, rej) => {
      const sock = connect(srv.port, '127.0.0.1', () => sock.write(resp('DEBUG', 'SLEEP', '0.3') + resp('DEBUG', 'RELOAD')));
      let buf = '';
      sock.on('data', (d) => { buf += d.toString('latin1'); if (buf === '+OK\r\n+OK\r\n') { finished = true; sock.end(); res(buf); } });
      sock.on('error', rej);
    });
    await new Promise((r) => setTimeout(r, 100));
    ring.send(line('cmd', 'GET', 'key:1'), 'wait');   // the serving thread blocks in the lock
    const r = text(await ring.waitTag('R', 1, 10000));
    expect(finished).toBe(false);
    expect(await isLoading(srv)).toBe(true);
    expect(r).toEqual([LOADING]);
    expect(await sleepThenReload).toBe('+OK\r\n+OK\r\n');
    expect(await ring.end()).toBe(0);
    expect(srv.log()).not.toMatch(/ASSERTION|crashed/);
  });

  it('a pipeline running across the start and the end of a load: every reply, in order', async () => {
    const srv = await populatedServer();
    const ring = await openSession(srv);
    const N = 250;                                  // ~5 ms apart: before, during and after the load
    const script: string[] = [];
    for (let i = 0; i < N; i++) script.push(line('cmd', 'ECHO', `e${i}`), line('cmd', 'GET', 'key:7'), 'wait', line('sleep', '5'));
    ring.send(...script);
    await new Promise((r) => setTimeout(r, 100));
    const reload = await startReload(srv);
    expect(await reload.reply).toBe('+OK\r\n');
    const r = text(await ring.waitTag('R', 2 * N, 15000));
    const gets = new Set<string>();
    for (let i = 0; i < N; i++) {
      expect(r[2 * i]).toBe(`$${`e${i}`.length}\r\ne${i}\r\n`);
      gets.add(r[2 * i + 1]!);
    }
    expect(gets).toEqual(new Set(['$7\r\nvalue:7\r\n', LOADING]));   // served before, during and after
    expect(await ring.end()).toBe(0);
    expect(srv.log()).not.toMatch(/ASSERTION|crashed/);
  });

  async function replicaLoad(replicaArgs: string[]): Promise<{ ring: string[]; sock: string[] }> {
    const master = await startRedis({ module: false, args: ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'] });
    servers.push(master);
    expect(await master.command('DEBUG', 'POPULATE', KEYS, 'key')).toBe('+OK\r\n');
    const replica = await startRedis({ args: [...SLOW_LOAD, ...replicaArgs] });
    servers.push(replica);
    const ring = new Cli(replica, { timeoutMs: 15000 });
    const sock = new Cli(replica, { timeoutMs: 15000 });
    ring.send('open');
    await ring.waitTag('O', 1);
    expect(await replica.command('REPLICAOF', '127.0.0.1', String(master.port))).toBe('+OK\r\n');
    await until(() => isLoading(replica), 10000);
    ring.send(line('cmd', 'GET', 'key:1'), line('cmd', 'ECHO', 'hi'), line('cmd', 'SET', 'x', '1'), 'wait');
    sock.send(line('sock', 'GET', 'key:1'), line('sock', 'ECHO', 'hi'), line('sock', 'SET', 'x', '1'));
    const r = text(await ring.waitTag('R', 3, 10000));
    const s = text(await sock.waitTag('S', 3, 10000));
    expect(await isLoading(replica)).toBe(true);
    await until(async () => /master_link_status:up/.test(await replica.command('INFO', 'replication')), 15000);
    ring.send(line('cmd', 'GET', 'key:1'), 'wait');
    expect(text(await ring.waitTag('R', 4)).at(-1)).toBe('$7\r\nvalue:1\r\n');
    for (const c of [ring, sock]) expect(await c.end()).toBe(0);
    expect(replica.log()).not.toMatch(/ASSERTION|crashed/);
    return { ring: r, sock: s };
  }

  it('a replica loading a full sync answers ring commands like socket ones', async () => {
    const { ring, sock } = await replicaLoad([]);
    // READONLY comes before LOADING in processCommand
    expect(sock).toEqual([LOADING, '$2\r\nhi\r\n', "-READONLY You can't write against a read only replica.\r\n"]);
    expect(ring).toEqual(sock);
  });

  it('with replica-serve-stale-data no, MASTERDOWN comes before LOADING', async () => {
    const { ring, sock } = await replicaLoad(['--replica-serve-stale-data', 'no']);
    expect(sock).toEqual(["-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
      '$2\r\nhi\r\n', "-READONLY You can't write against a read only replica.\r\n"]);
    expect(ring).toEqual(sock);
  });
});

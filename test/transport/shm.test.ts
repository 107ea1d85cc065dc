// The shm channel against a real redis-server with the module: ordering, streaming
// through small rings, routing errors passed through unchanged, and every way it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, resp, type RedisServer } from '../helpers/redis-server.js';
import { SocketChannel } from '../../src/transport/socket.js';
import { ShmChannel } from '../../src/transport/shm.js';
import { Spinner } from '../../src/spinner/spinner.js';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { Segment } from '../../src/native/segment.js';
import { loadAddon } from '../../src/native/addon.js';
import { collector, created, leftovers, lifeline, open, until } from './shm-harness.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis(); });
afterAll(async () => { await srv?.stop(); });

describe('ShmChannel against redis-server with the module', () => {
  it('opens over a Unix socket, leaves nothing in /dev/shm, and round-trips commands', async () => {
    const s = await open({ path: srv.socket });
    expect(s.ch).toBeInstanceOf(ShmChannel);
    expect(s.info).toMatchObject({ version: 1, reqCapacity: 1 << 20, repCapacity: 1 << 20, serverPid: srv.pid });
    expect(s.ch.sessionId).toBe(BigInt(s.info.session));
    expect(created.length).toBeGreaterThan(0);
    expect(leftovers()).toEqual([]);
    s.ch.write(Buffer.from(resp('PING') + resp('SET', 'shm:k', 'v1') + resp('GET', 'shm:k')));
    await until(() => s.c.text.length >= 20);
    expect(s.c.text).toBe('+PONG\r\n+OK\r\n$2\r\nv1\r\n');
    s.ch.close();
    s.ch.close();
    expect(s.c.closes).toEqual([undefined]);
    s.sock.close();
  });

  it('opens over loopback TCP too, and the reply bytes equal the socket\'s for the same commands', async () => {
    const s = await open({ port: srv.port });
    const cmds = (k: string): string => resp('DEL', `${k}:h`) + resp('HSET', `${k}:h`, 'a', '1', 'b', '2') + resp('HGETALL', `${k}:h`)
      + resp('INCRBYFLOAT', `${k}:f`, '1.5') + resp('LRANGE', `${k}:nolist`, '0', '-1') + resp('GET', `${k}:missing`) + resp('NOSUCHCMD');
    s.ch.write(Buffer.from(cmds('shm-tcp')));
    const viaSocket = await new Promise<string>((res) => {
      let t = '';
      void SocketChannel.connect({ port: srv.port }, {
        onData(c) { t += Buffer.from(c).toString('latin1'); if (t.includes('unknown command')) res(t); },
        onClose() {},
      }).then((ch) => ch.write(Buffer.from(cmds('sock-tcp'))));
    });
    await until(() => s.c.text.includes('unknown command'));
    expect(s.c.text).toBe(viaSocket);
    s.ch.close();
    s.sock.close();
  });

  it('poll() delivers a reply without the event loop turning (busy-poll adapters)', async () => {
    const s = await open({ path: srv.socket });
    s.ch.write(Buffer.from(resp('ECHO', 'polled')));
    const end = Date.now() + 5000;
    while (s.c.text === '' && Date.now() < end) s.ch.poll();  // synchronous: no await in the loop
    expect(s.c.text).toBe('$6\r\npolled\r\n');
    expect(s.ch.poll()).toBe(false);
  });

  it('direct reads: the byte stream stays whole and in order while REP changes hands, also inside replies', async () => {
    const s = await open({ path: srv.socket });
    // replies from 1 B to 300 KB: handbacks land inside replies too (REP is 1 MiB)
    const sizes = Array.from({ length: 400 }, (_, i) => (i % 50 === 7 ? 300_000 : (i * 7919) % 3000));
    let want = '';
    for (let i = 0; i < sizes.length; i++) {
      const v = String.fromCharCode(97 + (i % 26)).repeat(sizes[i]!);
      s.ch.write(Buffer.from(resp('ECHO', v)));
      want += `$${v.length}\r\n${v}\r\n`;
    }
    let switches = 0;
    let directCalls = 0;
    const end = Date.now() + 20000;
    while (s.c.bytes < want.length && Date.now() < end) {
      // a few direct reads, then back to the worker for a turn of the loop
      for (let k = 0; k < 3; k++) { s.ch.pollDirect(); directCalls++; }
      if (s.ch.isDirect) switches++;
      s.ch.releaseDirect();
      expect(s.ch.isDirect).toBe(false);
      await new Promise((r) => setImmediate(r));
    }
    expect(s.c.text.length).toBe(want.length);
    expect(s.c.text === want).toBe(true);
    expect(switches).toBeGreaterThan(0);
    expect(directCalls).toBeGreaterThan(0);
    expect(s.c.closes).toEqual([]);
    s.ch.close();
    s.sock.close();
  });

  it('opens and closes 20 sessions in a row (half by close(), half by the lifeline) and leaks nothing', async () => {
    const addon = loadAddon();
    await until(() => Spinner.channelCount === 0, 2000);
    const live = addon.liveSegments();
    for (let i = 0; i < 20; i++) {
      const s = await open({ path: srv.socket });
      s.ch.write(Buffer.from(resp('INCR', 'churn')));
      await until(() => s.c.text.startsWith(':'));
      if (i % 2 === 0) s.ch.close(); else s.sock.close();
      await until(() => s.c.closes.length === 1, 2000);
      expect(s.c.closes).toEqual([undefined]);
    }
    await until(() => Spinner.channelCount === 0, 2000);
    expect(addon.liveSegments()).toBe(live);
    expect(leftovers()).toEqual([]);
  });

  it('keeps 5000 pipelined commands in order', async () => {
    const s = await open({ path: srv.socket });
    s.ch.write(Buffer.from(resp('DEL', 'shm:ctr')));
    for (let i = 0; i < 5000; i++) s.ch.write(Buffer.from(resp('INCR', 'shm:ctr')));
    await until(() => s.c.text.endsWith(':5000\r\n'));
    const ints = s.c.text.split('\r\n').filter((l) => l.startsWith(':')).map((l) => Number(l.slice(1)));
    expect(ints).toEqual([0, ...Array.from({ length: 5000 }, (_, i) => i + 1)]);
    s.ch.close();
    s.sock.close();
  });

  it('streams a 512 MB value through 1 MB rings both ways without blocking the event loop', async () => {
    const s = await open({ path: srv.socket }, { reqCapacity: 1 << 20, repCapacity: 1 << 20 });
    const size = 512 * 1024 * 1024;
    const value = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4096) value.writeUInt32LE((i * 2654435761) >>> 0, i);
    const header = Buffer.from(`*3\r\n$3\r\nSET\r\n$7\r\nshm:big\r\n$${size}\r\n`);
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 5);
    s.ch.write(header);
    s.ch.write(value);
    s.ch.write(Buffer.from('\r\n' + resp('STRLEN', 'shm:big') + resp('GET', 'shm:big')));
    expect(s.ch.pendingBytes).toBeGreaterThan(size - (1 << 20) - 1);  // queued, not blocking
    const total = 5 + (size + 1 + `${size}`.length + 2 + 2) + `:${size}\r\n`.length;
    await until(() => s.c.bytes >= total, 120000);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);  // timers kept firing while the value streamed
    expect(s.c.bytes).toBe(total);
    const all = Buffer.concat(s.c.parts);
    const prefix = `+OK\r\n:${size}\r\n$${size}\r\n`;
    expect(all.subarray(0, prefix.length).toString('latin1')).toBe(prefix);
    expect(all.subarray(prefix.length, prefix.length + size).equals(value)).toBe(true);
    s.ch.close();
    s.sock.close();
    await new Promise<void>((r) => { void srv.command('DEL', 'shm:big').then(() => r()); });
  }, 180000);

  it('passes the module\'s SHM-ROUTE refusal through as the reply bytes', async () => {
    const s = await open({ path: srv.socket });
    s.ch.write(Buffer.from(resp('BLPOP', 'shm:list', '1') + resp('PING')));
    await until(() => s.c.text.endsWith('+PONG\r\n'));
    expect(s.c.text).toMatch(/^-ERR SHM-ROUTE 'blpop' is served on the socket only \(.*\)\r\n\+PONG\r\n$/);
    s.ch.close();
    s.sock.close();
  });

  it('closes with ERR_SHM_CLOSED when the server ends the session (SHM.CLOSE on the lifeline)', async () => {
    const s = await open({ path: srv.socket });
    await s.command(['SHM.CLOSE']);
    await until(() => s.c.closes.length > 0, 2000);
    expect(s.c.closes[0]?.code).toBe('ERR_SHM_CLOSED');
    expect(s.c.closes[0]?.message).toContain('client');
    s.ch.write(Buffer.from(resp('PING')));  // dropped, no throw
    s.sock.close();
  });

  it('closes with ERR_EOF within 100 ms when the lifeline is killed, and the worker stops', async () => {
    const s = await open({ path: srv.socket });
    const id = await s.command(['CLIENT', 'ID']) as { integer: number };
    const t0 = Date.now();
    await srv.command('CLIENT', 'KILL', 'ID', String(id.integer));
    await until(() => s.c.closes.length > 0, 2000);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(s.c.closes.map((e) => e?.code)).toEqual(['ERR_EOF']);  // whichever side noticed first
    await until(() => Spinner.channelCount === 0, 2000);
  });

});

describe('ShmChannel when redis-server dies', () => {
  it('closes every channel within 100 ms, stops the worker, and leaves nothing in /dev/shm', async () => {
    const victim = await startRedis();
    const a = await open({ path: victim.socket });
    const b = await open({ port: victim.port });
    a.ch.write(Buffer.from(resp('PING')));
    await until(() => a.c.text === '+PONG\r\n');
    const t0 = Date.now();
    await victim.stop({ signal: 'SIGKILL' });
    await until(() => a.c.closes.length > 0 && b.c.closes.length > 0, 2000);
    expect(Date.now() - t0).toBeLessThan(100 + 50);  // + the time stop() takes to see the exit
    expect(a.c.closes[0]?.code).toBe('ERR_EOF');
    expect(b.c.closes[0]?.code).toBe('ERR_EOF');
    await until(() => Spinner.channelCount === 0, 2000);
    expect(leftovers()).toEqual([]);
  });

  it('closing the lifeline on purpose closes the channel without an error', async () => {
    const s = await open({ path: srv.socket });
    s.sock.close();
    await until(() => s.c.closes.length > 0, 2000);
    expect(s.c.closes).toEqual([undefined]);
    expect(s.ch.isOpen).toBe(false);
    await until(() => Spinner.channelCount === 0, 2000);
  });
});

describe('ShmChannel against a hostile peer (test-only peer endpoint, real lifeline)', () => {
  async function rig() {
    const l = await lifeline({ path: srv.socket });
    const seg = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
    const peer = Segment.openPeer(seg.name, 9);
    const name = seg.name;
    const c = collector();
    const ch = new ShmChannel(seg, l.sock, c.handlers);
    const poke = (off: number, v: bigint): void => {
      const fd = openSync(`/dev/shm${name}`, 'r+');
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v);
      writeSync(fd, b, 0, 8, off);
      closeSync(fd);
    };
    return { l, seg, peer, c, ch, poke, done: () => { ch.close(); peer.close(); seg.close(); try { unlinkSync(`/dev/shm${name}`); } catch { /* gone */ } } };
  }

  it('delivers exactly what it wrote to the peer, and queues in order past a full REQ ring', async () => {
    const r = await rig();
    try {
      const big = Buffer.alloc(10_000, 0x41);
      r.ch.write(Buffer.from('head|'));
      r.ch.write(big);
      r.ch.write(Buffer.from('|tail'));
      expect(r.ch.pendingBytes).toBe(5 + 10_000 + 5 - 4096);
      const got: Buffer[] = [];
      const tmp = Buffer.alloc(4096);
      await until(() => {
        const n = r.peer.read(tmp);
        if (n > 0) got.push(Buffer.from(tmp.subarray(0, n)));
        return Buffer.concat(got).length === 10_010;
      });
      expect(Buffer.concat(got).equals(Buffer.concat([Buffer.from('head|'), big, Buffer.from('|tail')]))).toBe(true);
      expect(r.ch.pendingBytes).toBe(0);
    } finally { r.done(); }
  });

  it('waits for the server\'s space wake when REQ stays full (producer_parked), then flushes in order', async () => {
    const r = await rig();
    try {
      const payload = Buffer.alloc(3 * 4096 + 100);
      for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
      r.ch.write(payload);
      await new Promise((res) => setTimeout(res, 30));  // past the polling window: the channel arms
      const got: Buffer[] = [];
      const tmp = Buffer.alloc(4096);
      let wakes = 0;
      await until(() => {
        const n = r.peer.read(tmp);
        if (n > 0) {
          got.push(Buffer.from(tmp.subarray(0, n)));
          if (r.peer.wakeServerSpace()) wakes++;  // (peer: wakes the REQ producer) true = it had announced itself
        }
        return Buffer.concat(got).length === payload.length;
      });
      expect(Buffer.concat(got).equals(payload)).toBe(true);
      expect(wakes).toBeGreaterThan(0);
      expect(r.ch.pendingBytes).toBe(0);
    } finally { r.done(); }
  });

  it('closes with ERR_SHM_CORRUPT when the peer moves the REQ head past the tail', async () => {
    const r = await rig();
    try {
      r.poke(128 + 64, 1n << 33n);
      r.ch.write(Buffer.alloc(5000));  // needs a head reload: the bad value is seen
      expect(r.c.closes.map((e) => e?.code)).toEqual(['ERR_SHM_CORRUPT']);
      expect(r.ch.isOpen).toBe(false);
    } finally { r.done(); }
  });

  it('closes with ERR_SHM_CORRUPT when the peer publishes an impossible REP tail', async () => {
    const r = await rig();
    try {
      r.poke(320, 1n << 40n);
      r.peer.wakeServer();  // (peer side: wakes the REP consumer, the spinner)
      await until(() => r.c.closes.length > 0, 3000);
      expect(r.c.closes.map((e) => e?.code)).toEqual(['ERR_SHM_CORRUPT']);
      expect(r.c.parts).toEqual([]);
    } finally { r.done(); }
  });
});


// Pub/sub and pushes through the async context: subscription callbacks (hiredis style), RESP2
// subscribed mode, RESP3 pushes interleaved with replies, the push callback, MONITOR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisReply } from '../../src/resp/reply.js';
import { redisAsyncSetPushCallback } from '../../src/async/api.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { cmd, connected, plain, sleep, TRANSPORTS } from './helpers.js';
import { until as untilEvery } from '../helpers/until.js';

const until = (cond: () => boolean, ms = 5000): Promise<void> => untilEvery(cond, ms, 5);

for (const tc of TRANSPORTS) {
  for (const protocol of [2, 3] as const) {
    describe(`pub/sub over ${tc.name}, RESP${protocol}`, () => {
      let srv: RedisServer;
      beforeAll(async () => { srv = await startRedis({ module: tc.module }); });
      afterAll(async () => { await srv?.stop(); });

      it('the SUBSCRIBE callback gets the confirmations, every message, and the unsubscribe', async () => {
        const sub = await connected(srv, tc, { protocol });
        const pub = await connected(srv, tc);
        const got: unknown[] = [];
        sub.commandArgv((_c, r: RedisReply | null, tag: string) => got.push([tag, plain(r)]), 'A', ['SUBSCRIBE', 'ch1', 'ch2']);
        sub.commandArgv((_c, r: RedisReply | null, tag: string) => got.push([tag, plain(r)]), 'P', ['PSUBSCRIBE', 'news.*']);
        await until(() => got.length === 3);
        expect(plain(await cmd(pub, 'PUBLISH', 'ch1', 'hello'))).toBe(1);
        expect(plain(await cmd(pub, 'PUBLISH', 'news.x', 'extra'))).toBe(1);
        expect(plain(await cmd(pub, 'PUBLISH', 'ch2', 'world'))).toBe(1);
        await until(() => got.length === 6);
        sub.commandArgv(null, 0, ['UNSUBSCRIBE', 'ch1']);
        await until(() => got.length === 7);
        expect(got).toEqual([
          ['A', ['subscribe', 'ch1', 1]], ['A', ['subscribe', 'ch2', 2]], ['P', ['psubscribe', 'news.*', 3]],
          ['A', ['message', 'ch1', 'hello']], ['P', ['pmessage', 'news.*', 'news.x', 'extra']], ['A', ['message', 'ch2', 'world']],
          ['A', ['unsubscribe', 'ch1', 2]],
        ]);
        // Still subscribed to ch2; a PING is answered in order.
        const pong = await cmd(sub, 'PING');
        expect(plain(pong)).toEqual(protocol === 2 ? ['pong', ''] : 'PONG');
        sub.free();
        // On free, the remaining subscription callbacks get null.
        expect(got.slice(7)).toEqual([['A', undefined], ['P', undefined]]);
        pub.free();
      });

      it(protocol === 2 ? 'RESP2 subscribed mode: other commands get the server error' : 'RESP3: commands work while subscribed', async () => {
        const sub = await connected(srv, tc, { protocol });
        const msgs: unknown[] = [];
        sub.commandArgv((_c, r) => msgs.push(plain(r)), 0, ['SUBSCRIBE', 'mode']);
        const r = await cmd(sub, 'SET', 'mode:k', 'v');
        if (protocol === 2) expect(plain(r)).toEqual({ error: expect.stringMatching(/^ERR Can't execute 'set'/) });
        else expect(plain(r)).toBe('OK');
        expect(msgs).toEqual([['subscribe', 'mode', 1]]);
        sub.commandArgv(null, 0, ['UNSUBSCRIBE']);
        // After the last unsubscribe, ordinary commands work again in both protocols.
        expect(plain(await cmd(sub, 'ECHO', 'back'))).toBe('back');
        expect(msgs).toEqual([['subscribe', 'mode', 1], ['unsubscribe', 'mode', 0]]);
        sub.free();
      });

      it('SUBSCRIBE inside MULTI is refused at once', async () => {
        const sub = await connected(srv, tc, { protocol });
        expect(plain(await cmd(sub, 'MULTI'))).toBe('OK');
        expect(() => sub.commandArgv(null, 0, ['SUBSCRIBE', 'tx'])).toThrow(/SUBSCRIBE inside MULTI is not supported/);
        expect(plain(await cmd(sub, 'DISCARD'))).toBe('OK');
        sub.free();
      });

      it('disconnect from inside a message callback completes', async () => {
        const sub = await connected(srv, tc, { protocol });
        const pub = await connected(srv, tc);
        const events: string[] = [];
        const done = new Promise<number>((resolve) => sub.setDisconnectCallback((_c, st) => resolve(st)));
        sub.commandArgv((c, r) => {
          const v = plain(r) as unknown[] | undefined;
          events.push(v === undefined ? 'null' : String(v[0]));
          if (v?.[0] === 'message') c.disconnect();
        }, 0, ['SUBSCRIBE', 'bye']);
        await until(() => events.length === 1);
        await cmd(pub, 'PUBLISH', 'bye', 'now');
        expect(await done).toBe(0);
        expect(events).toEqual(['subscribe', 'message', 'null']);
        pub.free();
      });

      it('UNSUBSCRIBE with nothing subscribed answers its own callback', async () => {
        const sub = await connected(srv, tc, { protocol });
        const r = await cmd(sub, 'UNSUBSCRIBE');
        expect(plain(r)).toEqual(['unsubscribe', null, 0]);
        expect(plain(await cmd(sub, 'PING'))).toBe('PONG');
        sub.free();
      });

      it('RESET drops subscriptions and returns to RESP2', async () => {
        const sub = await connected(srv, tc, { protocol });
        const got: unknown[] = [];
        sub.commandArgv((_c, r) => got.push(plain(r)), 0, ['SUBSCRIBE', 'gone']);
        expect(plain(await cmd(sub, 'RESET'))).toBe('RESET');
        expect(got).toEqual([['subscribe', 'gone', 1], undefined]);
        expect(plain(await cmd(sub, 'GET', 'reset:none'))).toBeNull();
        sub.free();
      });

      it('subscription callbacks get null when the server dies', async () => {
        const own = await startRedis({ module: tc.module });
        try {
          const sub = await connected(own, tc, { protocol });
          const got: unknown[] = [];
          sub.commandArgv((_c, r) => got.push(r === null ? null : plain(r)), 0, ['SUBSCRIBE', 'x']);
          await until(() => got.length === 1);
          own.proc.kill('SIGKILL');
          await until(() => got.length === 2);
          expect(got[1]).toBeNull();
          expect(sub.err).not.toBe(0);
        } finally {
          await own.stop();
        }
      });
    });
  }

  describe(`pushes and MONITOR over ${tc.name}`, () => {
    let srv: RedisServer;
    beforeAll(async () => { srv = await startRedis({ module: tc.module }); });
    afterAll(async () => { await srv?.stop(); });

    it('RESP3 client-tracking invalidations reach the push callback, between ordinary replies', async () => {
      const pushes: unknown[] = [];
      const first = (): void => { throw new Error('replaced, never called'); };
      const ac = await connected(srv, tc, { protocol: 3, pushCallback: first });
      expect(redisAsyncSetPushCallback(ac, (_c, r) => pushes.push(plain(r)))).toBe(first);
      const other = await connected(srv, tc);
      expect(plain(await cmd(ac, 'CLIENT', 'TRACKING', 'on'))).toBe('OK');
      expect(plain(await cmd(ac, 'GET', 'track:k'))).toBeNull();
      await cmd(other, 'SET', 'track:k', 'changed');
      await until(() => pushes.length === 1);
      expect(pushes[0]).toEqual(['invalidate', ['track:k']]);
      expect(plain(await cmd(ac, 'GET', 'track:k'))).toBe('changed');
      // Tracking off: commands go back to the context's transport, and are no longer tracked.
      expect(plain(await cmd(ac, 'CLIENT', 'TRACKING', 'off'))).toBe('OK');
      await cmd(other, 'SET', 'track:k', 'again');
      expect(plain(await cmd(ac, 'GET', 'track:k'))).toBe('again');
      await sleep(20);
      expect(pushes).toHaveLength(1);
      ac.free();
      other.free();
    });

    it('MONITOR streams every command to its callback', async () => {
      const mon = await connected(srv, tc);
      const other = await connected(srv, tc);
      const lines: string[] = [];
      mon.commandArgv((_c, r) => lines.push(String(plain(r))), 0, ['MONITOR']);
      await until(() => lines.length === 1);
      await cmd(other, 'SET', 'monitored', 'yes');
      await until(() => lines.some((l) => l.includes('"SET" "monitored" "yes"')));
      expect(lines[0]).toBe('OK');
      await sleep(10);
      mon.free();
      other.free();
    });
  });
}

describe('pub/sub names that are Object.prototype members', () => {
  it('channels called "constructor" or "__proto__" work like any other', async () => {
    const tc = TRANSPORTS[0]!;
    const srv = await startRedis({ module: tc.module });
    try {
      for (const protocol of [2, 3] as const) {
        const sub = await connected(srv, tc, { protocol });
        const pub = await connected(srv, tc);
        const got: unknown[] = [];
        sub.commandArgv((_c, r) => got.push(plain(r)), 0, ['SUBSCRIBE', 'constructor', '__proto__']);
        await until(() => got.length === 2);
        await cmd(pub, 'PUBLISH', 'constructor', 'a');
        await cmd(pub, 'PUBLISH', '__proto__', 'b');
        await until(() => got.length === 4);
        expect(got.slice(2)).toEqual([['message', 'constructor', 'a'], ['message', '__proto__', 'b']]);
        expect(plain(await cmd(sub, 'PING'))).toEqual(protocol === 2 ? ['pong', ''] : 'PONG');
        sub.free();
        pub.free();
      }
    } finally {
      await srv.stop();
    }
  });
});

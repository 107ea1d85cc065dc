// MONITOR: a monitor made by the cell's client sees other clients' commands, and the cell's
// client's own commands show up in a monitor (whichever transport carried them).
import { expect, test } from 'vitest';
import { until } from '../helpers/until.js';
import { describeCells, once } from './matrix.js';
import type { Client } from './matrix.js';

type MonitorEvent = [time: string, args: string[], source: string, database: string];

function collect(m: Client): MonitorEvent[] {
  const seen: MonitorEvent[] = [];
  m.on('monitor', (...a: unknown[]) => seen.push(a as MonitorEvent));
  return seen;
}

describeCells('ioredis MONITOR', (ctx) => {
  test('monitor() emits time, args, source and database for commands of other clients', async () => {
    const r = ctx.client();
    const m = await r.monitor();
    m.on('error', () => {});
    try {
      const seen = collect(m);
      const admin = ctx.admin();
      await admin.set('mk', 'mv');
      await admin.select(3);
      await admin.get('in-db3');
      await until(() => seen.some((e) => e[1][0] === 'get'), 3000, 10, 'monitored GET');
      const set = seen.find((e) => e[1][0] === 'set');
      expect(set?.[1]).toEqual(['set', 'mk', 'mv']);
      expect(Number(set?.[0])).toBeGreaterThan(1e9);
      expect(set?.[2]).toMatch(/unix|:/);
      expect(set?.[3]).toBe('0');
      expect(seen.find((e) => e[1][0] === 'get')?.[3]).toBe('3');
      const end = once(m, 'end');
      m.disconnect();
      await end;
      expect(m.status).toBe('end');
    } finally {
      m.disconnect();
    }
  });

  test("the cell client's own commands appear in another client's MONITOR, in order", async () => {
    const m = await ctx.admin().monitor();
    m.on('error', () => {});
    try {
      const seen = collect(m);
      const r = ctx.client();
      await r.ping();
      await r.set('own', '1');
      await r.incr('own');
      await r.get('own');
      await until(() => seen.some((e) => e[1][0] === 'get' && e[1][1] === 'own'), 3000, 10, "the client's GET in MONITOR");
      const mine = seen.filter((e) => e[1][1] === 'own').map((e) => e[1][0]);
      expect(mine).toEqual(['set', 'incr', 'get']);
    } finally {
      m.disconnect();
    }
  });
});

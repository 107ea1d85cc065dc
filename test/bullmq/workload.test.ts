// BullMQ (from npm, over ioredis) running a real workload over shm: 10,000 jobs through
// Queue, Worker, QueueEvents and FlowProducer, with retries and backoff, delays,
// priorities, a rate limiter and parent-child flows, and a worker process SIGKILLed mid-job
// whose jobs another worker recovers. Then: every job completed exactly once (a successful
// run's side effect counted once, one completed event), none lost, and the rings carried
// the traffic (INFO shm, SHM.INFO: every connection BullMQ made had a session).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { connectionFactory } from './connection.js';
import {
  FLOWS, LIMIT, LIMITED, LIMITED_JOBS, PARENTS, PRIO, PRIO_JOBS, STALL_JOBS, WORK, runWorkload, type WorkloadRecord,
} from './workload.js';

let srv: RedisServer;
let admin: Redis;
beforeAll(async () => {
  srv = await startRedis({ module: true });
  admin = new Redis({ path: srv.socket, lazyConnect: true });
  await admin.connect();
});
afterAll(async () => {
  admin?.disconnect();
  await srv?.stop();
});

/** A field of INFO shm as a number. */
async function shmInfo(field: string): Promise<number> {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(await admin.info('shm'));
  if (!m) throw new Error(`INFO shm has no ${field}`);
  return Number(m[1]);
}

/** client-ids of the live shm sessions. */
async function sessionClients(): Promise<Set<number>> {
  const reply = (await admin.call('SHM.INFO')) as unknown[];
  const at = reply.indexOf('list');
  const list = reply[at + 1] as unknown[][];
  return new Set(list.map((s) => Number(s[s.indexOf('client-id') + 1])));
}

describe('BullMQ over shm', () => {
  let rec: WorkloadRecord;
  let ringCommands: number;
  let split: { shm: number; socket: number };
  let connections: { ioredis: number; withSession: number };

  it('runs 10,000 jobs to completion, with a worker killed mid-job', async () => {
    const connect = await connectionFactory(srv.socket, 'shm');
    const before = await shmInfo('shm_commands');
    // every ioredis connection BullMQ opens (its duplicates too) is on the rings: compare the
    // server's client list with the sessions while the workload's connections are all up
    const made: Redis[] = [];
    rec = await runWorkload({
      connect: () => {
        const c = connect();
        made.push(c);
        return c;
      },
      child: { path: srv.socket, transport: 'shm' },
      onRunning: async () => {
        const own = Number(await admin.client('ID'));
        const ids = ((await admin.client('LIST')) as string).split('\n').map((l) => Number(/^id=(\d+)/.exec(l)?.[1])).filter((id) => id > 0 && id !== own);
        const sessions = await sessionClients();
        connections = { ioredis: ids.length, withSession: ids.filter((id) => sessions.has(id)).length };
      },
    });
    ringCommands = (await shmInfo('shm_commands')) - before;
    split = { shm: 0, socket: 0 };
    for (const c of made) {
      const s = (c as unknown as { stream?: { sent?: { shm: number; socket: number } } }).stream?.sent;
      if (s) { split.shm += s.shm; split.socket += s.socket; }
    }
    console.log(`BullMQ workload: ${ringCommands} commands over the rings (server count); this process's connections sent ${split.shm} over shm, ${split.socket} over the socket`);
    expect(rec.errors).toEqual([]);
    expect(made.length).toBeGreaterThan(8);
    console.log(`BullMQ workload: ${rec.elapsedMs} ms, stalled jobs back in ${rec.recoveredMs} ms`);
  }, 180000);

  it('completed every job exactly once: one successful run, one completed event, no job lost', () => {
    const all = [...rec.ids.values()].flat();
    expect(all).toHaveLength(10000);
    expect(new Set(all).size).toBe(10000);
    const notOnce = (m: Map<string, number>): string[] => all.filter((id) => m.get(id) !== 1);
    expect(notOnce(rec.effects)).toEqual([]);
    expect(notOnce(rec.eventsCompleted)).toEqual([]);
    expect(notOnce(rec.workerCompleted)).toEqual([]);
    expect(rec.failedForGood).toEqual([]);
    for (const [name, n] of [[WORK, 10000 - FLOWS - LIMITED_JOBS - PRIO_JOBS], [PARENTS, FLOWS], [LIMITED, LIMITED_JOBS], [PRIO, PRIO_JOBS]] as const) {
      expect([name, rec.counts.get(name)]).toEqual([name, { completed: n, failed: 0, wait: 0, active: 0, delayed: 0, prioritized: 0, 'waiting-children': 0 }]);
    }
  });

  it('recovered the jobs the killed worker held: they stalled, and another worker completed them', () => {
    expect(rec.stallTaken).toHaveLength(STALL_JOBS);
    for (const id of rec.stallTaken) {
      expect(rec.stalledEvents.has(id)).toBe(true);
      expect(rec.effects.get(id)).toBe(1);
    }
  });

  it('retried with backoff, held delays, kept priority order and the rate limit, and ran the flows', () => {
    const planned = [...rec.failures.values()].reduce((a, b) => a + b, 0);
    expect(planned).toBeGreaterThan(1000);
    expect(rec.retries).toHaveLength(planned);
    for (const [waited, due] of rec.retries) expect(waited).toBeGreaterThanOrEqual(due - 2);
    const delayed = rec.delayed.filter(([, d]) => d > 0);
    expect(delayed.length).toBeGreaterThan(300);
    for (const [since, d] of delayed) expect(since).toBeGreaterThanOrEqual(d - 2);
    expect(rec.prioOrder).toHaveLength(PRIO_JOBS);
    expect(rec.prioOrder).toEqual([...rec.prioOrder].sort((a, b) => a - b));
    const starts = [...rec.limitedStarts].sort((a, b) => a - b);
    expect(starts).toHaveLength(LIMITED_JOBS);
    // BullMQ's limiter counts fixed windows: N jobs span at least ceil(N/max) - 1 windows,
    // and no window of `duration` ms holds more than two windows' worth
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual((Math.ceil(LIMITED_JOBS / LIMIT.max) - 1) * LIMIT.duration - 5);
    for (let i = 0; i + 2 * LIMIT.max < starts.length; i++) expect(starts[i + 2 * LIMIT.max]! - starts[i]!).toBeGreaterThan(LIMIT.duration - 5);
    expect(rec.flowSums).toHaveLength(FLOWS);
    for (const [sum, expected] of rec.flowSums) expect(sum).toBe(expected);
  });

  it('the rings carried the traffic: every BullMQ connection had a session, and the commands went over rings', () => {
    expect(connections.ioredis).toBeGreaterThan(8);
    expect(connections.withSession).toBe(connections.ioredis);
    // Per job BullMQ sends two non-blocking commands, both EVALSHA: the add (addBulk's
    // pipeline) and moveToFinished (which also fetches the next job); its blocking waits
    // (BZPOPMIN, XREAD BLOCK) are socket-only. The server's count covers the child worker too.
    expect(ringCommands).toBeGreaterThan(2 * 10000);
    expect(ringCommands).toBeGreaterThanOrEqual(split.shm);
    // most of what this process sent went over the rings
    expect(split.shm).toBeGreaterThan(2 * split.socket);
  });
});

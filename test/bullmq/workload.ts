// A BullMQ workload for the tests: Queue, Worker (concurrency > 1), QueueEvents and
// FlowProducer over whatever connection the caller injects, with retries and backoff,
// delays, priorities, a rate limiter, parent-child flows, and a worker in a child process
// SIGKILLed mid-job whose jobs another worker recovers. It records what happened; the test
// asserts on the record.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FlowProducer, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ROOT } from '../helpers/redis-server.js';

export type Transport = 'socket' | 'shm';

/** New ioredis instances, one per BullMQ component; BullMQ duplicates them for its blocking connections. */
export type Connect = () => Redis;

export const WORK = 'work';
export const PARENTS = 'flow-parents';
export const LIMITED = 'limited';
export const PRIO = 'prio';

export interface WorkloadOptions {
  connect: Connect;
  /** How the child-process worker connects (it builds its own ioredis instances). */
  child: { path: string; transport: Transport };
  /** All jobs, all queues (default 10,000). */
  jobs?: number;
  /** Of the main Worker (default 16). */
  concurrency?: number;
  /** Everything must be done by then (default 120 s). */
  timeoutMs?: number;
  /** Called mid-run, once every component is up and every job added. */
  onRunning?: () => Promise<void>;
}

/** What the processor of job `i` of the work queue does. */
export interface Plan { fails: number; delay: number; priority: number | undefined }
export const BACKOFF_MS = 20;
export function planOf(i: number): Plan {
  return {
    fails: i % 50 === 0 ? 2 : i % 10 === 0 ? 1 : 0,
    delay: i % 25 === 3 ? 100 + (i % 4) * 100 : 0,
    priority: i % 7 === 1 ? 1 + (i % 5) : undefined,
  };
}

export const FLOWS = 10;
export const FLOW_CHILDREN = 50;
export const LIMITED_JOBS = 200;
export const LIMIT = { max: 40, duration: 250 };
export const PRIO_JOBS = 100;
/** Jobs the child-process worker takes before it is killed. */
export const STALL_JOBS = 5;
export const STALL_LOCK_MS = 1000;

export interface WorkloadRecord {
  /** Every job id added, per queue. */
  ids: Map<string, string[]>;
  /** Per job id: successful processor runs (the side effect: counted once per success). */
  effects: Map<string, number>;
  /** Per job id: planned failures thrown. */
  failures: Map<string, number>;
  /** Per job id: the Worker's 'completed' events, and the QueueEvents 'completed' events. */
  workerCompleted: Map<string, number>;
  eventsCompleted: Map<string, number>;
  /** Jobs that ended failed for good (should be none). */
  failedForGood: string[];
  /** Per work job: [ms since it was added, its planned delay] at its first start in this process. */
  delayed: [number, number][];
  /** [ms from a planned failure to the next start, the backoff that was due] per retry. */
  retries: [number, number][];
  /** Start times (ms) of the rate-limited queue's jobs. */
  limitedStarts: number[];
  /** Priorities of the prio queue's jobs in the order they started. */
  prioOrder: number[];
  /** Per flow parent: the sum of its children's return values, and the expected sum. */
  flowSums: [number, number][];
  /** Job ids the child-process worker had started when it was killed, and the stalled events seen. */
  stallTaken: string[];
  stalledEvents: Set<string>;
  /** Job counts per queue after the run. */
  counts: Map<string, Record<string, number>>;
  /** How long the whole run took, and from the kill until the killed worker's jobs completed elsewhere. */
  elapsedMs: number;
  recoveredMs: number;
  errors: string[];
}

const bump = (m: Map<string, number>, k: string): number => { const n = (m.get(k) ?? 0) + 1; m.set(k, n); return n; };

/** Starts the stall worker; resolves with the ids it took and a kill function. */
function stallWorker(o: WorkloadOptions['child'], errors: string[]): { ready: Promise<void>; took: Promise<string[]>; kill: () => Promise<void> } {
  const script = join(ROOT, 'test', 'bullmq', 'children', 'stall-worker.mjs');
  const proc = spawn(process.execPath, [script, ROOT, o.path, o.transport, WORK, String(STALL_JOBS), String(STALL_LOCK_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const taken: string[] = [];
  let onReady: () => void = () => undefined;
  let onTook: (ids: string[]) => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => { onReady = res; fail = rej; });
  const took = new Promise<string[]>((res, rej) => { onTook = res; const f = fail; fail = (e) => { f(e); rej(e); }; });
  took.catch(() => undefined);
  let part = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    part += d.toString();
    const lines = part.split('\n');
    part = lines.pop()!;
    for (const l of lines) {
      if (l === 'R') onReady();
      else if (l.startsWith('A ')) { taken.push(l.slice(2)); if (taken.length === STALL_JOBS) onTook([...taken]); }
      else if (l) errors.push(`stall worker: ${l}`);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((res) => proc.on('exit', (code, sig) => {
    if (sig !== 'SIGKILL') fail(new Error(`stall worker exited (${code ?? sig}) before it was killed: ${stderr.trim()}`));
    res();
  }));
  return { ready, took, kill: async () => { proc.kill('SIGKILL'); await exited; } };
}

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadRecord> {
  const total = o.jobs ?? 10000;
  const workJobs = total - FLOWS - LIMITED_JOBS - PRIO_JOBS;
  const bulkJobs = workJobs - FLOWS * FLOW_CHILDREN;
  if (bulkJobs < 1000) throw new Error(`workload: ${total} jobs is too few`);
  const r: WorkloadRecord = {
    ids: new Map([[WORK, []], [PARENTS, []], [LIMITED, []], [PRIO, []]]), effects: new Map(), failures: new Map(),
    workerCompleted: new Map(), eventsCompleted: new Map(), failedForGood: [], delayed: [], retries: [],
    limitedStarts: [], prioOrder: [], flowSums: [], stallTaken: [], stalledEvents: new Set(), counts: new Map(),
    elapsedMs: 0, recoveredMs: NaN, errors: [],
  };
  const owned: Redis[] = [];
  const conn = (): Redis => { const c = o.connect(); owned.push(c); return c; };
  const closers: (() => Promise<unknown>)[] = [];
  const onError = (what: string) => (e: Error): void => { r.errors.push(`${what}: ${e.message}`); };
  const t0 = Date.now();

  // Everything the test waits for: every id of every queue completed (QueueEvents) and the
  // worker that completed it reported it.
  let remaining = total;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((res) => { allDone = res; });
  const completed = (id: string): void => { if (bump(r.eventsCompleted, id) === 1 && --remaining === 0) allDone(); };

  try {
    const queue = new Queue(WORK, { connection: conn(), streams: { events: { maxLen: 100000 } } });
    const parents = new Queue(PARENTS, { connection: conn(), streams: { events: { maxLen: 100000 } } });
    const limited = new Queue(LIMITED, { connection: conn() });
    const prio = new Queue(PRIO, { connection: conn() });
    const flows = new FlowProducer({ connection: conn() });
    closers.push(() => queue.close(), () => parents.close(), () => limited.close(), () => prio.close(), () => flows.close());
    for (const q of [queue, parents, limited, prio]) q.on('error', onError(`queue ${q.name}`));

    const events = new Map<string, QueueEvents>();
    for (const name of [WORK, PARENTS, LIMITED, PRIO]) {
      const qe = new QueueEvents(name, { connection: conn(), autorun: false });
      qe.on('completed', ({ jobId }) => completed(jobId));
      qe.on('failed', ({ jobId, failedReason }) => { r.errors.push(`${name} ${jobId} failed: ${failedReason}`); });
      qe.on('stalled', ({ jobId }) => { r.stalledEvents.add(jobId); });
      qe.on('error', onError(`events ${name}`));
      closers.push(() => qe.close());
      events.set(name, qe);
    }
    for (const qe of events.values()) { void qe.run(); await qe.waitUntilReady(); }

    // the child-process worker first: it takes the first jobs, and is killed holding them
    const stall = stallWorker(o.child, r.errors);
    await stall.ready;

    // the priority queue is filled before its worker starts, so the start order is the priority order
    const prioJobs = Array.from({ length: PRIO_JOBS }, (_, i) => ({ name: 'p', data: { p: 1 + ((i * 37) % 10) }, opts: { jobId: `p-${i}`, priority: 1 + ((i * 37) % 10) } }));
    await prio.addBulk(prioJobs);
    r.ids.get(PRIO)!.push(...prioJobs.map((j) => j.opts.jobId));

    const processWork = async (job: Job): Promise<unknown> => {
      const id = job.id!;
      const i = (job.data as { i: number }).i;
      const plan = planOf(i);
      const now = Date.now();
      const failed = r.failures.get(id) ?? 0;
      if (failed === 0 && !firstStart.has(id)) { firstStart.add(id); r.delayed.push([now - job.timestamp, plan.delay]); }
      const lastFail = failedAt.get(id);
      if (lastFail !== undefined) { r.retries.push([now - lastFail, BACKOFF_MS * 2 ** (failed - 1)]); failedAt.delete(id); }
      if (failed < plan.fails) {
        r.failures.set(id, failed + 1);
        failedAt.set(id, Date.now());
        throw new Error(`planned failure ${failed + 1} of ${plan.fails}`);
      }
      // a little async work between taking the job and finishing it
      await new Promise((res) => setImmediate(res));
      bump(r.effects, id);
      return { i, double: 2 * i };
    };
    const firstStart = new Set<string>();
    const failedAt = new Map<string, number>();

    const worker = new Worker(WORK, processWork, {
      connection: conn(), concurrency: o.concurrency ?? 16,
      // this worker's own locks are long (a loaded host must not make its jobs stall); the
      // killed worker's are short, and this checker runs often: its jobs come back in seconds
      lockDuration: 20000, stalledInterval: 500, maxStalledCount: 1,
    });
    const parentWorker = new Worker(PARENTS, async (job: Job) => {
      const values = Object.values(await job.getChildrenValues()) as { double: number }[];
      const sum = values.reduce((a, v) => a + v.double, 0);
      r.flowSums.push([sum, (job.data as { expected: number }).expected]);
      bump(r.effects, job.id!);
      return sum;
    }, { connection: conn(), concurrency: 4 });
    const limitedWorker = new Worker(LIMITED, async (job: Job) => {
      r.limitedStarts.push(Date.now());
      bump(r.effects, job.id!);
      return 1;
    }, { connection: conn(), concurrency: 4, limiter: LIMIT });
    const prioWorker = new Worker(PRIO, async (job: Job) => {
      r.prioOrder.push((job.data as { p: number }).p);
      bump(r.effects, job.id!);
      return 1;
    }, { connection: conn(), concurrency: 1 });
    const workers = [worker, parentWorker, limitedWorker, prioWorker];
    for (const w of workers) {
      w.on('completed', (job) => { bump(r.workerCompleted, job.id!); });
      w.on('failed', (job, err) => { if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) r.failedForGood.push(`${job.id}: ${err.message}`); });
      w.on('stalled', (jobId) => { r.stalledEvents.add(jobId); });
      w.on('error', onError(`worker ${w.name}`));
      closers.unshift(() => w.close());
    }

    // the work queue: bulk jobs in chunks while the workers run, and the flows
    const workOpts = (i: number, jobId: string): Record<string, unknown> => {
      const p = planOf(i);
      return { jobId, attempts: 3, backoff: { type: 'exponential', delay: BACKOFF_MS }, ...(p.delay ? { delay: p.delay } : {}), ...(p.priority ? { priority: p.priority } : {}) };
    };
    const adding = (async () => {
      for (let from = 0; from < bulkJobs; from += 500) {
        const chunk = [];
        for (let i = from; i < Math.min(bulkJobs, from + 500); i++) chunk.push({ name: 'w', data: { i }, opts: workOpts(i, `w-${i}`) });
        await queue.addBulk(chunk);
        r.ids.get(WORK)!.push(...chunk.map((c) => c.opts.jobId as string));
      }
      for (let f = 0; f < FLOWS; f++) {
        const children = [];
        let expected = 0;
        for (let c = 0; c < FLOW_CHILDREN; c++) {
          const i = bulkJobs + f * FLOW_CHILDREN + c;
          expected += 2 * i;
          children.push({ name: 'child', queueName: WORK, data: { i }, opts: workOpts(i, `f${f}-c${c}`) });
        }
        await flows.add({ name: 'parent', queueName: PARENTS, data: { expected }, opts: { jobId: `f${f}` }, children });
        r.ids.get(PARENTS)!.push(`f${f}`);
        r.ids.get(WORK)!.push(...children.map((c) => c.opts.jobId as string));
      }
      const lim = Array.from({ length: LIMITED_JOBS }, (_, i) => ({ name: 'l', data: {}, opts: { jobId: `l-${i}` } }));
      await limited.addBulk(lim);
      r.ids.get(LIMITED)!.push(...lim.map((j) => j.opts.jobId));
    })();

    // kill the child worker once it holds its jobs; the main worker's stalled checker recovers them
    const timeout = o.timeoutMs ?? 120000;
    const timer = (what: string) => new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`workload: ${what} not done within ${timeout} ms (${remaining} of ${total} jobs left; errors: ${r.errors.slice(0, 5).join('; ')})`)), timeout).unref());
    r.stallTaken = await Promise.race([stall.took, timer('the stall worker taking its jobs')]);
    await stall.kill();
    const killedAt = Date.now();
    let recoveredAt = NaN;
    events.get(WORK)!.on('completed', ({ jobId }) => {
      if (Number.isNaN(recoveredAt) && r.stallTaken.includes(jobId) && r.stallTaken.every((s) => r.eventsCompleted.has(s))) recoveredAt = Date.now();
    });
    await Promise.race([adding, timer('adding')]);
    await o.onRunning?.();
    await Promise.race([done, timer('the run')]);
    r.elapsedMs = Date.now() - t0;
    r.recoveredMs = recoveredAt - killedAt;
    // the last completions may still be reporting: give the workers' own events a moment
    for (let k = 0; k < 50 && [...r.ids.values()].flat().some((id) => !r.workerCompleted.has(id)); k++) await new Promise((res) => setTimeout(res, 20));
    for (const q of [queue, parents, limited, prio]) {
      r.counts.set(q.name, await q.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed', 'prioritized', 'waiting-children'));
    }
  } finally {
    for (const c of closers) await c().catch((e: Error) => r.errors.push(`close: ${e.message}`));
    for (const c of owned) c.disconnect();
  }
  return r;
}

// The addon's BellWatcher (native/addon/bell_watcher.cc): a native thread that futex-waits on
// a SharedArrayBuffer word and calls back on this thread's loop through a ThreadSafeFunction.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { loadAddon } from '../../src/native/addon.js';
import { ROOT } from '../helpers/redis-server.js';
import { until as untilEvery } from '../helpers/until.js';

const ADDON = `${ROOT}/build/Release/redis_shm.node`;
const addon = loadAddon();
const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = (pred: () => boolean, ms = 5000): Promise<void> => untilEvery(pred, ms, 2);

function ctrlWords(n = 16): Int32Array { return new Int32Array(new SharedArrayBuffer(n * 4)); }

describe('BellWatcher', () => {
  it('calls back on the event loop when the word changes and is woken natively', async () => {
    const ctrl = ctrlWords();
    let calls = 0;
    const w = new addon.BellWatcher(ctrl, 3, () => { calls++; });
    try {
      await tick(20);
      expect(calls).toBe(0);  // no change, no call
      addon.ringControl(ctrl, 3);  // bump + futex wake
      await until(() => calls === 1);
      Atomics.add(ctrl, 3, 1);
      addon.wakeWaiters(ctrl, 3);
      await until(() => calls === 2);
      expect(w.calls()).toBe(2);
    } finally { w.close(); }
  });

  it('does not see a change that only Atomics.notify announces', async () => {
    // The worker must use a real futex wake for a native waiter: V8's notify reaches V8 waiters only.
    const ctrl = ctrlWords();
    let calls = 0;
    const w = new addon.BellWatcher(ctrl, 0, () => { calls++; });
    try {
      addon.ringControl(ctrl, 0);
      await until(() => calls === 1);  // the thread ran, queued the call and went back to its wait
      calls = 0;
      await tick(50);  // asleep in futex_wait by now
      Atomics.add(ctrl, 0, 1);
      Atomics.notify(ctrl, 0);
      await tick(100);
      expect(calls).toBe(0);
      addon.wakeWaiters(ctrl, 0);
      await until(() => calls === 1);
    } finally { w.close(); }
  });

  it('keeps at most one callback pending: many changes while the loop is busy queue one call', async () => {
    const ctrl = ctrlWords();
    let calls = 0;
    const w = new addon.BellWatcher(ctrl, 0, () => { calls++; });
    try {
      // The loop cannot run the callback meanwhile, so pending stays set once the thread queued it.
      const cap = performance.now() + 5000;
      let busyUntil = performance.now() + 50;
      while (performance.now() < busyUntil) {
        addon.ringControl(ctrl, 0);
        if (w.calls() === 0 && performance.now() < cap) busyUntil = Math.max(busyUntil, performance.now() + 20);
      }
      expect(w.calls()).toBe(1);
      await until(() => calls >= 1);
      const queued = w.calls();
      expect(queued).toBeLessThanOrEqual(2);  // one more only if the thread saw a last bump after the callback cleared pending
      await tick(20);
      expect(calls).toBe(w.calls());
      addon.ringControl(ctrl, 0);  // the next change is news again
      await until(() => calls === queued + 1);
    } finally { w.close(); }
  });

  it('close() is idempotent and stops the calls, including one already queued', async () => {
    const ctrl = ctrlWords();
    let calls = 0;
    const w = new addon.BellWatcher(ctrl, 0, () => { calls++; });
    addon.ringControl(ctrl, 0);
    const end = performance.now() + 5000;
    while (performance.now() < end && w.calls() === 0) { /* let the thread queue its call */ }
    expect(w.calls()).toBe(1);
    w.close();
    w.close();
    expect(w.isClosed()).toBe(true);
    const before = ctrl[0]!;
    addon.ringControl(ctrl, 0);
    await tick(30);
    // the call queued before close() may still run once (the JS side ignores a closed watcher's calls)
    expect(calls).toBeLessThanOrEqual(1);
    expect(w.calls()).toBe(1);
    expect(ctrl[0]).toBe(before + 1);
  });

  it('refuses bad arguments with ERR_ARGUMENT', () => {
    const ctrl = ctrlWords(4);
    const make = (...a: unknown[]) => () => new (addon.BellWatcher as unknown as new (...x: unknown[]) => unknown)(...a);
    for (const bad of [make(new Uint32Array(4), 0, () => {}), make(ctrl, 4, () => {}), make(ctrl, -1, () => {}), make(ctrl, 0, 1), make(ctrl)]) {
      expect(bad).toThrow(expect.objectContaining({ code: 'ERR_ARGUMENT' }));
    }
  });

  it('never keeps the process alive, and exit with a live watcher is clean', () => {
    const src = `const a = require(${JSON.stringify(ADDON)});
      const ctrl = new Int32Array(new SharedArrayBuffer(64));
      globalThis.w = new a.BellWatcher(ctrl, 0, () => {});
      a.ringControl(ctrl, 0);
      setTimeout(() => console.log('done'), 20);`;
    const r = spawnSync(process.execPath, ['-e', src], { timeout: 10_000, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });

  it('a worker thread terminated with a live watcher tears down cleanly', async () => {
    const src = `const a = require(${JSON.stringify(ADDON)});
      const { parentPort } = require('node:worker_threads');
      const ctrl = new Int32Array(new SharedArrayBuffer(64));
      let n = 0;
      globalThis.w = new a.BellWatcher(ctrl, 0, () => { n++; parentPort.postMessage(n); });
      a.ringControl(ctrl, 0);
      setInterval(() => {}, 1000);`;
    const worker = new Worker(src, { eval: true });
    const first = await new Promise<unknown>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    expect(first).toBe(1);
    expect(await worker.terminate()).toBe(1);
    // the process is still healthy: a new watcher works
    const ctrl = ctrlWords();
    let calls = 0;
    const w = new addon.BellWatcher(ctrl, 0, () => { calls++; });
    addon.ringControl(ctrl, 0);
    await until(() => calls === 1);
    w.close();
  });
});

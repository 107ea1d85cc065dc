// The spinner never keeps a process alive: a process whose channels are closed exits on
// its own, and process.exit() with a channel still registered (worker parked) is prompt.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/redis-server.js';

function runChild(body: string): { status: number | null; ms: number; out: string } {
  const src = `
    import { Segment } from ${JSON.stringify(`${ROOT}/dist/src/native/segment.js`)};
    import { Spinner } from ${JSON.stringify(`${ROOT}/dist/src/spinner/spinner.js`)};
    const c = Segment.create({ reqCapacity: 4096, repCapacity: 4096 });
    const p = Segment.openPeer(c.name);
    c.unlink();
    let got = '';
    Spinner.configure({ parkNs: 10e9 });  // a parked worker would hold exit up to 10 s without the exit hook
    const sp = Spinner.get();
    sp.register(c.id, { onData(b) { got += Buffer.from(b).toString(); }, onEnd() {} });
    p.write(Buffer.from('+hi\\r\\n')); p.wakeServer();
    globalThis.keep = [c, p];  // a dropped creating handle closes the segment (GC finalizer)
    ${body}`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, ms: Date.now() - t0, out: r.stdout + r.stderr };
}

describe('spinner lifetime', () => {
  it('a process exits by itself once its last channel is unregistered', () => {
    const r = runChild(`
      const t = setInterval(() => {
        if (got !== '+hi\\r\\n') return;
        clearInterval(t);
        console.log('delivered');
        void sp.unregister(c.id);  // nothing else is pending: the process may end right away
      }, 1);`);
    expect(r.out).toContain('delivered');
    expect(r.status).toBe(0);  // a worker that kept the process alive would hit spawnSync's 20 s timeout
    expect(r.ms).toBeLessThan(10000);
  });

  it('process.exit() with a registered channel and a parked worker exits promptly', () => {
    const r = runChild(`
      const t = setInterval(() => {
        if (got !== '+hi\\r\\n') return;
        clearInterval(t);
        // the worker spins 50 us, then parks; leave it parked a while, then exit
        setTimeout(() => { console.log('exiting'); process.exit(3); }, 300);
      }, 1);`);
    expect(r.out).toContain('exiting');
    expect(r.status).toBe(3);
    expect(r.ms).toBeLessThan(5000);
  });
});

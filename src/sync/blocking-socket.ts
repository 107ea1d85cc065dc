// A socket the main thread can block on. Node has no blocking socket read, so a small
// helper worker owns the net.Socket: request bytes go to it by postMessage, reply chunks
// come back on a MessagePort, and after each one the worker bumps a SharedArrayBuffer word
// and Atomics.notify()s it. The main thread pulls chunks with receiveMessageOnPort and,
// when there are none, sleeps in Atomics.wait on that word (with a deadline).
//
// Why a worker: the alternatives are worse. child_process.spawnSync per command costs
// milliseconds; a native blocking socket would duplicate the socket channel in C; the
// event loop cannot run while the caller wants a synchronous answer.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { RedisError, type ErrorCode } from '../errors.js';
import { isLoopback, targetError, type SocketTarget } from '../transport/socket.js';

/** The worker's side, as an eval'd CommonJS script (no build step, no file lookup). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const net = require('node:net');
const { port, sig, target, timeoutMs } = workerData;
const bell = new Int32Array(sig);
let closed = false;
function post(m) {
  if (closed) return;
  if (m.t === 'close') closed = true;
  port.postMessage(m);
  // the message is queued before the bump, so a waiter that sees the new value finds it
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
}
// The main thread is blocked and cannot see a worker 'error' event: report through the bell.
process.on('uncaughtException', (e) => {
  post({ t: 'close', timedOut: false, code: 'EWORKER', message: 'redis-shm sync socket worker failed: ' + (e && e.message) });
  try { sock.destroy(); } catch {}
});
const sock = target.path ? net.connect(target.path) : net.connect(target.port, target.host);
let err = null, timedOut = false;
const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; sock.destroy(); }, timeoutMs) : null;
sock.once('connect', () => {
  if (timer) clearTimeout(timer);
  sock.setNoDelay(true);
  post({ t: 'open', remote: sock.remoteAddress || '' });
});
sock.on('data', (d) => post({ t: 'data', d }));
sock.on('error', (e) => { err = e; });
sock.on('close', () => {
  post({ t: 'close', timedOut, code: err ? err.code || '' : '', message: err ? err.message : '' });
  port.close();
});
port.on('message', (m) => { if (m.t === 'w') sock.write(m.d); else sock.destroy(); });
`;

type FromWorker =
  | { t: 'open'; remote: string }
  | { t: 'data'; d: Uint8Array }
  | { t: 'close'; timedOut: boolean; code: string; message: string };

export class BlockingSocket {
  private readonly bell = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private closedErr: RedisError | undefined;
  private remote = '';

  private constructor(readonly target: SocketTarget, timeoutMs: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const t = target.path ? { path: target.path } : { host: target.host ?? '127.0.0.1', port: target.port };
    this.worker = new Worker(WORKER_SOURCE, {
      // execArgv []: the parent's flags (e.g. --input-type=module) must not change how this
      // CommonJS source is read
      eval: true, name: 'redis-shm sync socket', execArgv: [],
      workerData: { port: port2, sig: this.bell.buffer, target: t, timeoutMs }, transferList: [port2],
    });
    // An open sync context must not keep the process alive (hiredis contexts do not).
    this.worker.unref();
    this.port.unref();
    // failures reach the blocked caller through the bell (see WORKER_SOURCE); this only keeps
    // a late 'error' event from becoming an uncaught exception
    this.worker.on('error', () => undefined);
  }

  /** Connects, blocking the calling thread. Throws RedisError (ERR_IO, ERR_TIMEOUT). */
  static connect(target: SocketTarget, timeoutMs: number): BlockingSocket {
    const bad = targetError(target);
    if (bad) throw bad;
    const s = new BlockingSocket(target, timeoutMs);
    // The worker enforces timeoutMs itself; the extra second covers a worker that never starts.
    const m = s.next(timeoutMs > 0 ? timeoutMs + 1000 : 0);
    if (m === undefined) { s.close(); throw new RedisError('ERR_TIMEOUT', `connect timed out after ${timeoutMs} ms`); }
    if (m.t !== 'open') { s.close(); throw s.closedErr ?? new RedisError('ERR_IO', 'connect failed'); }
    s.remote = m.remote;
    return s;
  }

  /** True for a Unix socket or a loopback TCP peer. */
  get isLocal(): boolean {
    return this.target.path ? true : isLoopback(this.remote);
  }

  get isOpen(): boolean { return this.closedErr === undefined; }

  write(bytes: Uint8Array): void {
    if (this.closedErr) throw this.closedErr;
    this.port.postMessage({ t: 'w', d: bytes });
  }

  /**
   * The next reply chunk, blocking up to `timeoutMs` (0 = no limit). Undefined on timeout.
   * Throws the close error once the socket has closed.
   */
  read(timeoutMs: number): Uint8Array | undefined {
    if (this.closedErr) throw this.closedErr;
    const m = this.next(timeoutMs);
    if (m === undefined) return undefined;
    if (m.t === 'data') return m.d;
    throw this.closedErr ?? new RedisError('ERR_EOF', 'Server closed the connection');
  }

  /** A chunk already received, without blocking (undefined if none). */
  tryRead(): Uint8Array | undefined {
    if (this.closedErr) throw this.closedErr;
    const m = this.take();
    if (m === undefined) return undefined;
    if (m.t === 'data') return m.d;
    throw this.closedErr ?? new RedisError('ERR_EOF', 'Server closed the connection');
  }

  close(): void {
    if (!this.closedErr) this.closedErr = new RedisError('ERR_CLOSED', 'the context is closed');
    try { this.port.postMessage({ t: 'end' }); } catch { /* port closed */ }
    this.port.close();
    void this.worker.terminate();
  }

  private take(): FromWorker | undefined {
    const r = receiveMessageOnPort(this.port);
    if (r === undefined) return undefined;
    const m = r.message as FromWorker;
    if (m.t === 'close' && !this.closedErr) this.closedErr = closeError(m);
    return m;
  }

  private next(timeoutMs: number): FromWorker | undefined {
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
    for (;;) {
      // SC load before the port check: a chunk posted after the check bumps past `seen`
      const seen = Atomics.load(this.bell, 0);
      const m = this.take();
      if (m !== undefined) return m;
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.bell, 0, seen, left === Infinity ? undefined : left);
    }
  }
}

function closeError(m: { timedOut: boolean; code: string; message: string }): RedisError {
  if (m.timedOut) return new RedisError('ERR_TIMEOUT', 'connect timed out');
  if (m.code === 'ECONNRESET' || m.code === 'EPIPE' || m.code === '') {
    return new RedisError('ERR_EOF', m.message ? `Server closed the connection (${m.message})` : 'Server closed the connection');
  }
  const code: ErrorCode = 'ERR_IO';
  return new RedisError(code, m.message);
}

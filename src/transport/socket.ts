// Socket channel: TCP or Unix domain socket via node:net. Writes issued in one tick are
// coalesced into one syscall (cork until nextTick); reply bytes go straight to onData.
import { connect, type Socket } from 'node:net';
import { RedisError } from '../errors.js';
import type { Channel, ChannelHandlers } from './channel.js';

export interface SocketTarget {
  /** Unix socket path; when set, host/port are ignored. */
  path?: string;
  host?: string;
  port?: number;
}

export interface SocketOptions extends SocketTarget {
  /** Give up connecting after this many ms (default 10000; 0 = no limit). */
  connectTimeoutMs?: number;
  /** TCP_NODELAY (default true). */
  noDelay?: boolean;
  /** SO_KEEPALIVE initial delay in ms (default 0 = off). */
  keepAliveMs?: number;
}

type State = 'connecting' | 'open' | 'closed';

/** Why a target cannot be connected to (no path and no valid port), or undefined. */
export function targetError(t: SocketTarget): RedisError | undefined {
  if (t.path || (t.port !== undefined && Number.isInteger(t.port) && t.port > 0 && t.port <= 65535)) return undefined;
  return new RedisError('ERR_ARGUMENT', 'socket target needs a path or a port in 1..65535');
}

/** A TCP peer address on this host (shared memory is possible with it). */
export function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address === 'localhost';
}

function ioError(e: NodeJS.ErrnoException): RedisError {
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return new RedisError('ERR_EOF', `Server closed the connection (${e.code})`, { cause: e });
  return new RedisError('ERR_IO', e.message, { cause: e });
}

/**
 * An ordered byte pipe over one net.Socket.
 * States: connecting -> open -> closed, or connecting -> closed (connect failed).
 * Bytes passed to write() are owned by the channel afterwards (not copied).
 */
export class SocketChannel implements Channel {
  readonly kind = 'socket' as const;
  private state: State = 'connecting';
  private corked = false;
  private closeErr: RedisError | undefined;
  private askedClose = false;
  private readonly closeListeners: Array<(err?: RedisError) => void> = [];

  private constructor(readonly socket: Socket, readonly target: SocketTarget, private handlers: ChannelHandlers) {}

  /** Connects; resolves once the socket is open, rejects with ERR_IO / ERR_TIMEOUT. */
  static connect(opts: SocketOptions, handlers: ChannelHandlers): Promise<SocketChannel> {
    const bad = targetError(opts);
    if (bad) return Promise.reject(bad);
    const target: SocketTarget = opts.path ? { path: opts.path } : { host: opts.host ?? '127.0.0.1', port: opts.port };
    const sock = target.path ? connect(target.path) : connect(target.port ?? 6379, target.host ?? '127.0.0.1');
    const ch = new SocketChannel(sock, target, handlers);
    return ch.start(opts);
  }

  /**
   * Wraps a socket that someone else created and is still connecting (an ioredis Connector's
   * net or TLS socket), instead of dialling one. `open` settles as connect()'s promise does;
   * the caller keeps its own listeners on the socket.
   */
  static adopt(sock: Socket, target: SocketTarget, handlers: ChannelHandlers, opts: Omit<SocketOptions, keyof SocketTarget> = {}): { channel: SocketChannel; open: Promise<SocketChannel> } {
    const ch = new SocketChannel(sock, target.path ? { path: target.path } : { host: target.host, port: target.port }, handlers);
    return { channel: ch, open: ch.start(opts) };
  }

  /** True for a Unix socket or a loopback TCP peer: shared memory is possible. */
  get isLocal(): boolean {
    return this.target.path ? true : isLoopback(this.socket.remoteAddress ?? this.target.host ?? '');
  }

  get isOpen(): boolean { return this.state === 'open'; }
  /** close() was called (the 'close' event may not have fired yet). */
  get closeRequested(): boolean { return this.askedClose; }

  /** Replace the handlers (e.g. when a context takes over a connected channel). */
  setHandlers(h: ChannelHandlers): void { this.handlers = h; }

  /** Extra close observers (the shm channel watches its lifeline this way). */
  addCloseListener(fn: (err?: RedisError) => void): void {
    if (this.state === 'closed') { queueMicrotask(() => fn(this.closeErr)); return; }
    this.closeListeners.push(fn);
  }

  write(bytes: Uint8Array): void {
    if (this.state !== 'open') return;  // after close: dropped, as the interface says
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(bytes);
  }

  /** Ends the tick's cork (one closure per channel, not one per tick that writes). */
  private readonly uncork = (): void => {
    this.corked = false;
    if (this.state === 'open') this.socket.uncork();
  };

  close(): void {
    if (this.state === 'closed' || this.askedClose) return;
    this.askedClose = true;
    this.socket.destroy();
  }

  private start(opts: SocketOptions): Promise<SocketChannel> {
    const sock = this.socket;
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.connectTimeoutMs ?? 10000;
      const timer = timeoutMs > 0 ? setTimeout(() => {
        this.closeErr = new RedisError('ERR_TIMEOUT', `connect timed out after ${timeoutMs} ms`);
        sock.destroy();
      }, timeoutMs) : undefined;
      sock.once('connect', () => {
        if (timer) clearTimeout(timer);
        if (this.askedClose) return;
        this.state = 'open';
        sock.setNoDelay(opts.noDelay ?? true);
        if (opts.keepAliveMs) sock.setKeepAlive(true, opts.keepAliveMs);
        resolve(this);
      });
      sock.on('data', (d: Buffer) => this.handlers.onData(d));
      sock.on('end', () => { this.closeErr ??= new RedisError('ERR_EOF', 'Server closed the connection'); sock.destroy(); });
      sock.on('error', (e: NodeJS.ErrnoException) => { this.closeErr ??= ioError(e); });
      sock.on('close', () => {
        if (timer) clearTimeout(timer);
        const wasConnecting = this.state === 'connecting';
        this.state = 'closed';
        const err = this.askedClose ? undefined : (this.closeErr ?? new RedisError('ERR_EOF', 'Server closed the connection'));
        if (wasConnecting) {
          reject(err ?? new RedisError('ERR_CLOSED', 'closed while connecting'));
          return;
        }
        this.handlers.onClose(err);
        for (const fn of this.closeListeners.splice(0)) fn(err);
      });
    });
  }
}

// ShmConnector: an ioredis `Connector` (ioredis 5 and 6, lib/connectors). ioredis calls
// connect() for every (re)connection and reads and writes the stream it returns. This one
// dials the socket exactly as ioredis's StandaloneConnector does (Unix path, or host/port/
// family, with `tls` options for TLS), and returns a ShmStream over it: ioredis's handshake
// runs on the socket, then the connection's commands move to the shm rings when the server
// is on this host and has the module (src/ioredis/stream.ts).
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { BusyPollOptions } from '../../adapters/busy-poll.js';
import type { SpinPolicy } from '../async/adapter.js';
import type { ServeMode } from '../transport/shm-open.js';
import { ShmStream, type TransportInfo } from './stream.js';

/** ioredis's message for a connect() that was cancelled (its CONNECTION_CLOSED_ERROR_MSG). */
const CONNECTION_CLOSED = 'Connection is closed.';
const DEFAULT_DISCONNECT_TIMEOUT_MS = 2000;

/** The connection options ioredis hands its connector (a subset of RedisOptions). */
export interface ConnectorOptions {
  path?: string;
  host?: string;
  port?: number;
  family?: number;
  tls?: ConnectionOptions;
  disconnectTimeout?: number;
}

/** Options of the shm upgrade (createShmConnector). */
export interface ShmConnectorOptions {
  /** Ring bytes per direction, a power of two (default 1 MiB). Values up to a ring's size
   *  go through in one piece; larger ones are streamed through it. */
  ringBytes?: number;
  /** 'adaptive' (default) or 'always': keep the server's serving thread and this thread
   *  polling while the session is open (lowest latency, a core each). */
  spin?: SpinPolicy;
  /** Busy-poll the reply ring right after each write (default), with these options;
   *  false: wait for the spinner worker's doorbell only (least CPU). */
  poll?: BusyPollOptions | false;
  /** Who serves the session: 'thread' or 'main' (docs/api.md "Serve mode"); default
   *  REDIS_SHM_SERVE, else 'thread'. */
  serve?: ServeMode;
}

/** How ioredis reports events through the connector (its ErrorEmitter): `emit('shm', info)`
 *  reaches the Redis instance's listeners. */
type Emit = (type: string, arg?: unknown) => void;

export class ShmConnector {
  /** Options for every connection of this class (createShmConnector makes configured subclasses). */
  static shmOptions: ShmConnectorOptions = {};

  firstError: Error | undefined;
  protected connecting = false;
  protected stream: ShmStream | undefined;
  private readonly disconnectTimeout: number;

  constructor(protected readonly options: ConnectorOptions) {
    this.disconnectTimeout = options.disconnectTimeout ?? DEFAULT_DISCONNECT_TIMEOUT_MS;
  }

  /** ioredis asks whether a server it reached is acceptable (sentinel role checks): always. */
  check(_info?: unknown): boolean { return true; }

  connect(emit?: Emit): Promise<ShmStream> {
    this.connecting = true;
    const o = this.options;
    const shmOpts = (this.constructor as typeof ShmConnector).shmOptions;
    return new Promise((resolve, reject) => {
      // next tick, as ioredis's own connector: a disconnect() right after connect() wins
      process.nextTick(() => {
        if (!this.connecting) { reject(new Error(CONNECTION_CLOSED)); return; }
        let raw: Socket;
        const host = o.host ?? 'localhost';
        const port = o.port ?? 6379;
        const target = o.path ? { path: o.path } : { host, port };
        try {
          if (o.path) raw = o.tls ? tlsConnect({ path: o.path, ...o.tls }) : createConnection({ path: o.path });
          else {
            const net = { host, port, ...(o.family !== undefined ? { family: o.family } : {}) };
            raw = o.tls ? tlsConnect({ ...net, ...o.tls }) : createConnection(net);
          }
        } catch (e) {
          reject(e);
          return;
        }
        const stream = new ShmStream(raw, {
          target, ringBytes: shmOpts.ringBytes, spin: shmOpts.spin, poll: shmOpts.poll, serve: shmOpts.serve,
          onTransport: (info: TransportInfo) => emit?.('shm', info),
        });
        stream.once('error', (err: Error) => { this.firstError = err; });
        this.stream = stream;
        resolve(stream);
      });
    });
  }

  /** As ioredis's: end the stream, destroy it if it has not closed within disconnectTimeout. */
  disconnect(): void {
    this.connecting = false;
    const stream = this.stream;
    if (!stream) return;
    const timer = setTimeout(() => stream.destroy(), this.disconnectTimeout);
    stream.on('close', () => clearTimeout(timer));
    stream.end();
  }
}

/** A ShmConnector class with its own options: `new Redis({ Connector: createShmConnector({ poll: false }) })`. */
export function createShmConnector(opts: ShmConnectorOptions): typeof ShmConnector {
  return class ConfiguredShmConnector extends ShmConnector {
    static override shmOptions: ShmConnectorOptions = { ...opts };
  };
}

// One small interface over every client the benchmark compares, so each workload is
// written once. A driver owns a command connection and, once subscribe() is called, a
// second connection for pub/sub (every client library needs one).

export type ClientName = 'redis-shm' | 'ioredis' | 'node-redis';
export type TransportName = 'shm' | 'unix' | 'tcp';

/** Which client, configured how; serialisable so worker threads can build the same one. */
export interface DriverSpec {
  client: ClientName;
  transport: TransportName;
  /** 'promise', 'async' (callbacks), 'sync', or a peer's variant like 'promise-timeout-off'. */
  api: string;
  /** The redis-shm event-loop adapter, null for peers. */
  adapter: string | null;
}

export interface Endpoints {
  tcp: { host: string; port: number } | null;
  unix: { path: string } | null;
}

export interface Driver {
  readonly spec: DriverSpec;
  ping(): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** GET returning the raw bytes (large values; no string decoding). */
  getBuffer(key: string): Promise<Uint8Array | null>;
  set(key: string, value: string | Uint8Array): Promise<unknown>;
  /** GET of every key, sent as one pipeline; resolves when every reply arrived. */
  pipelineGet(keys: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** Subscribe on the driver's second connection; resolves once the server confirmed. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

export function specLabel(s: DriverSpec): string {
  return [s.client, s.transport, s.api, s.adapter].filter(Boolean).join(' ');
}

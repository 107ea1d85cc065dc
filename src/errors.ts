// Error classes with stable codes. Server error replies (ReplyError) are a different
// class from transport and protocol failures (RedisError subclasses below).

/** hiredis's context error codes, kept numerically identical. */
export const REDIS_ERR_IO = 1;
export const REDIS_ERR_OTHER = 2;
export const REDIS_ERR_EOF = 3;
export const REDIS_ERR_PROTOCOL = 4;
export const REDIS_ERR_OOM = 5;
export const REDIS_ERR_TIMEOUT = 6;

export type ErrorCode =
  | 'ERR_IO'              // socket or ring I/O failed
  | 'ERR_EOF'             // the server closed the connection
  | 'ERR_PROTOCOL'        // unparseable reply bytes
  | 'ERR_OOM'             // a limit on buffered memory was hit
  | 'ERR_TIMEOUT'         // connect or command timeout
  | 'ERR_OTHER'           // anything else (e.g. name resolution)
  | 'ERR_FORMAT'          // bad printf-style command format
  | 'ERR_ARGUMENT'        // bad argument to a library function
  | 'ERR_CLOSED'          // the context is closed or closing
  | 'ERR_SHM_UNAVAILABLE' // shm could not be opened (module missing, remote host, refused)
  | 'ERR_SHM_CORRUPT'     // the peer violated the ring contract
  | 'ERR_SHM_CLOSED'      // the server closed the shm session
  | 'ERR_NATIVE'          // the addon failed (errno in message)
  | 'ERR_QUEUE_FULL'      // the offline queue is full
  | 'ERR_CLUSTER_MAP'     // a CLUSTER SHARDS/SLOTS reply that is malformed or contradicts itself
  | 'ERR_CLUSTER_REDIRECTS' // a cluster command still redirected (or retried) after maxRedirects
  | 'ERR_CLUSTER_NO_NODE'; // no cluster node could be reached for the slot map

const HIREDIS_CODE: Partial<Record<ErrorCode, number>> = {
  ERR_IO: REDIS_ERR_IO,
  ERR_EOF: REDIS_ERR_EOF,
  ERR_PROTOCOL: REDIS_ERR_PROTOCOL,
  ERR_OOM: REDIS_ERR_OOM,
  ERR_TIMEOUT: REDIS_ERR_TIMEOUT,
  ERR_SHM_CORRUPT: REDIS_ERR_IO,
  ERR_SHM_CLOSED: REDIS_ERR_EOF,
};

/** A failure of the client, the transport or the protocol. Stable `code`. */
export class RedisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisError';
    this.code = code;
  }
  /** The hiredis `err` value for this error (REDIS_ERR_*). */
  get hiredisErr(): number {
    return HIREDIS_CODE[this.code] ?? REDIS_ERR_OTHER;
  }
}

/** Any thrown value as a RedisError: itself when it is one, else ERR_OTHER with its message. */
export function asRedisError(e: unknown): RedisError {
  if (e instanceof RedisError) return e;
  return new RedisError('ERR_OTHER', e instanceof Error ? e.message : String(e), { cause: e });
}

/** An error reply from the server (`-ERR ...`, `-WRONGTYPE ...`). `code` is its first word. */
export class ReplyError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
    const sp = message.indexOf(' ');
    this.code = sp > 0 ? message.slice(0, sp) : message;
  }
}

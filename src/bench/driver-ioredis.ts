// ioredis with its default options (no auto-pipelining, no command timeout); transport
// 'shm' is the same ioredis with redis-shm/ioredis's ShmConnector (it must get a session:
// a row that silently fell back to the socket would be mislabelled).
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { RedisError } from '../errors.js';
import { ShmConnector, ShmStream } from '../ioredis/index.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

export async function openIoredis(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const opts: RedisOptions = {
    lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, ...('path' in ep ? { path: ep.path } : { host: ep.host, port: ep.port }),
    ...(spec.transport === 'shm' ? { Connector: ShmConnector } : {}),
  };
  const cmd = new Redis(opts);
  await cmd.connect();
  if (spec.transport === 'shm') {
    const stream = (cmd as unknown as { stream: unknown }).stream;
    const why = stream instanceof ShmStream ? stream.reason : 'no ShmStream';
    if (!(stream instanceof ShmStream) || stream.transport !== 'shm') {
      cmd.disconnect();
      throw new RedisError('ERR_SHM_UNAVAILABLE', `ioredis over shm: ${why ?? 'not on shm'}`);
    }
  }
  return ioredisDriver(spec, cmd, () => new Redis(opts), (keys) => {
    const p = cmd.pipeline();
    for (const k of keys) p.get(k);
    return p.exec();
  });
}

/** The Driver over an ioredis Redis or Cluster (the same command API); `newSub` makes the
 *  second connection for pub/sub, `pipelineGet` is the one part that differs. */
export function ioredisDriver(spec: DriverSpec, cmd: Redis | Cluster, newSub: () => Redis | Cluster, pipelineGet: Driver['pipelineGet']): Driver {
  let sub: Redis | Cluster | undefined;
  return {
    spec,
    ping: () => cmd.ping(),
    get: (k) => cmd.get(k),
    getBuffer: (k) => cmd.getBuffer(k),
    set: (k, v) => cmd.set(k, Buffer.isBuffer(v) || typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
    pipelineGet,
    publish: (ch, m) => cmd.publish(ch, m),
    async subscribe(ch, onMessage) {
      sub = newSub();
      await sub.connect();
      sub.on('message', (_c: string, m: string) => onMessage(m));
      await sub.subscribe(ch);
    },
    async close() {
      cmd.disconnect();
      sub?.disconnect();
    },
  };
}

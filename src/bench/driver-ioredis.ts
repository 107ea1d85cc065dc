// ioredis with its default options (no auto-pipelining, no command timeout).
import { Redis, type RedisOptions } from 'ioredis';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

export async function openIoredis(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const opts: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, ...('path' in ep ? { path: ep.path } : { host: ep.host, port: ep.port }) };
  const cmd = new Redis(opts);
  await cmd.connect();
  let sub: Redis | undefined;
  return {
    spec,
    ping: () => cmd.ping(),
    get: (k) => cmd.get(k),
    getBuffer: (k) => cmd.getBuffer(k),
    set: (k, v) => cmd.set(k, Buffer.isBuffer(v) || typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
    pipelineGet: (keys) => {
      const p = cmd.pipeline();
      for (const k of keys) p.get(k);
      return p.exec();
    },
    publish: (ch, m) => cmd.publish(ch, m),
    async subscribe(ch, onMessage) {
      sub = new Redis(opts);
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

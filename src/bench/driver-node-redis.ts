// node-redis (the `redis` package) with default options, or with its per-command
// timeout switched off (api 'promise-timeout-off'); by default every command arms one.
import { createClient, RESP_TYPES } from 'redis';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

export async function openNodeRedis(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const make = () => createClient({
    socket: { ...('path' in ep ? { path: ep.path } : { host: ep.host, port: ep.port }), reconnectStrategy: false },
    ...(spec.api === 'promise-timeout-off' ? { commandOptions: { timeout: 0 } } : {}),
  });
  const cmd = make();
  cmd.on('error', () => { /* surfaced through the failing command */ });
  await cmd.connect();
  const bin = cmd.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  let sub: ReturnType<typeof make> | undefined;
  return {
    spec,
    ping: () => cmd.ping(),
    get: (k) => cmd.get(k),
    getBuffer: (k) => bin.get(k) as Promise<Buffer | null>,
    set: (k, v) => cmd.set(k, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
    pipelineGet: (keys) => {
      const m = cmd.multi();
      for (const k of keys) m.get(k);
      return m.execAsPipeline();
    },
    publish: (ch, m) => cmd.publish(ch, m),
    async subscribe(ch, onMessage) {
      sub = cmd.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      await sub.subscribe(ch, (m: string) => onMessage(m));
    },
    async close() {
      cmd.destroy();
      sub?.destroy();
    },
  };
}

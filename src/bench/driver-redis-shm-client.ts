// redis-shm's promise client (createClient) with its defaults (auto-pipelining on, the busy-poll adapter), over
// shm (transport 'shm': fail rather than fall back) or the socket; api 'promise-spin-always' adds spin: 'always'.
import { createClient, type RedisClient } from '../client/index.js';
import type { Driver, DriverSpec, Endpoints } from './driver.js';
import { endpointFor } from './endpoint.js';

export async function openRedisShmClient(spec: DriverSpec, eps: Endpoints): Promise<Driver> {
  const ep = endpointFor(spec, eps);
  const make = (returnBuffers: boolean): RedisClient => createClient({
    ...('path' in ep ? { path: ep.path } : { host: ep.host, port: ep.port }),
    transport: spec.transport === 'shm' ? 'shm' : 'socket', reconnect: false, returnBuffers,
    // 'promise-spin-always': the design card's always-spinning policy (docs/api.md "Spin policy")
    ...(spec.api === 'promise-spin-always' ? { spin: 'always' as const } : {}),
    // 'promise-main-thread': the session served by the server's main thread (docs/api.md "Serve mode")
    ...(spec.api === 'promise-main-thread' ? { serve: 'main' as const } : { serve: 'thread' as const }),
  });
  const cmd = await make(false).connect();
  // Large values come back as Buffers from a second client, as ioredis's getBuffer does on its own.
  let bin: RedisClient | undefined;
  let sub: RedisClient | undefined;
  return {
    spec,
    ping: () => cmd.sendCommand(['PING']),
    get: (k) => cmd.sendCommand(['GET', k]),
    getBuffer: async (k) => {
      bin ??= await make(true).connect();
      return (await bin.sendCommand(['GET', k])) as Buffer | null;
    },
    set: (k, v) => cmd.sendCommand(['SET', k, v]),
    pipelineGet: (keys) => {
      const p = cmd.pipeline();
      for (const k of keys) p.sendCommand(['GET', k]);
      return p.exec();
    },
    publish: (ch, m) => cmd.sendCommand(['PUBLISH', ch, m]),
    async subscribe(ch, onMessage) {
      sub = await make(false).connect();
      await new Promise<void>((resolve, reject) => {
        sub!.sendRaw(['SUBSCRIBE', ch], (r) => {
          if (r === null) { reject(new Error('subscriber closed')); return; }
          const kind = r.element?.[0]?.str;
          if (kind === 'subscribe') resolve();
          else if (kind === 'message') onMessage(r.element?.[2]?.str ?? '');
        });
      });
    },
    async close() {
      for (const c of [cmd, bin, sub]) c?.disconnect();
    },
  };
}

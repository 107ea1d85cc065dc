// The latency tool's three rows: PING over TCP, over the Unix socket and over shm, all
// with redis-shm's own client (the API and adapter chosen) against the same server. Each
// comes back as a slot; a transport that cannot be used comes back with the reason
// instead of failing the run. `raw: true` measures TCP and Unix with a bare RESP loop over
// `net` instead (no client library: what redis-cli --latency measures).
import type { Target } from '../cli/target.js';
import { Samples } from './stats.js';
import type { ProbeSlot, Prober } from './interleave.js';
import { RawPinger, type Endpoint } from './raw-ping.js';
import type { TransportName } from './driver.js';
import { openDriver } from './drivers.js';

export interface ProberOptions {
  raw?: boolean;
  /** redis-shm API: 'async' (default), 'sync' or 'promise'. */
  api?: string;
  /** Event-loop adapter for the async API (default 'node'). */
  adapter?: string;
  /** Open only these rows (default: tcp, unix and shm). */
  only?: string[];
}

async function slot(name: string, open: (() => Promise<Prober>) | null, missing: string): Promise<ProbeSlot> {
  if (!open) return { name, prober: null, unavailable: missing, samples: new Samples() };
  try {
    return { name, prober: await open(), samples: new Samples() };
  } catch (err) {
    return { name, prober: null, unavailable: err instanceof Error ? err.message : String(err), samples: new Samples() };
  }
}

async function rawProber(name: string, ep: Endpoint): Promise<Prober> {
  const p = await RawPinger.open(ep);
  return { name, ping: () => p.ping(), close: () => p.close() };
}

async function clientProber(t: Target, transport: TransportName, opts: ProberOptions): Promise<Prober> {
  const api = opts.api ?? 'async';
  const d = await openDriver({ client: 'redis-shm', transport, api, adapter: api === 'sync' ? null : opts.adapter ?? 'node' }, { tcp: t.tcp, unix: t.unix });
  return { name: transport, ping: async () => { await d.ping(); }, close: () => { void d.close(); } };
}

export async function openProbers(t: Target, opts: ProberOptions = {}): Promise<ProbeSlot[]> {
  const sock = (name: 'tcp' | 'unix', ep: Endpoint | null) =>
    (ep ? () => (opts.raw ? rawProber(name, ep) : clientProber(t, name, opts)) : null);
  const rows: Array<[string, (() => Promise<Prober>) | null, string]> = [
    ['tcp', sock('tcp', t.tcp), 'no TCP port (the server listens on a Unix socket only)'],
    ['unix', sock('unix', t.unix), 'no Unix socket (set unixsocket in redis.conf, or pass --socket)'],
    ['shm', t.shmProblem || !(t.unix ?? t.tcp) ? null : () => clientProber(t, 'shm', opts), t.shmProblem ?? 'no server address'],
  ];
  const slots: ProbeSlot[] = [];
  for (const [name, open, missing] of rows) if (!opts.only || opts.only.includes(name)) slots.push(await slot(name, open, missing));
  return slots;
}

export function closeProbers(slots: ProbeSlot[]): void {
  for (const s of slots) s.prober?.close();
}

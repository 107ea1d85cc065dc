// The latency tool's three rows: PING over TCP, over the Unix socket and over shm, all
// against the same server. Each comes back as a slot; a transport that cannot be used
// comes back with the reason instead of failing the run.
import type { Target } from '../cli/target.js';
import { Samples } from './stats.js';
import type { ProbeSlot, Prober } from './interleave.js';
import { RawPinger, type Endpoint } from './raw-ping.js';
import { openShmProber } from './shm-prober.js';

function rawProber(name: string, p: RawPinger): Prober {
  return { name, ping: () => p.ping(), close: () => p.close() };
}

async function slot(name: string, open: (() => Promise<Prober>) | null, missing: string): Promise<ProbeSlot> {
  if (!open) return { name, prober: null, unavailable: missing, samples: new Samples() };
  try {
    return { name, prober: await open(), samples: new Samples() };
  } catch (err) {
    return { name, prober: null, unavailable: err instanceof Error ? err.message : String(err), samples: new Samples() };
  }
}

export async function openProbers(t: Target): Promise<ProbeSlot[]> {
  const raw = (name: string, ep: Endpoint | null) => (ep ? async () => rawProber(name, await RawPinger.open(ep)) : null);
  return [
    await slot('tcp', raw('tcp', t.tcp), 'no TCP port (the server listens on a Unix socket only)'),
    await slot('unix', raw('unix', t.unix), 'no Unix socket (set unixsocket in redis.conf, or pass --socket)'),
    await slot('shm', t.shmProblem ? null : () => openShmProber(t), t.shmProblem ?? ''),
  ];
}

export function closeProbers(slots: ProbeSlot[]): void {
  for (const s of slots) s.prober?.close();
}

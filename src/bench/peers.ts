// The clients `redis-shm bench` compares against (ioredis, node-redis) are optional peers:
// dev dependencies here, usually absent in a user's project. Their drivers are imported
// only when a row needs them, and a missing package is named with the command to add it.
import { RedisError } from '../errors.js';
import type { DriverSpec } from './driver.js';

/** The npm package each peer client comes from. */
export const PEER_PACKAGES: Readonly<Record<Exclude<DriverSpec['client'], 'redis-shm'>, string>> = {
  ioredis: 'ioredis',
  'node-redis': 'redis',
};

/** How to add the given packages to the project that runs the benchmark. */
export function installHint(packages: readonly string[]): string {
  return `npm install --no-save ${packages.join(' ')}`;
}

/** True when `e` says that package `pkg` itself (not some file of ours) cannot be found. */
function isMissing(e: unknown, pkg: string): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') &&
    typeof err.message === 'string' && err.message.includes(`'${pkg}'`);
}

/** Imports a peer's driver module; a missing peer package becomes a RedisError naming it. */
export async function importPeerDriver<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (isMissing(e, pkg)) throw new RedisError('ERR_OTHER', `${pkg} is not installed (add it with: ${installHint([pkg])})`, { cause: e });
    throw e;
  }
}

/** Whether the package can be imported from here (the project's node_modules). */
export async function peerInstalled(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch (e) {
    if (isMissing(e, pkg)) return false;
    throw e;
  }
}

/** The peer packages the given specs need that are not installed. */
export async function missingPeers(specs: readonly DriverSpec[]): Promise<string[]> {
  const wanted = [...new Set(specs.flatMap((s) => (s.client === 'redis-shm' ? [] : [PEER_PACKAGES[s.client]])))];
  const missing: string[] = [];
  for (const pkg of wanted) if (!(await peerInstalled(pkg))) missing.push(pkg);
  return missing;
}

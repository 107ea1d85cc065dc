// The benchmark's peer clients are optional: a missing one is named with the command to add
// it, and other import failures are not mistaken for it.
import { describe, expect, it } from 'vitest';
import { importPeerDriver, missingPeers, peerInstalled } from '../../src/bench/peers.js';
import { RedisError } from '../../src/errors.js';

describe('bench peers', () => {
  it('a missing package becomes a RedisError with the install command', async () => {
    const err = await importPeerDriver('no-such-peer-pkg', () => import('no-such-peer-pkg' as string)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisError);
    expect((err as Error).message).toBe('no-such-peer-pkg is not installed (add it with: npm install --no-save no-such-peer-pkg)');
  });

  it('any other failure of the driver module passes through', async () => {
    const boom = new Error('boom');
    await expect(importPeerDriver('ioredis', () => Promise.reject(boom))).rejects.toBe(boom);
    // a missing file of ours is not a missing peer
    await expect(importPeerDriver('ioredis', () => import('./no-such-driver.js' as string))).rejects.not.toBeInstanceOf(RedisError);
  });

  it('here (dev dependencies installed) both peers are found', async () => {
    expect(await peerInstalled('ioredis')).toBe(true);
    expect(await peerInstalled('redis')).toBe(true);
    expect(await peerInstalled('no-such-peer-pkg')).toBe(false);
    expect(await missingPeers([{ client: 'ioredis', transport: 'unix', api: 'promise', adapter: null },
      { client: 'node-redis', transport: 'unix', api: 'promise', adapter: null }])).toEqual([]);
  });
});

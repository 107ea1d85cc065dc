import { describe, expect, it } from 'vitest';
import { specLabel } from '../../src/bench/driver.js';
import { ALL_WORKLOADS } from '../../src/bench/harness.js';
import { DEFAULT_SPECS } from '../../src/bench/specs.js';
import { DEFAULT_ROUNDS, parseBenchArgs } from '../../src/cli/bench-options.js';

describe('parseBenchArgs', () => {
  it('defaults: every condition, workload and configuration, 2 and 4 threads, the mode\'s rounds', () => {
    const a = parseBenchArgs([]);
    expect(a).toMatchObject({ help: false, quick: false, conditions: ['idle', 'loaded', 'busy'], threads: [2, 4], rounds: DEFAULT_ROUNDS.full });
    expect(a.workloads).toEqual([...ALL_WORKLOADS]);
    expect(a.workloads).toContain('burst');
    expect(a.specs).toEqual(DEFAULT_SPECS);
    expect(parseBenchArgs(['--quick']).rounds).toBe(DEFAULT_ROUNDS.quick);
    expect(parseBenchArgs(['--cluster', '127.0.0.1:7000']).rounds).toBe(DEFAULT_ROUNDS.cluster);
    expect(parseBenchArgs(['--cluster', '127.0.0.1:7000', '--quick']).rounds).toBe(DEFAULT_ROUNDS.clusterQuick);
  });

  it('takes --rounds, --conditions (busy included), --threads lists, --only and --clients', () => {
    const a = parseBenchArgs(['--quick', '--rounds', '3', '--conditions', 'idle, busy', '--threads', '2,4,4', '--only', 'burst,get-threads',
      '--clients', 'ioredis,shm promise', '--socket', '/tmp/s', '--json', 'rows.json', '--markdown', 'out.md', '--chart-dir', 'c']);
    expect(a).toMatchObject({ quick: true, rounds: 3, conditions: ['idle', 'busy'], threads: [2, 4], workloads: ['burst', 'get-threads'],
      socket: '/tmp/s', json: 'rows.json', markdown: 'out.md', chartDir: 'c' });
    // a broad filter ('shm promise') does not pull the opt-in rows in
    expect(a.specs.map(specLabel)).toEqual(['redis-shm shm promise busy-poll', 'ioredis shm promise', 'ioredis unix promise']);
    expect(parseBenchArgs(['--clients', 'shm promise busy,spin-always']).specs.map(specLabel)).toEqual(['redis-shm shm promise busy-poll', 'redis-shm shm promise-spin-always busy-poll']);
    // the always-spinning and main-thread rows are opt-in: never among the defaults
    expect(parseBenchArgs([]).specs.map(specLabel).filter((l) => l.includes('spin-always') || l.includes('main-thread'))).toEqual([]);
    expect(parseBenchArgs(['--clients', 'main-thread']).specs.map(specLabel)).toEqual(['redis-shm shm promise-main-thread busy-poll']);
    expect(parseBenchArgs(['--cluster', 'h:1', '--rounds', '7']).rounds).toBe(7);
    expect(parseBenchArgs(['--port', '6380', '--host', 'h'])).toMatchObject({ host: 'h', port: 6380 });
  });

  it('rejects malformed values with the option named', () => {
    const bad: Array<[string[], RegExp]> = [
      [['--rounds', '0'], /--rounds expects positive integers, got "0"/],
      [['--rounds', '1.5'], /--rounds expects positive integers/],
      [['--rounds', 'x'], /--rounds expects a non-negative number/],
      [['--rounds', '2,3'], /--rounds expects one positive integer/],
      [['--rounds', ''], /--rounds expects a list of positive integers/],
      [['--threads', '2,0'], /--threads expects positive integers, got "0"/],
      [['--conditions', 'idle,nope'], /--conditions: unknown condition "nope" \(one of idle, loaded, busy\)/],
      [['--only', 'nope'], /--only: unknown workload "nope"/],
      [['--clients', 'memcached'], /matches no configuration/],
      [['--port', '70000'], /--port expects a port number/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [argv, re] of bad) expect(() => parseBenchArgs(argv), argv.join(' ')).toThrow(re);
  });
});

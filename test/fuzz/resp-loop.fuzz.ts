// The budgeted JS fuzz run (scripts/fuzz.sh resp SECONDS), not part of npm test: runs the
// RESP reader loop for FUZZ_SECONDS, keeps every crashing input in test/fuzz/fixtures/,
// and prints the iteration count. The fixtures are replayed by test/fuzz/replay.test.ts.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/redis-server.js';
import { fuzzLoop } from './resp-fuzz.js';

it('RESP reader fuzz loop', () => {
  const seconds = Number(process.env.FUZZ_SECONDS ?? '10');
  const seed = Number(process.env.FUZZ_SEED ?? String(Date.now() & 0x7fffffff));
  const res = fuzzLoop(seed, performance.now() + seconds * 1000);
  for (const c of res.crashes) {
    const name = `resp-${createHash('sha1').update(c.input).digest('hex').slice(0, 16)}.bin`;
    writeFileSync(join(ROOT, 'test', 'fuzz', 'fixtures', name), c.input);
    console.log(`crash kept as test/fuzz/fixtures/${name}: ${c.why.split('\n')[0]}`);
  }
  console.log(`fuzz resp: seed=${seed} iterations=${res.iterations} seconds=${seconds} crashes=${res.crashes.length}`);
  expect(res.crashes.length).toBe(0);
});

// Replays every kept fuzz input as a regression fixture: the C targets' seeds and crashes
// (native/fuzz/corpus*/) through a gcc-built replay driver with ASan and UBSan, and the RESP
// reader's fixtures (test/fuzz/fixtures/) through the JS oracle.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/redis-server.js';
import { checkInput } from './resp-fuzz.js';

const FUZZ = join(ROOT, 'native', 'fuzz');

function inputs(dir: string): string[] {
  try { return readdirSync(dir).filter((f) => !f.startsWith('.') && !f.endsWith('.md')); } catch { return []; }
}

describe('fuzz fixtures replay', () => {
  // the parser's own sources: parse.c, plus the allocator hooks it calls when the module has them
  const parseSources = ['parse.c', 'alloc.c'].map((f) => join(ROOT, 'native', 'module', f)).filter((f) => existsSync(f));
  for (const [target, extra] of [['parse', parseSources], ['ring', []]] as const) {
    it(`C target ${target}: every seed and kept crash runs clean under ASan/UBSan`, () => {
      const bin = join(mkdtempSync(join(tmpdir(), 'redis-shm-replay-')), `replay_${target}`);
      execFileSync('gcc', [
        '-g', '-O1', '-std=c11', '-D_GNU_SOURCE', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined',
        '-I', join(ROOT, 'native', 'ring'), '-I', join(ROOT, 'native', 'module'),
        '-o', bin, join(FUZZ, 'replay.c'), join(FUZZ, `fuzz_${target}.c`), ...extra,
      ], { stdio: 'pipe' });
      const dirs = [join(FUZZ, 'corpus', target), join(FUZZ, 'corpus-crashes', target)];
      const expected = dirs.reduce((n, d) => n + inputs(d).length, 0);
      const out = execFileSync(bin, dirs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
      expect(out).toContain(`replayed ${expected} inputs`);
      expect(expected).toBeGreaterThan(0);
    });
  }

  it('RESP reader: every fixture passes the oracle (only ERR_PROTOCOL escapes, whole == pieces)', () => {
    const dir = join(ROOT, 'test', 'fuzz', 'fixtures');
    const files = inputs(dir);
    expect(files.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const f of files) {
      const input = readFileSync(join(dir, f));
      for (const seed of [1, 2, 3]) {
        const why = checkInput(input, seed);
        if (why) failures.push(`${f} (seed ${seed}): ${why}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});

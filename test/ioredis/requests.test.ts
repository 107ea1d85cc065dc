// The request splitter of the ioredis stream: commands out of the bytes ioredis writes, in
// any split, and the point where bytes stop being multibulk commands.
import { describe, expect, it } from 'vitest';
import { RequestSplitter } from '../../src/ioredis/requests.js';

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

const PIPE = [resp('SET', 'k', 'v\r\nwith CRLF'), resp('get', 'k'), resp('CLIENT', 'SETNAME', 'x'), resp('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>')];

describe('RequestSplitter', () => {
  it('splits a pipeline fed whole, in pieces, or byte by byte into the same commands', () => {
    const all = Buffer.from(PIPE.join(''));
    for (const step of [all.length, 5, 1]) {
      const s = new RequestSplitter();
      const names: string[] = [];
      const bytes: string[] = [];
      const args: string[][] = [];
      for (let i = 0; i < all.length; i += step) {
        const { commands, rest } = s.split(all.subarray(i, Math.min(all.length, i + step)));
        expect(rest).toBeUndefined();
        for (const c of commands) {
          names.push(c.name);
          bytes.push(Buffer.from(c.bytes).toString());
          args.push(c.argv.map((a) => Buffer.from(a).toString()));
        }
      }
      expect(names).toEqual(['set', 'get', 'client', 'xreadgroup']);
      expect(bytes).toEqual(PIPE);
      expect(args[0]).toEqual(['SET', 'k', 'v\r\nwith CRLF']);
      expect(args[3]).toEqual(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>']);
      expect(s.pending).toBe(0);
    }
  });

  it('keeps only the first arguments as views, and skips large bodies by length', () => {
    const many = resp('MSET', ...Array.from({ length: 40 }, (_, i) => `a${i}`));
    const big = resp('SET', 'k', 'x'.repeat(1 << 20));
    const { commands } = new RequestSplitter().split(Buffer.from(many + big));
    expect(commands.map((c) => c.argv.length)).toEqual([12, 3]);
    expect(commands[1]!.bytes.length).toBe(Buffer.byteLength(big));
  });

  it('holds back a cut command and gives it up on request', () => {
    const s = new RequestSplitter();
    const b = Buffer.from(resp('GET', 'key'));
    expect(s.split(b.subarray(0, 9)).commands).toEqual([]);
    expect(s.pending).toBe(9);
    expect(Buffer.from(s.takePending()!).toString()).toBe(b.subarray(0, 9).toString());
    expect(s.pending).toBe(0);
  });

  it.each([
    ['an inline command', 'PING\r\n'],
    ['*0 (no reply would come)', '*0\r\n'],
    ['a bulk without $', '*1\r\n:1\r\n'],
    ['a bad length', '*1\r\n$x\r\n'],
    ['a body not ended by CRLF', '*1\r\n$3\r\nGETxx'],
    ['a count of 16 digits', '*1234567890123456\r\n'],
  ])('stops at %s: what came before is split, the rest is handed back untouched', (_what, bad) => {
    const good = resp('GET', 'k');
    const { commands, rest } = new RequestSplitter().split(Buffer.from(good + bad));
    expect(commands.map((c) => c.name)).toEqual(['get']);
    expect(Buffer.from(rest!).toString()).toBe(bad);
  });
});

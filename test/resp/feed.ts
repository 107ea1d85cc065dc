// Test helper: feed bytes to a fresh reader whole, byte by byte, and in random splits.
import { Reader, type ReaderOptions } from '../../src/resp/reader.js';

export type Split = 'whole' | 'bytes' | 'random';
export const SPLITS: Split[] = ['whole', 'bytes', 'random'];

/** Feed `input` split as asked, collecting every reply returned along the way. */
export function readAll<T>(input: Uint8Array | string, split: Split, opts?: ReaderOptions<T>, seed = 1): { replies: T[]; reader: Reader<T> } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const r = new Reader<T>(opts);
  const replies: T[] = [];
  const drain = (): void => {
    for (let x = r.getReply(); x !== undefined; x = r.getReply()) replies.push(x);
  };
  if (split === 'whole') {
    r.feed(bytes);
    drain();
  } else if (split === 'bytes') {
    for (let i = 0; i < bytes.length; i++) { r.feed(bytes.subarray(i, i + 1)); drain(); }
  } else {
    let s = seed;
    for (let i = 0; i < bytes.length;) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (s % 17);
      r.feed(bytes.subarray(i, i + n));
      i += n;
      drain();
    }
  }
  return { replies, reader: r };
}

// Hash slots: CRC16/XMODEM (poly 0x1021, init 0) of the key, or of its first non-empty
// {hash tag}, modulo 16384 (& 16383), as the Redis Cluster spec defines it.
import type { CommandArg } from '../format/argv.js';

export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC16/XMODEM of bytes [start, end). */
export function crc16(b: Uint8Array, start = 0, end = b.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

/** The part of the key that is hashed: [start, end) of its first non-empty {tag}, else all of it. */
function hashRange(b: Uint8Array): [number, number] {
  const open = b.indexOf(0x7b); // '{'
  if (open < 0) return [0, b.length];
  const close = b.indexOf(0x7d, open + 1); // '}'
  if (close < 0 || close === open + 1) return [0, b.length];
  return [open + 1, close];
}

/** CRC16 of an ASCII string's hashed part, without encoding it; -1 when it is not ASCII. */
function asciiSlot(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1;
  let start = 0;
  let end = s.length;
  const open = s.indexOf('{');
  if (open >= 0) {
    const close = s.indexOf('}', open + 1);
    if (close > open + 1) { start = open + 1; end = close; }
  }
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!;
  return crc & (SLOTS - 1);
}

/** The hash slot of a key (strings as UTF-8, numbers as their decimal text, as they are sent). */
export function keySlot(key: CommandArg): number {
  if (typeof key === 'string') {
    const s = asciiSlot(key);
    if (s >= 0) return s;
    key = Buffer.from(key, 'utf8');
  } else if (typeof key === 'number' || typeof key === 'bigint') {
    return asciiSlot(String(key));
  }
  const [a, z] = hashRange(key);
  return crc16(key, a, z) & (SLOTS - 1);
}

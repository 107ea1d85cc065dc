// Redis Cluster's key slot, computed here to pick keys by owner without asking a server:
// CRC16/XMODEM of the first non-empty {hash tag}, else of the whole key, & 16383
// (test/module/cluster.test.ts checks it against CLUSTER KEYSLOT).

function crc16(b: Buffer): number {
  let crc = 0;
  for (const x of b) {
    crc ^= x << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function slotOf(key: string): number {
  const s = key.indexOf('{');
  if (s >= 0) {
    const e = key.indexOf('}', s + 1);
    if (e > s + 1) return crc16(Buffer.from(key.slice(s + 1, e))) & 0x3fff;
  }
  return crc16(Buffer.from(key)) & 0x3fff;
}

/** The first key `prefix` + n (n = 0, 1, ...) whose slot `ok` accepts. */
export function keyWhere(prefix: string, ok: (slot: number) => boolean): string {
  for (let i = 0; i < 1_000_000; i++) if (ok(slotOf(prefix + i))) return prefix + i;
  throw new Error(`no key ${prefix}<n> in the wanted slots`);
}

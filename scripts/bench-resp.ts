// Reply parsing throughput: our Reader (default RedisReply objects) against node-redis's
// RESP decoder (the same decoder ioredis 6 uses), on the same byte streams fed in the same
// chunks, alternated in several rounds in one run.
//
//   npx tsc -p tsconfig.json && node dist/scripts/bench-resp.js
import { createRequire } from 'node:module';
import { Reader } from '../src/resp/reader.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Decoder } = require('@redis/client/dist/lib/RESP/decoder.js') as {
  Decoder: new (cfg: object) => { write(chunk: Buffer): void };
};

interface Workload { name: string; bytes: Buffer; replies: number; chunk: number }

function repeat(one: string | Buffer, n: number): Buffer {
  const b = typeof one === 'string' ? Buffer.from(one) : one;
  return Buffer.concat(Array.from({ length: n }, () => b));
}

const bulk100 = `$100\r\n${'v'.repeat(100)}\r\n`;
const WORKLOADS: Workload[] = [
  { name: '+OK x 200k', bytes: repeat('+OK\r\n', 200_000), replies: 200_000, chunk: 16384 },
  { name: ':12345 x 200k', bytes: repeat(':12345\r\n', 200_000), replies: 200_000, chunk: 16384 },
  { name: '100 B bulk x 100k', bytes: repeat(bulk100, 100_000), replies: 100_000, chunk: 16384 },
  { name: 'array of 100 bulks x 2k', bytes: repeat(`*100\r\n${bulk100.repeat(100)}`, 2_000), replies: 2_000, chunk: 16384 },
  { name: '1 MB bulk x 50 (64 KB chunks)', bytes: repeat(`$1048576\r\n${'b'.repeat(1048576)}\r\n`, 50), replies: 50, chunk: 65536 },
];

function chunks(w: Workload): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < w.bytes.length; i += w.chunk) out.push(w.bytes.subarray(i, i + w.chunk));
  return out;
}

function runOurs(parts: Buffer[]): number {
  const r = new Reader();
  let n = 0;
  for (const p of parts) {
    r.feed(p);
    for (let x = r.getReply(); x !== undefined; x = r.getReply()) n++;
  }
  return n;
}

function runNodeRedis(parts: Buffer[]): number {
  let n = 0;
  const d = new Decoder({ onReply: () => { n++; }, onErrorReply: () => { n++; }, onPush: () => { n++; }, getTypeMapping: () => ({}) });
  for (const p of parts) d.write(p);
  return n;
}

function main(): void {
  const rounds = 15;
  console.log('workload                          parser            replies/s     MB/s   (best of 15 alternated rounds)');
  for (const w of WORKLOADS) {
    const parts = chunks(w);
    const best: Record<string, number> = { ours: Infinity, 'node-redis': Infinity };
    for (let round = 0; round < rounds; round++) {
      for (const [name, fn] of [['ours', runOurs], ['node-redis', runNodeRedis]] as const) {
        const t0 = performance.now();
        const n = fn(parts);
        const ms = performance.now() - t0;
        if (n !== w.replies) throw new Error(`${name} parsed ${n} replies of ${w.replies} in ${w.name}`);
        best[name] = Math.min(best[name]!, ms);
      }
    }
    for (const name of ['ours', 'node-redis']) {
      const s = best[name]! / 1000;
      console.log(`${w.name.padEnd(33)} ${name.padEnd(12)} ${Math.round(w.replies / s).toString().padStart(14)} ${(w.bytes.length / s / 1e6).toFixed(0).padStart(8)}`);
    }
  }
}

main();

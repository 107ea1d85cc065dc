// Differential test: our Reader against node-redis's RESP decoder (@redis/client, a
// devDependency through `redis`) on randomly generated RESP2 and RESP3 replies.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { RedisReply } from '../../src/resp/reply.js';
import {
  REDIS_REPLY_BIGNUM, REDIS_REPLY_BOOL, REDIS_REPLY_DOUBLE, REDIS_REPLY_ERROR, REDIS_REPLY_INTEGER,
  REDIS_REPLY_MAP, REDIS_REPLY_NIL, REDIS_REPLY_PUSH, REDIS_REPLY_STATUS, REDIS_REPLY_STRING, REDIS_REPLY_VERB,
} from '../../src/resp/types.js';
import { readAll, type Split } from './feed.js';
import { encode, genReply, Rng } from './gen.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Decoder, RESP_TYPES } = require('@redis/client/dist/lib/RESP/decoder.js');
const { VerbatimString } = require('@redis/client/dist/lib/RESP/verbatim-string.js');

// Both decoders' outputs are mapped onto one neutral shape.
function fromPeer(v: unknown): unknown {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString();
  if (v instanceof VerbatimString) return { verb: (v as { format: string }).format, s: String(v) };
  if (v instanceof Error) return { err: v.message };
  if (Array.isArray(v)) return v.map(fromPeer);
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  return v;
}

function fromOurs(r: RedisReply): unknown {
  switch (r.type) {
    case REDIS_REPLY_NIL: return null;
    case REDIS_REPLY_STRING: case REDIS_REPLY_STATUS: return r.str;
    case REDIS_REPLY_ERROR: return { err: r.str };
    case REDIS_REPLY_VERB: return { verb: r.vtype, s: r.str };
    case REDIS_REPLY_INTEGER: return r.integer;
    case REDIS_REPLY_DOUBLE: return Number.isNaN(r.dval) ? 'NaN' : r.dval;
    case REDIS_REPLY_BIGNUM: return BigInt(r.str!);
    case REDIS_REPLY_BOOL: return r.integer === 1;
    default: return r.element!.map(fromOurs);
  }
}

function peerDecode(bytes: Buffer): { kind: string; v: unknown }[] {
  const out: { kind: string; v: unknown }[] = [];
  const mapping = { [RESP_TYPES.MAP]: Array, [RESP_TYPES.VERBATIM_STRING]: VerbatimString };
  const d = new Decoder({
    onReply: (v: unknown) => out.push({ kind: 'reply', v: fromPeer(v) }),
    onErrorReply: (e: Error) => out.push({ kind: 'reply', v: fromPeer(e) }),
    onPush: (v: unknown[]) => out.push({ kind: 'push', v: fromPeer(v) }),
    getTypeMapping: () => mapping,
  });
  d.write(bytes);
  return out;
}

describe('Reader vs node-redis decoder on random replies', () => {
  for (const resp3 of [false, true]) {
    for (const split of ['whole', 'random'] as Split[]) {
      it(`${resp3 ? 'RESP3' : 'RESP2'} (${split})`, () => {
        const rng = new Rng(resp3 ? 0x9e3779b9 : 0x12345678);
        for (let round = 0; round < 40; round++) {
          const parts: Buffer[] = [];
          const n = 1 + rng.int(30);
          for (let i = 0; i < n; i++) encode(genReply(rng, 4, resp3), parts);
          const bytes = Buffer.concat(parts);
          const ours = readAll<RedisReply>(bytes, split, undefined, round + 1).replies
            .map((r) => ({ kind: r.type === REDIS_REPLY_PUSH ? 'push' : 'reply', v: fromOurs(r) }));
          const theirs = peerDecode(bytes);
          expect(ours).toHaveLength(n);
          expect(ours).toEqual(theirs);
        }
      });
    }
  }

  it('maps keep keys and values in order', () => {
    const { replies } = readAll<RedisReply>('%1\r\n+k\r\n:1\r\n', 'whole');
    expect(replies[0]!.type).toBe(REDIS_REPLY_MAP);
    expect(replies[0]!.elements).toBe(2);
  });
});

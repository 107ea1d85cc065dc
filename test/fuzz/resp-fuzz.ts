// The JS fuzz loop for the RESP reader (src/resp): generated, mutated and random byte
// streams are fed whole and in random pieces. The oracle: the reader returns replies or
// fails with RedisError ERR_PROTOCOL, or ERR_OOM for a length beyond the largest Buffer
// (as hiredis's REDIS_ERR_OOM; nothing else may escape), both feedings agree on
// every reply and on whether it failed, and no input takes longer than a second. (The
// failure's wording may differ: fed in pieces, a long line without CR is refused as "line
// too long" before the byte that makes it invalid arrives.) Any input
// that breaks the oracle is a crash; scripts/fuzz.sh keeps it under test/fuzz/fixtures/,
// and test/fuzz/replay.test.ts replays every fixture through checkInput.
import { RedisError } from '../../src/errors.js';
import { Reader } from '../../src/resp/reader.js';
import type { RedisReply } from '../../src/resp/reply.js';
import { Rng } from '../reliability/helpers.js';

/** A plain, comparable description of a reply. */
function describeReply(r: RedisReply | undefined): unknown {
  if (!r) return r;
  return {
    t: r.type, s: r.buf ? r.buf.toString('latin1') : r.str, i: String(r.integer), d: Number.isNaN(r.dval) ? 'NaN' : r.dval, v: r.vtype,
    e: r.element ? r.element.map(describeReply) : null, a: describeReply(r.attribute),
  };
}

interface Outcome { replies: unknown[]; error: string | undefined }

/** Feeds `input` in the given piece sizes (0 = whole). Throws if the oracle breaks. */
function feedIn(input: Buffer, rng: Rng | undefined): Outcome {
  const reader = new Reader({ maxDepth: 7 });
  const replies: unknown[] = [];
  let error: string | undefined;
  try {
    for (let at = 0; at < input.length;) {
      const n = rng ? 1 + rng.int(16) : input.length;
      reader.feed(input.subarray(at, at + n));
      at += n;
      for (let r = reader.getReply(); r !== undefined; r = reader.getReply()) replies.push(describeReply(r));
    }
  } catch (e) {
    if (!(e instanceof RedisError) || (e.code !== 'ERR_PROTOCOL' && e.code !== 'ERR_OOM')) {
      throw new Error(`reader threw something other than RedisError ERR_PROTOCOL / ERR_OOM: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
    if (reader.err === 0) throw new Error('reader threw but its err field is 0');
    error = e.message;
  }
  return { replies, error };
}

/** The oracle for one input. Returns undefined when fine, else what went wrong. */
export function checkInput(input: Buffer, seed = 1): string | undefined {
  const t0 = performance.now();
  try {
    const whole = feedIn(input, undefined);
    const pieces = feedIn(input, new Rng(seed));
    const a = JSON.stringify({ replies: whole.replies, failed: whole.error !== undefined });
    const b = JSON.stringify({ replies: pieces.replies, failed: pieces.error !== undefined });
    if (a !== b) return `whole and piecewise feeding disagree:\n  whole:  ${a.slice(0, 400)}\n  pieces: ${b.slice(0, 400)}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const ms = performance.now() - t0;
  if (ms > 1000) {
    // a pause of the host (GC, two busy cores) is not a hang: slow only if slow every time
    const again = [0, 1].map(() => { const t = performance.now(); feedIn(input, undefined); feedIn(input, new Rng(seed)); return performance.now() - t; });
    if (Math.min(...again) > 1000) return `took ${ms.toFixed(0)} ms (then ${again.map((x) => x.toFixed(0)).join(', ')} ms) for ${input.length} bytes`;
  }
  return undefined;
}

// ---------- input generation ----------

const ATOMS = ['+OK', '-ERR x', ':0', ':-9223372036854775808', ':9223372036854775807', ':9223372036854775808', ',1.5', ',inf', ',-inf', ',nan', ',1e400',
  '_', '#t', '#f', '(123456789012345678901234567890', '$-1', '*-1'];

function genReply(rng: Rng, depth: number, out: string[]): void {
  const k = rng.int(depth > 0 ? 10 : 6);
  if (k < 3) { out.push(rng.pick(ATOMS) + '\r\n'); return; }
  if (k < 6) {
    const body = 'x'.repeat(rng.int(20)) + (rng.int(4) === 0 ? '\r\n\0' : '');
    const t = rng.pick(['$', '=', '!']);
    out.push(`${t}${Buffer.byteLength(t === '=' ? 'txt:' + body : body)}\r\n${t === '=' ? 'txt:' + body : body}\r\n`);
    return;
  }
  const t = rng.pick(['*', '%', '~', '>', '|']);
  const n = rng.int(4);
  out.push(`${t}${n}\r\n`);
  const items = t === '%' || t === '|' ? 2 * n : n;
  for (let i = 0; i < items; i++) genReply(rng, depth - 1, out);
  if (t === '|') genReply(rng, depth - 1, out);
}

/** One fuzz input: valid replies mutated, or garbage after a type byte, or pure noise. */
export function genInput(rng: Rng): Buffer {
  const kind = rng.int(10);
  if (kind === 0) return Buffer.from(Array.from({ length: 1 + rng.int(200) }, () => rng.int(256)));
  if (kind === 1) {
    const parts = [rng.pick(['$', '*', '%', ':', ',', '(', '=', '|', '>', '~', '#', '_'])];
    for (let i = rng.int(30); i > 0; i--) parts.push(rng.pick(['0', '1', '9', '-', '+', '.', 'e', '\r', '\n', '\r\n', 'x', ' ', '99999999999999999999']));
    return Buffer.from(parts.join(''), 'latin1');
  }
  const out: string[] = [];
  for (let i = 1 + rng.int(3); i > 0; i--) genReply(rng, 3 + rng.int(6), out);
  const b = Buffer.from(out.join(''), 'latin1');
  for (let m = rng.int(4); m > 0 && b.length > 0; m--) {
    const at = rng.int(b.length);
    const op = rng.int(4);
    if (op === 0) b[at] = rng.int(256);
    else if (op === 1) b[at] = rng.pick([13, 10, 0x2d, 0x30, 0x39, 0x2a, 0x24]);
    else if (op === 2) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(4))]);
    else return Buffer.concat([b.subarray(0, at), b.subarray(at - rng.int(at + 1), at), b.subarray(at)]);
  }
  return b;
}

export interface LoopResult { iterations: number; crashes: { input: Buffer; why: string }[] }

/** Runs the loop until `deadlineMs` (performance.now() time) or `maxIterations`. */
export function fuzzLoop(seed: number, deadlineMs: number, maxIterations = Infinity): LoopResult {
  const rng = new Rng(seed);
  const res: LoopResult = { iterations: 0, crashes: [] };
  while (res.iterations < maxIterations && performance.now() < deadlineMs) {
    const input = genInput(rng);
    const why = checkInput(input, res.iterations + 1);
    if (why) res.crashes.push({ input, why });
    res.iterations++;
  }
  return res;
}

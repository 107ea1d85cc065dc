// Test helper: random RESP2/RESP3 replies, as a value tree plus its exact wire bytes.
export type Gen =
  | { k: 'status' | 'error' | 'blob' | 'bloberr'; v: Buffer }
  | { k: 'verb'; fmt: string; v: Buffer }
  | { k: 'int'; v: number }
  | { k: 'double'; v: number; text: string }
  | { k: 'big'; v: bigint }
  | { k: 'bool'; v: boolean }
  | { k: 'nil2' | 'nilarr' | 'null3' }
  | { k: 'array' | 'set' | 'push'; e: Gen[] }
  | { k: 'map'; e: Gen[] };

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x100000000;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  bytes(n: number, line: boolean): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let c = this.int(256);
      if (line) while (c === 13 || c === 10) c = 32 + this.int(90);
      b[i] = c;
    }
    return b;
  }
}

export function genReply(rng: Rng, depth: number, resp3: boolean, top = true, plain = false): Gen {
  // `plain`: no maps or verbatim strings (inside pushes, which node-redis decodes with a fixed mapping).
  const kinds = resp3
    ? ['status', 'error', 'blob', 'int', 'nil2', 'array', 'double', 'big', 'bool', 'null3', 'bloberr', 'set',
      ...(plain ? [] : ['verb', 'map']), ...(top ? ['push'] : [])]
    : ['status', 'error', 'blob', 'int', 'nil2', 'nilarr', 'array'];
  let k = kinds[rng.int(kinds.length)]!;
  if (depth <= 0 && (k === 'array' || k === 'map' || k === 'set' || k === 'push')) k = 'blob';
  const len = (): number => (rng.next() < 0.1 ? rng.int(3000) : rng.int(20));
  switch (k) {
    case 'status': case 'error': return { k, v: rng.bytes(len(), true) };
    case 'blob': case 'bloberr': return { k, v: rng.bytes(len(), false) };
    case 'verb': return { k, fmt: ['txt', 'mkd'][rng.int(2)]!, v: rng.bytes(len(), false) };
    case 'int': {
      const mag = [10, 1e6, 2 ** 31, Number.MAX_SAFE_INTEGER][rng.int(4)]!;
      return { k, v: Math.floor((rng.next() * 2 - 1) * mag) || 0 };
    }
    case 'double': {
      const choices = [(): number => rng.int(1000), (): number => (rng.next() - 0.5) * 1e6, (): number => rng.next() * 1e-5];
      const v = choices[rng.int(3)]!();
      return { k, v, text: String(v) };
    }
    case 'big': {
      let s = String(1 + rng.int(9));
      const n = 20 + rng.int(30);
      for (let i = 0; i < n; i++) s += String(rng.int(10));
      return { k, v: (rng.next() < 0.5 ? -1n : 1n) * BigInt(s) };
    }
    case 'bool': return { k, v: rng.next() < 0.5 };
    case 'nil2': case 'nilarr': case 'null3': return { k };
    case 'map': {
      const n = rng.int(5);
      const e: Gen[] = [];
      for (let i = 0; i < n * 2; i++) e.push(genReply(rng, depth - 1, resp3, false, plain));
      return { k, e };
    }
    default: {
      const n = rng.int(6);
      const e: Gen[] = [];
      for (let i = 0; i < n; i++) e.push(genReply(rng, depth - 1, resp3, false, plain || k === 'push'));
      return { k: k as 'array' | 'set' | 'push', e };
    }
  }
}

export function encode(g: Gen, out: Buffer[]): void {
  const line = (s: string): void => { out.push(Buffer.from(s + '\r\n', 'latin1')); };
  switch (g.k) {
    case 'status': out.push(Buffer.from('+'), g.v, Buffer.from('\r\n')); break;
    case 'error': out.push(Buffer.from('-'), g.v, Buffer.from('\r\n')); break;
    case 'blob': line(`$${g.v.length}`); out.push(g.v, Buffer.from('\r\n')); break;
    case 'bloberr': line(`!${g.v.length}`); out.push(g.v, Buffer.from('\r\n')); break;
    case 'verb': line(`=${g.v.length + 4}`); out.push(Buffer.from(g.fmt + ':'), g.v, Buffer.from('\r\n')); break;
    case 'int': line(`:${g.v}`); break;
    case 'double': line(`,${g.text}`); break;
    case 'big': line(`(${g.v}`); break;
    case 'bool': line(g.v ? '#t' : '#f'); break;
    case 'nil2': line('$-1'); break;
    case 'nilarr': line('*-1'); break;
    case 'null3': line('_'); break;
    case 'map': line(`%${g.e.length / 2}`); for (const e of g.e) encode(e, out); break;
    case 'array': case 'set': case 'push':
      line(`${g.k === 'array' ? '*' : g.k === 'set' ? '~' : '>'}${g.e.length}`);
      for (const e of g.e) encode(e, out);
      break;
  }
}

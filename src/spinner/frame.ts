// Reply boundary scanner: finds where complete top-level RESP2/RESP3 replies end in a byte
// stream, incrementally, without building reply objects. The spinner uses it to signal
// the main thread only for whole replies. Bulk bodies are skipped by count, so a large
// value costs a handful of steps. A form it cannot frame (RESP3 streamed `?` lengths, an
// unknown type byte) switches it to "unframed": every byte counts as a boundary from then
// on, which is still correct (the reader above reassembles), just signals more often.

const enum Mode { Type, SimpleLine, Number, NumberLf, Body }
const enum Kind { Bulk, Aggregate, Pairs, Attribute }

const CR = 13, LF = 10;
const MAX_DIGITS = 15;

export class BoundaryScanner {
  private mode = Mode.Type;
  private kind = Kind.Bulk;
  private num = 0;
  private neg = false;
  private digits = 0;
  private skip = 0;
  private unframed = false;
  /** Elements still expected by each open aggregate, innermost last. */
  private readonly remaining: number[] = [];
  /** Whether each open aggregate is an attribute (which does not count as an element). */
  private readonly attr: boolean[] = [];

  /** Starts unframed: for a stream picked up in the middle of a reply. */
  loseFraming(): void { this.unframed = true; }

  /** True once framing was given up (see the file comment). */
  get lost(): boolean { return this.unframed; }

  /** True between replies (no partial reply pending). */
  get idle(): boolean { return this.unframed || (this.mode === Mode.Type && this.remaining.length === 0); }

  /**
   * Scans buf[start, end). Returns the index just past the last top-level reply completed
   * in this range, or -1 when none completed.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    return this.walk(buf, start, end, false);
  }

  /**
   * Like scan(), but stops at the first top-level reply completed in buf[start, end) and
   * returns the index just past it (-1: none completed; the whole range was consumed).
   * `topType` is then that reply's type byte. Unframed, it returns `end` like scan().
   */
  next(buf: Uint8Array, start: number, end: number): number {
    return this.walk(buf, start, end, true);
  }

  /** The type byte of the top-level reply being scanned (or last completed): 0x3e `>` for a push. */
  get topType(): number { return this.top; }

  private top = 0;

  private walk(buf: Uint8Array, start: number, end: number, first: boolean): number {
    if (this.unframed) return end > start ? end : -1;
    let last = -1;
    let i = start;
    while (i < end) {
      switch (this.mode) {
        case Mode.Type: {
          const c = buf[i++]!;
          if (this.remaining.length === 0) this.top = c;
          switch (c) {
            case 0x2b: case 0x2d: case 0x3a: case 0x2c: case 0x23: case 0x28: case 0x5f: // + - : , # ( _
              this.mode = Mode.SimpleLine; break;
            case 0x24: case 0x3d: case 0x21: this.startNumber(Kind.Bulk); break;       // $ = !
            case 0x2a: case 0x7e: case 0x3e: this.startNumber(Kind.Aggregate); break;  // * ~ >
            case 0x25: this.startNumber(Kind.Pairs); break;                            // %
            case 0x7c: this.startNumber(Kind.Attribute); break;                        // |
            default: return this.giveUp(end);
          }
          break;
        }
        case Mode.SimpleLine: {
          const nl = buf.indexOf(LF, i);
          if (nl < 0 || nl >= end) { i = end; break; }
          i = nl + 1;
          this.mode = Mode.Type;
          if (this.elementDone()) { last = i; if (first) return i; }
          break;
        }
        case Mode.Number: {
          const c = buf[i++]!;
          if (c >= 0x30 && c <= 0x39) {
            if (++this.digits > MAX_DIGITS) return this.giveUp(end);
            this.num = this.num * 10 + (c - 0x30);
          } else if (c === 0x2d && this.digits === 0 && !this.neg) {
            this.neg = true;
          } else if (c === CR && (this.digits > 0)) {
            this.mode = Mode.NumberLf;
          } else {
            return this.giveUp(end);  // `?` (streamed) or garbage
          }
          break;
        }
        case Mode.NumberLf: {
          if (buf[i++] !== LF) return this.giveUp(end);
          const n = this.neg ? -this.num : this.num;
          this.mode = Mode.Type;
          if (this.kind === Kind.Bulk) {
            if (n < 0) { if (this.elementDone()) { last = i; if (first) return i; } } else { this.skip = n + 2; this.mode = Mode.Body; }
          } else if (n <= 0) {
            // null or empty aggregate: a complete element (an empty attribute counts as nothing)
            if (this.kind !== Kind.Attribute && this.elementDone()) { last = i; if (first) return i; }
          } else {
            this.remaining.push(this.kind === Kind.Aggregate ? n : n * 2);
            this.attr.push(this.kind === Kind.Attribute);
          }
          break;
        }
        case Mode.Body: {
          const take = Math.min(this.skip, end - i);
          this.skip -= take;
          i += take;
          if (this.skip === 0) {
            this.mode = Mode.Type;
            if (this.elementDone()) { last = i; if (first) return i; }
          }
          break;
        }
      }
    }
    return last;
  }

  private startNumber(kind: Kind): void {
    this.mode = Mode.Number;
    this.kind = kind;
    this.num = 0;
    this.neg = false;
    this.digits = 0;
  }

  private giveUp(end: number): number {
    this.unframed = true;
    return end;
  }

  /** One element finished; returns true when that completed a top-level reply. */
  private elementDone(): boolean {
    for (;;) {
      const depth = this.remaining.length;
      if (depth === 0) return true;
      const left = this.remaining[depth - 1]! - 1;
      if (left > 0) { this.remaining[depth - 1] = left; return false; }
      this.remaining.pop();
      // A finished attribute is not an element: the value it annotates follows.
      if (this.attr.pop()) return false;
    }
  }
}

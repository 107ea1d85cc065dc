// Splits the request bytes ioredis writes into commands: RESP multibulk (`*N` then N bulk
// strings), one or many per write (pipelines), a command possibly cut across writes. Bodies
// are skipped by length, never copied, except for a command cut across writes, whose pieces
// are joined once it is complete. Each command comes with its lowercase name and views of its
// first arguments, which is all the routing rule reads (src/async/route.ts).
import { word } from '../async/route.js';

/** Arguments (the name included) kept as views for the routing rule; XREADGROUP's options need 9. */
const KEPT_ARGS = 12;
/** A count or length with more digits than this is refused (2^53 > 10^15). */
const MAX_DIGITS = 15;
const CR = 13, LF = 10;

export interface SplitCommand {
  /** The command's bytes exactly as written (a view of the write, or the joined pieces). */
  bytes: Uint8Array;
  /** Lowercase command name ('' for a name longer than any command). */
  name: string;
  /** Views of the name and, for the commands whose routing reads them (READS_ARGS), of the
   *  first arguments (at most KEPT_ARGS in all). */
  argv: Uint8Array[];
}

export interface SplitResult {
  commands: SplitCommand[];
  /** Bytes from the first one that does not start a multibulk command (inline commands,
   *  `*0`, garbage): the caller stops interpreting the stream there. */
  rest: Uint8Array | undefined;
}

const PARTIAL = -1;
const BAD = -2;

/** Reads `<digits>\r\n` at buf[i]; returns [value, index after LF], PARTIAL or BAD. */
function readNumber(buf: Uint8Array, i: number, end: number): [number, number] | number {
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > MAX_DIGITS) return BAD;
      n = n * 10 + (c - 0x30);
      continue;
    }
    if (c !== CR || digits === 0) return BAD;
    if (i + 1 >= end) return PARTIAL;
    return buf[i + 1] === LF ? [n, i + 2] : BAD;
  }
  return PARTIAL;
}

/** The commands whose routing reads arguments after the name (src/async/route.ts): only
 *  these get views of them, every other command only its name (no allocation per argument). */
const READS_ARGS = new Set(['client', 'hello', 'xread', 'xreadgroup']);
/** The name of the command parseCommand last parsed (lowercase). */
let parsedName = '';

/** Parses one command at buf[start]; its end index, PARTIAL or BAD. Fills argv (the name,
 *  then the first arguments when the routing rule reads them). */
function parseCommand(buf: Uint8Array, start: number, end: number, argv: Uint8Array[]): number {
  if (start >= end) return PARTIAL;
  if (buf[start] !== 0x2a /* * */) return BAD;
  const head = readNumber(buf, start + 1, end);
  if (typeof head === 'number') return head;
  const [count] = head;
  let i = head[1];
  let keep = false;
  if (count < 1) return BAD;  // `*0` gets no reply: the replies would stop matching
  for (let a = 0; a < count; a++) {
    if (i >= end) return PARTIAL;
    if (buf[i] !== 0x24 /* $ */) return BAD;
    const len = readNumber(buf, i + 1, end);
    if (typeof len === 'number') return len;
    const body = len[1];
    const after = body + len[0];
    if (after + 2 > end) return PARTIAL;
    if (buf[after] !== CR || buf[after + 1] !== LF) return BAD;
    if (a === 0) argv.push(buf.subarray(body, after));
    else if (a < KEPT_ARGS && keep) argv.push(buf.subarray(body, after));
    if (a === 0) { parsedName = word(argv[0]); keep = READS_ARGS.has(parsedName); }
    i = after + 2;
  }
  return i;
}

export class RequestSplitter {
  /** Pieces of a command cut across writes. */
  private carry: Uint8Array[] = [];
  private carryLen = 0;

  /** Bytes held back as the start of an incomplete command. */
  get pending(): number { return this.carryLen; }

  split(chunk: Uint8Array): SplitResult {
    let buf = chunk;
    if (this.carryLen > 0) {
      this.carry.push(chunk);
      buf = Buffer.concat(this.carry, this.carryLen + chunk.length);
      this.carry = [];
      this.carryLen = 0;
    }
    const commands: SplitCommand[] = [];
    let i = 0;
    while (i < buf.length) {
      const argv: Uint8Array[] = [];
      const j = parseCommand(buf, i, buf.length, argv);
      if (j === PARTIAL) {
        const tail = buf.subarray(i);
        this.carry = [tail];
        this.carryLen = tail.length;
        break;
      }
      if (j === BAD) return { commands, rest: buf.subarray(i) };
      commands.push({ bytes: buf.subarray(i, j), name: parsedName, argv });
      i = j;
    }
    return { commands, rest: undefined };
  }

  /** Gives up the held-back bytes (the stream stops being interpreted). */
  takePending(): Uint8Array | undefined {
    if (this.carryLen === 0) return undefined;
    const b = Buffer.concat(this.carry, this.carryLen);
    this.carry = [];
    this.carryLen = 0;
    return b;
  }
}

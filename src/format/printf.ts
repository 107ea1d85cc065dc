// printf-style commands (hiredis redisFormatCommand): spaces in the format split arguments,
// conversions may sit anywhere inside an argument, and interpolated values are never split.
import { RedisError } from '../errors.js';
import { formatArgv, type CommandArg } from './argv.js';
import { formatFloat, formatInteger, type Spec } from './number.js';

export type FormatArg = string | Buffer | Uint8Array | number | bigint | boolean;

const FLAGS = '#0- +';
const INT_CONV = 'diouxX';
const FLOAT_CONV = 'fFeEgG';

function bad(msg: string): RedisError {
  return new RedisError('ERR_FORMAT', msg);
}

/** Count conversions that take a value, and how many of them are %b. */
function countSpecs(format: string): { specs: number; binary: number } {
  let specs = 0;
  let binary = 0;
  for (let i = format.indexOf('%'); i >= 0 && i < format.length; i = format.indexOf('%', i)) {
    i++;
    if (format[i] === '%') { i++; continue; }
    while (i < format.length && /[#0\- +0-9.hlq]/.test(format[i]!)) i++;
    if (format[i] === 'b') binary++;
    specs++;
    i++;
  }
  return { specs, binary };
}

/**
 * Split and interpolate a printf-style command into its argument vector.
 * `%b` takes a Buffer/Uint8Array (or string); it takes a byte length after it too when
 * every `%b` in the format is given one (hiredis's `%b` with `size_t`), never for some only.
 */
export function formatToArgv(format: string, args: readonly FormatArg[]): Buffer[] {
  if (typeof format !== 'string') throw bad('the format must be a string');
  const { specs, binary } = countSpecs(format);
  let withLen: boolean;
  if (args.length === specs) withLen = false;
  else if (binary > 0 && args.length === specs + binary) withLen = true;
  else throw bad(`format ${JSON.stringify(format)} takes ${specs} values${binary ? ` (or ${specs + binary} with %b lengths)` : ''}, got ${args.length}`);

  const argv: Buffer[] = [];
  let pieces: Uint8Array[] = [];
  let text = '';
  let touched = false;
  let ai = 0;
  const flushText = (): void => {
    if (text !== '') { pieces.push(Buffer.from(text, 'utf8')); text = ''; }
  };
  const endArg = (): void => {
    if (!touched) return;
    if (pieces.length === 0) argv.push(Buffer.from(text, 'utf8'));
    else { flushText(); argv.push(Buffer.concat(pieces)); }
    pieces = [];
    text = '';
    touched = false;
  };

  const n = format.length;
  for (let i = 0; i < n;) {
    const c = format[i]!;
    if (c === ' ') { endArg(); i++; continue; }
    if (c !== '%') {
      let j = i + 1;
      while (j < n && format[j] !== ' ' && format[j] !== '%') j++;
      text += format.slice(i, j);
      touched = true;
      i = j;
      continue;
    }
    // A conversion.
    i++;
    if (i >= n) throw bad('the format ends with a lone %');
    if (format[i] === '%') { text += '%'; touched = true; i++; continue; }
    const start = i - 1;
    let flags = '';
    while (i < n && FLAGS.includes(format[i]!)) flags += format[i++];
    let width = 0;
    while (i < n && format[i]! >= '0' && format[i]! <= '9') width = width * 10 + (format.charCodeAt(i++) - 48);
    let precision = -1;
    if (format[i] === '.') {
      i++;
      precision = 0;
      while (i < n && format[i]! >= '0' && format[i]! <= '9') precision = precision * 10 + (format.charCodeAt(i++) - 48);
    }
    let length = '';
    if (format.startsWith('hh', i) || format.startsWith('ll', i)) { length = format.slice(i, i + 2); i += 2; }
    else if (format[i] === 'h' || format[i] === 'l' || format[i] === 'q') length = format[i++]!;
    const conv = format[i++];
    const specText = format.slice(start, i);
    if (conv === undefined) throw bad(`incomplete conversion ${JSON.stringify(specText)}`);
    const value = args[ai++];
    touched = true;
    if (conv === 's' || conv === 'b') {
      if (flags || width || precision >= 0 || length) throw bad(`%${conv} takes no flags, width, precision or length (${specText})`);
      let bytes: Uint8Array | string;
      if (typeof value === 'string') bytes = value;
      else if (value instanceof Uint8Array) bytes = value;
      else if (conv === 's' && (typeof value === 'number' || typeof value === 'bigint')) bytes = String(value);
      else throw bad(`%${conv} needs a ${conv === 'b' ? 'Buffer/Uint8Array' : 'string'}, got ${value === null ? 'null' : typeof value}`);
      if (conv === 'b' && withLen) {
        const len = args[ai++];
        const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
        if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > b.byteLength) {
          throw bad(`the length after %b must be an integer within 0..${b.byteLength}, got ${String(len)}`);
        }
        bytes = b.subarray(0, len);
      }
      if (typeof bytes === 'string') text += bytes;
      else { flushText(); pieces.push(bytes); }
      continue;
    }
    const spec: Spec = { flags, width, precision, length, conv };
    if (INT_CONV.includes(conv)) text += formatInteger(value, spec);
    else if (FLOAT_CONV.includes(conv)) {
      if (length) throw bad(`length modifier ${length} is not valid with %${conv}`);
      text += formatFloat(value, spec);
    } else throw bad(`unknown conversion ${JSON.stringify(specText)}`);
  }
  endArg();
  if (argv.length === 0) throw bad('the format yields no command');
  return argv;
}

/** Format and encode in one step (hiredis redisFormatCommand). Returns the RESP request. */
export function formatCommand(format: string, ...args: FormatArg[]): Buffer {
  return formatArgv(formatToArgv(format, args) as CommandArg[]);
}

/** hiredis redisFormatCommand. */
export const redisFormatCommand = formatCommand;

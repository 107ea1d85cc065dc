// Number options for the CLI commands, rejected with a clear message when malformed.
import { RedisError } from '../errors.js';

export function numberOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new RedisError('ERR_ARGUMENT', `--${name} expects a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

export function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = numberOption(v, name, 0);
  if (!Number.isInteger(n) || n > 65535) throw new RedisError('ERR_ARGUMENT', `--${name} expects a port number, got ${JSON.stringify(v)}`);
  return n;
}

// Generates src/commands/generated.ts: one typed method per Redis command (and per
// subcommand of container commands such as CLIENT or CONFIG), from the COMMAND DOCS of a
// stock redis-server started just for this (no module, so only the server's own commands).
//
// Run:  npm run build:ts && node dist/scripts/gen-commands.js [path/to/redis-server]
// (Node 20 cannot run TypeScript directly; the script uses the library's own sync API.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisCommand, redisConnectUnix, redisFree } from '../src/sync/api.js';
import type { RedisReply } from '../src/resp/reply.js';
import { REDIS_REPLY_ARRAY, REDIS_REPLY_MAP } from '../src/resp/types.js';

type Doc = Map<string, unknown>;
interface Arg { name: string; type: string; token?: string; flags: string[]; arguments: Arg[] }

/** A reply as plain values: arrays (maps stay flat key/value lists, as RESP2 sends them). */
function plain(r: RedisReply): unknown {
  if (r.type === REDIS_REPLY_ARRAY || r.type === REDIS_REPLY_MAP) return (r.element ?? []).map(plain);
  return r.str ?? r.integer;
}

function toArg(v: unknown): Arg {
  const m = listToMap(v);
  return {
    name: String(m.get('name')), type: String(m.get('type')),
    token: m.get('token') === undefined ? undefined : String(m.get('token')),
    flags: ((m.get('flags') as unknown[] | undefined) ?? []).map(String),
    arguments: ((m.get('arguments') as unknown[] | undefined) ?? []).map(toArg),
  };
}

/** Argument descriptions arrive as flat key/value lists under RESP2. */
function listToMap(v: unknown): Map<string, unknown> {
  if (v instanceof Map) return v as Map<string, unknown>;
  const a = v as unknown[];
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < a.length; i += 2) m.set(String(a[i]), a[i + 1]);
  return m;
}

/** The syntax line as the Redis docs write it. */
function syntax(a: Arg): string {
  let s: string;
  if (a.type === 'pure-token') s = a.token ?? a.name;
  else if (a.type === 'oneof') s = a.arguments.map(syntax).join(' | ');
  else if (a.type === 'block') s = a.arguments.map(syntax).join(' ');
  else s = a.token ? `${a.token} ${a.name}` : a.name;
  if (a.type === 'oneof' && !a.flags.includes('optional')) s = `<${s}>`;
  if (a.flags.includes('multiple')) s = `${s} [${s} ...]`;
  if (a.flags.includes('optional')) s = `[${s}]`;
  return s;
}

const RESERVED = new Set(['delete', 'default', 'function', 'return', 'eval', 'arguments', 'constructor']);

function methodName(full: string): string {
  const parts = full.toLowerCase().split(/[|\-_ .]/).filter(Boolean);
  const n = parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
  return RESERVED.has(n) ? `${n}Command` : n;
}

function paramName(a: Arg, used: Set<string>): string {
  let n = methodName(a.name).replace(/[^A-Za-z0-9_]/g, '') || 'arg';
  if (/^\d/.test(n) || RESERVED.has(n)) n = `_${n}`;
  while (used.has(n)) n = `${n}_`;
  used.add(n);
  return n;
}

interface Out { method: string; words: string[]; doc: string; params: string }

function emit(full: string, doc: Doc, out: Out[]): void {
  const subs = listToMap(doc.get('subcommands') ?? []);
  if (subs.size > 0) {
    for (const [k, v] of subs) emit(k, listToMap(v), out);
    return;
  }
  const words = full.toUpperCase().split('|');
  const args = ((doc.get('arguments') as unknown[] | undefined) ?? []).map(toArg);
  const used = new Set<string>(['args']);
  const params: string[] = [];
  let i = 0;
  // Leading required single values become named parameters; the rest is variadic.
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.flags.length > 0 || a.token || a.type === 'oneof' || a.type === 'block' || a.type === 'pure-token') break;
    params.push(`${paramName(a, used)}: CommandArg`);
  }
  if (i < args.length) params.push('...args: CommandArg[]');
  const line = [words.join(' '), ...args.map(syntax)].join(' ');
  const summary = String(doc.get('summary') ?? '').replace(/\*\//g, '* /').replace(/([^.])$/, '$1.');
  const since = doc.get('since') ? ` Since ${String(doc.get('since'))}.` : '';
  const deprecated = doc.get('doc_flags') && String(doc.get('doc_flags')).includes('deprecated') ? ' @deprecated' : '';
  out.push({ method: methodName(full), words, doc: `${summary}${since} \`${line.replace(/`/g, "'")}\`${deprecated}`, params: params.join(', ') });
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/scripts -> repo root, or scripts -> repo root
  const root = existsSync(join(here, '..', 'package.json')) ? join(here, '..') : join(here, '..', '..');
  const serverBin = process.argv[2] ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'gen-commands-'));
  const sock = join(dir, 'redis.sock');
  const proc = spawn(serverBin, ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  try {
    let c = redisConnectUnix(sock, { transport: 'socket', maxDepth: 16 });
    for (let i = 0; c.err && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c = redisConnectUnix(sock, { transport: 'socket', maxDepth: 16 });
    }
    if (c.err) throw new Error(`could not reach ${serverBin}: ${c.errstr}`);
    const version = /redis_version:(\S+)/.exec(redisCommand(c, 'INFO server')!.str ?? '')?.[1] ?? '?';
    const reply = redisCommand(c, 'COMMAND DOCS');
    if (!reply) throw new Error(`COMMAND DOCS failed: ${c.errstr}`);
    const docs = listToMap(plain(reply));
    redisFree(c);
    const out: Out[] = [];
    for (const name of [...docs.keys()].sort()) emit(name, listToMap(docs.get(name)), out);
    const seen = new Set<string>();
    const rows = out.sort((a, b) => a.method.localeCompare(b.method)).filter((o) => !seen.has(o.method) && seen.add(o.method));
    const text = [
      `// GENERATED by scripts/gen-commands.ts from the COMMAND DOCS of redis-server ${version}. Do not edit:`,
      '// regenerate with `npm run build:ts && node dist/scripts/gen-commands.js`.',
      "import type { CommandArg } from '../format/argv.js';",
      '',
      '/** One method per command; R is what a call returns (e.g. a Promise of the reply). */',
      'export interface CommandMethods<R> {',
      ...rows.flatMap((o) => [`  /** ${o.doc} */`, `  ${o.method}(${o.params}): R;`]),
      '}',
      '',
      '/** [method, ...command words] for every method of CommandMethods. */',
      'export const COMMAND_TABLE: ReadonlyArray<readonly [keyof CommandMethods<unknown>, ...string[]]> = [',
      ...rows.map((o) => `  [${[o.method, ...o.words].map((w) => `'${w}'`).join(', ')}],`),
      '];',
      '',
    ].join('\n');
    const target = join(root, 'src', 'commands', 'generated.ts');
    writeFileSync(target, text);
    console.log(`wrote ${rows.length} methods to ${target} (redis-server ${version})`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

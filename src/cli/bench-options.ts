// `redis-shm bench` command line -> options, checked (pure: no I/O, no server).
import { parseArgs } from 'node:util';
import { RedisError } from '../errors.js';
import { specLabel, type DriverSpec } from '../bench/driver.js';
import { ALL_WORKLOADS, DEFAULT_THREADS, type WorkloadGroup } from '../bench/harness.js';
import { CONDITIONS, type Condition } from '../bench/rows.js';
import { DEFAULT_SPECS, OPT_IN_SPECS } from '../bench/specs.js';
import { intOption, numberOption } from './options.js';

export interface BenchArgs {
  help: boolean;
  quick: boolean;
  json?: string;
  chartDir?: string;
  markdown?: string;
  host?: string;
  port?: number;
  socket?: string;
  /** --cluster H:P, as given. */
  cluster?: string;
  conditions: Condition[];
  workloads: WorkloadGroup[];
  specs: DriverSpec[];
  threads: number[];
  /** --rounds, else the mode's default (DEFAULT_ROUNDS). */
  rounds: number;
}

/** Rounds per condition (per cluster run) unless --rounds says otherwise. */
export const DEFAULT_ROUNDS = { full: 3, quick: 1, cluster: 10, clusterQuick: 4 } as const;

export const DEFAULT_CONDITIONS: readonly Condition[] = ['idle', 'loaded', 'busy'];

const list = (v: string | undefined): string[] | undefined => v?.split(',').map((s) => s.trim()).filter(Boolean);

function positiveInts(v: string | undefined, name: string): number[] | undefined {
  const xs = list(v);
  if (xs === undefined) return undefined;
  if (!xs.length) throw new RedisError('ERR_ARGUMENT', `--${name} expects a list of positive integers, got ${JSON.stringify(v)}`);
  return xs.map((x) => {
    const n = numberOption(x, name, 0);
    if (!Number.isInteger(n) || n < 1) throw new RedisError('ERR_ARGUMENT', `--${name} expects positive integers, got ${JSON.stringify(x)}`);
    return n;
  });
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: {
      quick: { type: 'boolean' }, json: { type: 'string' }, 'chart-dir': { type: 'string' }, markdown: { type: 'string' },
      host: { type: 'string' }, port: { type: 'string' }, socket: { type: 'string' },
      conditions: { type: 'string' }, only: { type: 'string' }, clients: { type: 'string' }, threads: { type: 'string' },
      rounds: { type: 'string' }, cluster: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const conditions = (list(values.conditions) ?? [...DEFAULT_CONDITIONS]) as Condition[];
  for (const c of conditions) {
    if (!(CONDITIONS as readonly string[]).includes(c)) throw new RedisError('ERR_ARGUMENT', `--conditions: unknown condition ${JSON.stringify(c)} (one of ${CONDITIONS.join(', ')})`);
  }
  const workloads = (list(values.only) ?? [...ALL_WORKLOADS]) as WorkloadGroup[];
  for (const w of workloads) {
    if (!(ALL_WORKLOADS as readonly string[]).includes(w)) throw new RedisError('ERR_ARGUMENT', `--only: unknown workload ${JSON.stringify(w)} (one of ${ALL_WORKLOADS.join(', ')})`);
  }
  const clientFilter = list(values.clients);
  // An opt-in row joins only when a filter names its own api ('spin-always', 'main-thread'):
  // a broad filter such as 'shm promise' must not pull an always-spinning row in beside the
  // defaults (it would change every other row's conditions).
  const optIn = (s: DriverSpec, c: string): boolean => specLabel(s).includes(c) && c.includes(s.api.replace(/^promise-/, ''));
  const specs = clientFilter
    ? [...DEFAULT_SPECS.filter((s) => clientFilter.some((c) => specLabel(s).includes(c))),
      ...OPT_IN_SPECS.filter((s) => clientFilter.some((c) => optIn(s, c)))]
    : DEFAULT_SPECS;
  if (!specs.length) throw new RedisError('ERR_ARGUMENT', `--clients ${values.clients} matches no configuration`);
  const rounds = positiveInts(values.rounds, 'rounds');
  if (rounds && rounds.length !== 1) throw new RedisError('ERR_ARGUMENT', `--rounds expects one positive integer, got ${JSON.stringify(values.rounds)}`);
  return {
    help: values.help ?? false, quick: values.quick ?? false,
    json: values.json, chartDir: values['chart-dir'], markdown: values.markdown,
    host: values.host, port: intOption(values.port, 'port'), socket: values.socket, cluster: values.cluster,
    conditions: [...new Set(conditions)], workloads: [...new Set(workloads)], specs,
    threads: [...new Set(positiveInts(values.threads, 'threads') ?? [...DEFAULT_THREADS])],
    rounds: rounds?.[0] ?? (values.cluster !== undefined
      ? (values.quick ? DEFAULT_ROUNDS.clusterQuick : DEFAULT_ROUNDS.cluster)
      : (values.quick ? DEFAULT_ROUNDS.quick : DEFAULT_ROUNDS.full)),
  };
}

// Command dispatch for the `redis-shm` CLI. main.ts is the executable; this is importable.
import { RedisError } from '../errors.js';
import type { Io } from './io.js';
import { latencyCommand, LATENCY_USAGE } from './latency.js';
import { moduleProblem, modulePath } from '../native/binaries.js';
import { serverCommand, SERVER_USAGE } from './serve.js';
import { benchCommand, BENCH_USAGE } from './bench.js';
import { clusterCommand, CLUSTER_USAGE } from './cluster.js';

export const USAGE = `usage: redis-shm <command> [options]
commands:
  module-path   print the absolute path of the redis-shm Redis module (for --loadmodule)
  server        run redis-server with the module loaded
  latency       PING latency over tcp, unix and shm side by side
  bench         benchmark redis-shm against ioredis and node-redis
  cluster       start / stop a local Redis Cluster with the module loaded
  help          this text; "redis-shm <command> --help" for a command's options

${SERVER_USAGE}
${LATENCY_USAGE}
${BENCH_USAGE}
${CLUSTER_USAGE}`;

export async function run(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'module-path': return modulePathCommand(io);
      case 'server': return await serverCommand(rest, io);
      case 'latency': return await latencyCommand(rest, io);
      case 'bench': return await benchCommand(rest, io);
      case 'cluster': return await clusterCommand(rest, io);
      case undefined: case 'help': case '--help': case '-h': io.stdout.write(USAGE); return cmd === undefined ? 1 : 0;
      default: io.stderr.write(`redis-shm: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`); return 2;
    }
  } catch (err) {
    const usage = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    const argument = err instanceof RedisError && err.code === 'ERR_ARGUMENT';
    io.stderr.write(`redis-shm ${cmd}: ${err instanceof Error ? err.message : String(err)}\n`);
    return usage || argument ? 2 : 1;
  }
}

/** Prints the module's path, or says why there is none that loads here (exit 1). */
function modulePathCommand(io: Io): number {
  const path = modulePath();
  const problem = moduleProblem(path);
  if (problem) { io.stderr.write(`redis-shm module-path: ${problem}\n`); return 1; }
  io.stdout.write(path + '\n');
  return 0;
}

// `redis-shm server`: redis-server with the module loaded, in the foreground until
// SIGINT/SIGTERM, then stopped cleanly.
import { parseArgs } from 'node:util';
import type { Io } from './io.js';
import { intOption } from './options.js';
import { startServer } from './server.js';

export const SERVER_USAGE = `usage: redis-shm server [--port N] [--unixsocket PATH] [--dir DIR]
  Runs redis-server (from PATH) with the redis-shm module loaded until Ctrl-C.
  --port N           TCP port on 127.0.0.1 (default 6379; 0 picks a free port)
  --unixsocket PATH  Unix socket (default DIR/redis.sock)
  --dir DIR          data and log directory (default: a temp dir, removed at exit)
`;

export async function serverCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: { port: { type: 'string' }, unixsocket: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { io.stdout.write(SERVER_USAGE); return 0; }
  const s = await startServer({ port: intOption(values.port, 'port') ?? 6379, unixsocket: values.unixsocket, dir: values.dir });
  io.stdout.write([
    `redis-server ${s.version} with redis-shm is ready (pid ${s.pid})`,
    `  tcp:     ${s.host}:${s.port}    redis-cli -p ${s.port}`,
    `  unix:    ${s.socket}    redis-cli -s ${s.socket}`,
    `  module:  ${s.modulePath}`,
    `  dir:     ${s.dir}    (log: ${s.dir}/redis.log)`,
    `  connect: createClient({ path: '${s.socket}' }) or redisAsyncConnectUnix('${s.socket}')`,
    `  measure: redis-shm latency --socket ${s.socket}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));
  const died = new Promise<number>((resolve) => s.proc.once('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0))));
  const stopped = new Promise<'signal'>((resolve) => {
    if (io.signal.aborted) resolve('signal');
    else io.signal.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const why = await Promise.race([died, stopped]);
  if (why === 'signal') {
    io.stderr.write('stopping redis-server...\n');
    await s.stop();
    io.stderr.write('stopped\n');
    return 0;
  }
  io.stderr.write(`redis-server exited unexpectedly (status ${why}); its log:\n${s.log().split('\n').slice(-20).join('\n')}\n`);
  await s.stop();
  return 1;
}

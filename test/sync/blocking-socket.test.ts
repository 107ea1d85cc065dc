// The socket helper worker of the sync API, in a program whose own flags would change how an
// eval'd worker is read (node --input-type=module): it must still connect and answer.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startRedis, type RedisServer } from '../helpers/redis-server.js';

let srv: RedisServer;
beforeAll(async () => { srv = await startRedis({ module: false }); });
afterAll(async () => { await srv?.stop(); });

describe('sync socket worker', () => {
  it('works under node --input-type=module (compiled library in dist/)', () => {
    const entry = join(ROOT, 'dist', 'src', 'index.js');
    expect(existsSync(entry), 'run npm run build:ts first').toBe(true);
    const code = `import { redisConnectUnix, redisCommand, redisFree } from ${JSON.stringify(entry)};
      const c = redisConnectUnix(${JSON.stringify(srv.socket)}, { transport: 'socket', connectTimeoutMs: 5000 });
      console.log(c.err ? 'ERR ' + c.errstr : redisCommand(c, 'ECHO %s', 'flags-ok').str);
      redisFree(c);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('flags-ok');
  });
});

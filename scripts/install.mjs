#!/usr/bin/env node
// redis-shm's install script (package.json "install"; plain JS: it runs before tsc).
// In a checkout (a git work tree, or test/ present), or when asked (npm's
// --build-from-source, or REDIS_SHM_BUILD_FROM_SOURCE=1): builds the addon (node-gyp) and
// the Redis module (make) from source, and a failure fails the install.
// Installed as a package: uses prebuilds/ when they fit this machine (the addon loads, the
// module is built for this CPU) and builds nothing; else builds from source, and if that
// fails only warns: the client still works over the socket. With install scripts disabled
// this never runs, and the prebuilds are used where they fit (README, "Installing").
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const checkout = existsSync(join(root, '.git')) || existsSync(join(root, 'test'));
const asked = process.env.npm_config_build_from_source === 'true' || process.env.REDIS_SHM_BUILD_FROM_SOURCE === '1';
const target = `${process.platform}-${process.arch}`;
const libc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';

/** An ELF file's e_machine, or -1 (not ELF, unreadable). */
function elfMachine(path) {
  const b = Buffer.alloc(20);
  try {
    const fd = openSync(path, 'r');
    try { readSync(fd, b, 0, 20, 0); } finally { closeSync(fd); }
  } catch { return -1; }
  if (b.toString('latin1', 0, 4) !== '\x7fELF') return -1;
  return b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
}

/** Why the prebuilds do not serve this machine, or null when they do. */
function prebuildProblem() {
  let addon;
  try { addon = require('node-gyp-build').resolve(root); } catch (e) { return String(e.message).split('\n')[0]; }
  try { require(addon); } catch (e) { return `${addon} does not load here: ${e.message}`; }
  const mod = join(root, 'prebuilds', target, `redis-shm.${libc}.so`);
  if (!existsSync(mod)) return `no prebuilt Redis module for ${target} ${libc}`;
  if (elfMachine(mod) !== elfMachine(process.execPath)) return `${mod} is built for another CPU`;
  return null;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status === 0 ? null : `\`${[cmd, ...args].join(' ')}\` failed (${r.error ? r.error.message : `exit status ${r.status}`})`;
}

/** npm hands lifecycle scripts its own node-gyp; outside npm, the one on PATH. */
function nodeGyp(args) {
  const js = process.env.npm_config_node_gyp;
  return js ? run(process.execPath, [js, ...args]) : run('node-gyp', args);
}

if (!checkout && !asked) {
  const problem = prebuildProblem();
  if (problem === null) {
    console.log(`redis-shm: using the prebuilt addon and module for ${target} (${libc})`);
    process.exit(0);
  }
  console.log(`redis-shm: ${problem}; building from source`);
}
// A checkout also builds the module's test tools (make's default target).
const failed = nodeGyp(['rebuild']) ?? run('make', ['-C', 'native/module', ...(checkout ? [] : ['WERROR=', 'redis-shm.so'])]);
if (failed) {
  if (checkout || asked) { console.error(`redis-shm: ${failed}`); process.exit(1); }
  console.warn(`redis-shm: ${failed}.\n` +
    'redis-shm: the build from source needs make, gcc, g++ and python3. Until it succeeds the client uses the socket ' +
    '(no shared memory) and `redis-shm module-path` has no module; after installing them: npm rebuild redis-shm --build-from-source');
}

// Where redis-shm's two native binaries are: the Node addon and the Redis module. Each is
// either built from source in this package (build/Release, native/module: `npm install` in
// a checkout, or an install that found no prebuild) or prebuilt and shipped in the package
// (prebuilds/<platform>-<arch>/, see scripts/prebuild.sh). A source build wins, as with
// node-gyp-build, which picks the addon.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { elfArchProblem } from './elf.js';

let root: string | undefined;

/** The directory holding redis-shm's package.json (from src/ under tsx/vitest, or dist/src). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'redis-shm') return (root = dir);
      } catch { /* not ours; keep walking */ }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the redis-shm package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** 'glibc' or 'musl' (prebuilds are tagged with the C library they link against). */
let libcName: 'glibc' | 'musl' | undefined;
export function libc(): 'glibc' | 'musl' {
  if (libcName) return libcName;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return (libcName = header?.glibcVersionRuntime ? 'glibc' : 'musl');
}

/** prebuilds/<platform>-<arch> of this package (it may not exist). */
export function prebuildDir(): string {
  return join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`);
}

/** The module built from source in this package (it may not be built). */
export function sourceModulePath(): string {
  return join(packageRoot(), 'native', 'module', 'redis-shm.so');
}

/** The prebuilt module for this platform, arch and C library (it may not exist). */
export function prebuiltModulePath(): string {
  return join(prebuildDir(), `redis-shm.${libc()}.so`);
}

/** The Redis module to load: the source build if there is one, else the matching prebuild,
 *  else the source build's path (absent; callers say how to build it). */
export function modulePath(): string {
  const built = sourceModulePath();
  if (existsSync(built)) return built;
  const pre = prebuiltModulePath();
  return existsSync(pre) ? pre : built;
}

interface NodeGypBuild { resolve(dir: string): string }

/** The addon file node-gyp-build picks (build/Release, else the best-matching prebuild);
 *  throws its "No native build was found for ..." error when none fits. */
export function addonPath(): string {
  const ngb = createRequire(import.meta.url)('node-gyp-build') as NodeGypBuild;
  return ngb.resolve(packageRoot());
}

/** Why the Redis module at `path` cannot be loaded on this machine, or null. */
export function moduleProblem(path: string = modulePath()): string | null {
  if (!existsSync(path)) {
    return `the redis-shm module is neither built (${sourceModulePath()}) nor prebuilt for ${process.platform}-${process.arch} ${libc()} (${prebuiltModulePath()}): ` +
      'build it with `npm rebuild redis-shm` (needs make and gcc), or in a checkout `make -C native/module`';
  }
  const arch = elfArchProblem(path);
  return arch ? `the redis-shm module cannot load: ${arch}; rebuild it here with \`npm rebuild redis-shm\`` : null;
}

// Where the package's own files live, resolved from this file rather than the cwd, so the
// CLI works from any directory and from both the TypeScript sources and dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding redis-shm's package.json. */
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

/** Absolute path of the Redis module (it may not be built yet). */
export function modulePath(): string {
  return join(packageRoot(), 'native', 'module', 'redis-shm.so');
}

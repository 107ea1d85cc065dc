// Which native binaries load, and the clear error for one built for another CPU. Without the
// ELF check, dlopen reports an aarch64 file on x64 as "cannot open shared object file: No
// such file or directory", for the addon and (in its log) for redis-server alike.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readElfHeader, elfArchProblem } from '../../src/native/elf.js';
import { loadAddonFile } from '../../src/native/addon.js';
import { addonPath, modulePath, packageRoot, prebuiltModulePath } from '../../src/native/binaries.js';
import { startServer } from '../../src/cli/server.js';
import { RedisError } from '../../src/errors.js';
import { ROOT } from '../helpers/redis-server.js';

const ARM64 = join(ROOT, 'prebuilds', 'linux-arm64');
const X64 = join(ROOT, 'prebuilds', 'linux-x64');
const other = process.arch === 'arm64' ? X64 : ARM64;
const otherArch = process.arch === 'arm64' ? 'x64' : 'arm64';

describe('ELF headers', () => {
  it('names the CPU of each prebuild, and rejects a file that is not ELF', () => {
    expect(readElfHeader(join(X64, 'redis-shm.glibc.node'))).toEqual({ arch: 'x64', bits: 64, littleEndian: true });
    expect(readElfHeader(join(X64, 'redis-shm.glibc.so'))).toEqual({ arch: 'x64', bits: 64, littleEndian: true });
    expect(readElfHeader(join(ARM64, 'redis-shm.glibc.node'))).toEqual({ arch: 'arm64', bits: 64, littleEndian: true });
    expect(readElfHeader(join(ARM64, 'redis-shm.glibc.so'))).toEqual({ arch: 'arm64', bits: 64, littleEndian: true });
    expect(readElfHeader(join(ROOT, 'package.json'))).toBeNull();
    expect(readElfHeader(join(ROOT, 'no-such-file'))).toBeNull();
    expect(elfArchProblem(join(ROOT, 'package.json'))).toMatch(/is not an ELF shared object/);
    expect(elfArchProblem(process.execPath)).toBeNull();
  });
});

describe('binaries in a checkout', () => {
  it('use the source builds, which win over prebuilds', () => {
    expect(packageRoot()).toBe(ROOT);
    expect(addonPath()).toBe(join(ROOT, 'build', 'Release', 'redis_shm.node'));
    expect(modulePath()).toBe(join(ROOT, 'native', 'module', 'redis-shm.so'));
    expect(prebuiltModulePath()).toBe(join(ROOT, 'prebuilds', `linux-${process.arch}`, 'redis-shm.glibc.so'));
  });

  it('the prebuilt addon for this machine loads and has the same layout as the source build', () => {
    const pre = loadAddonFile(join(ROOT, 'prebuilds', `linux-${process.arch}`, 'redis-shm.glibc.node'));
    const built = loadAddonFile(addonPath());
    expect(pre.layoutVersion).toBe(built.layoutVersion);
  });
});

describe('binaries built for another CPU', () => {
  it('the addon: ERR_SHM_UNAVAILABLE naming both CPUs, no dlopen', () => {
    let err: unknown;
    try { loadAddonFile(join(other, 'redis-shm.glibc.node')); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RedisError);
    expect((err as RedisError).code).toBe('ERR_SHM_UNAVAILABLE');
    expect((err as Error).message).toContain(`is built for ${otherArch}, but this machine is ${process.arch}`);
    expect((err as Error).message).toContain('npm rebuild redis-shm');
  });

  it('the module: startServer refuses before redis-server starts', async () => {
    await expect(startServer({ modulePath: join(other, 'redis-shm.glibc.so') }))
      .rejects.toThrow(`the redis-shm module cannot load: ${join(other, 'redis-shm.glibc.so')} is built for ${otherArch}, but this machine is ${process.arch}`);
  });
});

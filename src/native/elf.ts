// Which CPU an ELF shared object was built for, read from its header. A binary for another
// machine (node_modules copied from an x64 host to an arm64 one, say) would otherwise fail
// inside dlopen with a terse message, or make redis-server exit while loading the module;
// checking first lets us say what is wrong and what to do.
import { closeSync, openSync, readSync } from 'node:fs';

/** ELF e_machine values, named as Node names process.arch. */
const MACHINES: Readonly<Record<number, string>> = {
  3: 'ia32', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64', 258: 'loong64',
};

export interface ElfHeader {
  /** process.arch's name for e_machine, or `machine <n>` when unknown. */
  arch: string;
  bits: 32 | 64;
  littleEndian: boolean;
}

/** The file's ELF header, or null when it is not an ELF file (or cannot be read). */
export function readElfHeader(path: string): ElfHeader | null {
  const b = Buffer.alloc(20);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return null; }
  try {
    if (readSync(fd, b, 0, b.length, 0) < b.length) return null;
  } catch { return null; } finally { closeSync(fd); }
  if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return null; // "\x7fELF"
  const bits = b[4] === 2 ? 64 : b[4] === 1 ? 32 : null;
  const littleEndian = b[5] === 1;
  if (bits === null || (b[5] !== 1 && b[5] !== 2)) return null;
  const machine = littleEndian ? b.readUInt16LE(18) : b.readUInt16BE(18);
  return { arch: MACHINES[machine] ?? `machine ${machine}`, bits, littleEndian };
}

/** Why `path` cannot be loaded by a process of `arch`, or null when its header fits. */
export function elfArchProblem(path: string, arch: string = process.arch): string | null {
  const h = readElfHeader(path);
  if (!h) return `${path} is not an ELF shared object`;
  if (h.arch !== arch) return `${path} is built for ${h.arch}, but this machine is ${arch}`;
  return null;
}

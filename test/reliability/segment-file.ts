// Hand-made segment files in /dev/shm, valid or subtly (or grossly) wrong, for hostile
// SHM.OPEN calls. Written with plain file I/O: no mapping, so nothing here can fault.
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, rmSync, writeSync, constants } from 'node:fs';
import { OFF } from './helpers.js';

export const MAGIC = 0x4d48535349444552n;
const HEADER = 4096;

export interface SegmentSpec {
  req?: number; rep?: number;
  /** Override header fields (after the valid ones are written). */
  magic?: bigint; version?: number; headerSize?: number; total?: bigint; reqCap?: bigint; repCap?: bigint;
  state?: number; reqTail?: bigint;
  /** File size; default the consistent total. */
  size?: number;
}

export interface SegmentFile { name: string; path: string; token: string }

export function randomName(): string { return '/redis-shm.' + randomBytes(16).toString('hex'); }

export function makeSegment(spec: SegmentSpec = {}, name = randomName()): SegmentFile {
  const req = spec.req ?? 4096;
  const rep = spec.rep ?? 4096;
  const token = randomBytes(16);
  const h = Buffer.alloc(512);
  h.writeBigUInt64LE(spec.magic ?? MAGIC, OFF.magic);
  h.writeUInt32LE(spec.version ?? 1, OFF.version);
  h.writeUInt32LE(spec.headerSize ?? HEADER, OFF.headerSize);
  h.writeBigUInt64LE(spec.reqCap ?? BigInt(req), OFF.reqCap);
  h.writeBigUInt64LE(spec.repCap ?? BigInt(rep), OFF.repCap);
  h.writeBigUInt64LE(spec.total ?? BigInt(HEADER + req + rep), OFF.total);
  token.copy(h, OFF.token);
  h.writeUInt32LE(process.pid, OFF.clientPid);
  h.writeUInt32LE(spec.state ?? 0, OFF.state);
  h.writeBigUInt64LE(spec.reqTail ?? 0n, OFF.req + OFF.tail);
  const path = '/dev/shm' + name;
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
  try {
    ftruncateSync(fd, spec.size ?? HEADER + req + rep);
    if ((spec.size ?? HEADER) > 0) writeSync(fd, h, 0, Math.min(512, spec.size ?? 512), 0);
  } finally { closeSync(fd); }
  return { name, path, token: token.toString('hex') };
}

export function removeSegment(s: { path: string }): void { rmSync(s.path, { force: true, recursive: true }); }

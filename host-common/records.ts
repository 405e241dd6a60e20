// Encoders for the records hosts write into core memory: stat (with its stat-ex extension),
// directory entries, statfs (layouts in assembly/fs/stat.ts, assembly/fs/dirent.ts, assembly/fs/ops.ts).
import { DIRENT_HEADER, STAT_EX_SIZE, STAT_SIZE, S_TYPE_DIR, S_TYPE_FILE, S_TYPE_OTHER, S_TYPE_SYMLINK } from "./abi.ts";
import type { StatLike } from "./fs-types.ts";
import { putMeta, type FileMeta } from "./xattrs.ts";

const enc = new TextEncoder();

/** Writes the 80-byte stat record at byte offset off of view. */
export function writeStat(view: DataView, off: number, s: StatLike): void {
  const type = s.isFile ? S_TYPE_FILE : s.isDirectory ? S_TYPE_DIR : s.isSymlink ? S_TYPE_SYMLINK : S_TYPE_OTHER;
  view.setUint32(off, type, true);
  view.setUint32(off + 4, s.mode & 0o7777, true);
  view.setBigUint64(off + 8, BigInt(Math.max(0, Math.trunc(s.size))), true);
  view.setBigUint64(off + 16, BigInt(Math.max(0, Math.trunc(s.blocks * 512))), true);
  view.setBigUint64(off + 24, BigInt.asUintN(64, BigInt(Math.trunc(s.ino))), true);
  view.setBigUint64(off + 32, BigInt.asUintN(64, BigInt(Math.trunc(s.dev))), true);
  view.setFloat64(off + 40, s.atimeMs, true);
  view.setFloat64(off + 48, s.mtimeMs, true);
  view.setFloat64(off + 56, s.ctimeMs, true);
  view.setFloat64(off + 64, s.birthtimeMs, true);
  view.setUint32(off + 72, s.nlink, true);
  view.setUint32(off + 76, 0, true);
}

/** Writes a stat record into an 80-byte Uint8Array view of core memory. */
export function putStat(out: Uint8Array, s: StatLike): void {
  if (out.length < STAT_SIZE) return;
  writeStat(new DataView(out.buffer, out.byteOffset, STAT_SIZE), 0, s);
}

/**
 * Appends one directory entry record (for snapshot position index) at off, with the entry's
 * DOSATTRIB/EA size in its stat-ex; returns the new offset, or -1 when it does not fit in out.
 */
export function putDirent(out: Uint8Array, off: number, index: number, name: string, s: StatLike, meta: FileMeta): number {
  const nameBytes = enc.encode(name);
  if (nameBytes.length > 0xffff) return off; // cannot be represented; skip
  const rec = (DIRENT_HEADER + nameBytes.length + 7) & ~7;
  if (off + rec > out.length) return -1;
  const view = new DataView(out.buffer, out.byteOffset + off, rec);
  view.setUint32(0, rec, true);
  view.setUint16(4, nameBytes.length, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, index, true);
  view.setUint32(12, 0, true);
  writeStat(view, 16, s);
  putMeta(out.subarray(off + 16, off + 16 + STAT_EX_SIZE), meta);
  out.set(nameBytes, off + DIRENT_HEADER);
  out.fill(0, off + DIRENT_HEADER + nameBytes.length, off + rec);
  return off + rec;
}

/** Writes the statfs record. */
export function putStatfs(out: Uint8Array, blocks: number, bfree: number, bavail: number, bsize: number): void {
  const v = new DataView(out.buffer, out.byteOffset, 32);
  v.setFloat64(0, blocks, true);
  v.setFloat64(8, bfree, true);
  v.setFloat64(16, bavail, true);
  v.setUint32(24, bsize, true);
  v.setUint32(28, 0, true);
}

// Host file operations on behalf of a request: each queues one record (assembly/fs/io.ts)
// whose completion resumes the request's handler. Returns STATUS_INTERNAL_WAIT, or
// STATUS_INSUFFICIENT_RESOURCES when the queue cannot take the record.
import * as S from "../smb2/status";
import {
  submit, OP_OPEN, OP_READ, OP_WRITE, OP_FSTAT, OP_STAT, OP_MKDIR, OP_RENAME, OP_TRUNCATE,
  OP_FSYNC, OP_READDIR, OP_STATFS, OP_UTIMES, OP_UNLINK, OP_RMDIR, OP_LINK,
  OP_XATTR_GET, OP_XATTR_SET, OP_XATTR_LIST, OP_XATTR_DEL,
} from "./io";
import { STAT_EX_SIZE, clearMeta } from "./stat";
import { Request } from "../smb2/request";
import { Open } from "./open";
import { beginIo } from "./handles";

/** Where a request's stat result lands (in its scratch memory). */
@inline export function statArea(r: Request): usize {
  return r.scratch;
}

/** Where a request's statfs result lands (after the extended stat record). */
@inline export function statfsArea(r: Request): usize {
  return r.scratch + 160;
}

export const STATFS_SIZE: u32 = 32;

function track(r: Request, o: Open): void {
  beginIo(o);
  r.ioOpen = o;
}

@inline function queued(id: u32): u32 {
  return id == 0 ? S.STATUS_INSUFFICIENT_RESOURCES : S.STATUS_INTERNAL_WAIT;
}

function utf8(path: string): ArrayBuffer {
  // Read by the host while it drains the queue, before any garbage collection can run.
  return String.UTF8.encode(path);
}

// Stat results are extended records (stat.ts STAT_EX_SIZE): the host adds the file's DOSATTRIB
// and EA size, so attributes and create times need no extra round trip.

export function ioStat(r: Request, share: u32, path: string): u32 {
  const b = utf8(path);
  clearMeta(statArea(r));
  return queued(submit(OP_STAT, r, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, statArea(r), STAT_EX_SIZE, 0, 0));
}

export function ioOpen(r: Request, share: u32, path: string, flags: u32, mode: u32): u32 {
  const b = utf8(path);
  r.ioOpensHandle = true;
  clearMeta(statArea(r));
  return queued(submit(OP_OPEN, r, 0, share, flags, changetype<usize>(b), <u32>b.byteLength, statArea(r), STAT_EX_SIZE, 0, <f64>mode));
}

export function ioMkdir(r: Request, share: u32, path: string, mode: u32): u32 {
  const b = utf8(path);
  return queued(submit(OP_MKDIR, r, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, 0, 0, 0, <f64>mode));
}

export function ioUnlink(r: Request, share: u32, path: string, isDir: bool): u32 {
  const b = utf8(path);
  return queued(submit(isDir ? OP_RMDIR : OP_UNLINK, r, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, 0, 0, 0, 0));
}

export function ioRename(r: Request, share: u32, from: string, to: string, flags: u32): u32 {
  const a = utf8(from);
  const b = utf8(to);
  return queued(submit(OP_RENAME, r, 0, share, flags, changetype<usize>(a), <u32>a.byteLength, changetype<usize>(b), <u32>b.byteLength, 0, 0));
}

/** A new name `to` for the file at `from` (a hard link); flags LINK_REPLACE replaces an existing `to`. */
export function ioLink(r: Request, share: u32, from: string, to: string, flags: u32): u32 {
  const a = utf8(from);
  const b = utf8(to);
  return queued(submit(OP_LINK, r, 0, share, flags, changetype<usize>(a), <u32>a.byteLength, changetype<usize>(b), <u32>b.byteLength, 0, 0));
}

export function ioStatfs(r: Request, share: u32): u32 {
  return queued(submit(OP_STATFS, r, 0, share, 0, 0, 0, statfsArea(r), STATFS_SIZE, 0, 0));
}

// Handle operations: the open's inflight count keeps its host handle open until they finish;
// the request ends it when the completion arrives (Request.ioDone), before the handler runs.
// A request that resumes after a CLOSE of its open (handles.ts detachOpen) gets
// STATUS_FILE_CLOSED from its next operation instead of reaching a released host handle.

/** The open was closed (or never got a host handle): no more host operations on it. */
@inline function gone(o: Open): bool {
  return o.closed || o.hostHandle == 0;
}

export function ioFstat(r: Request, o: Open): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  clearMeta(statArea(r));
  const st = queued(submit(OP_FSTAT, r, 0, <u32>o.hostHandle, 0, 0, 0, statArea(r), STAT_EX_SIZE, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

export function ioRead(r: Request, o: Open, dst: usize, len: u32, offset: u64): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_READ, r, 0, <u32>o.hostHandle, 0, dst, len, 0, 0, <f64>offset, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

export function ioWrite(r: Request, o: Open, src: usize, len: u32, offset: u64): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_WRITE, r, 0, <u32>o.hostHandle, 0, src, len, 0, 0, <f64>offset, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

export function ioTruncate(r: Request, o: Open, size: u64): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_TRUNCATE, r, 0, <u32>o.hostHandle, 0, 0, 0, 0, 0, <f64>size, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

export function ioFsync(r: Request, o: Open): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_FSYNC, r, 0, <u32>o.hostHandle, 0, 0, 0, 0, 0, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

/** Sets access/modification times in ms (NaN leaves one unchanged). */
export function ioUtimes(r: Request, o: Open, atimeMs: f64, mtimeMs: f64): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_UTIMES, r, 0, <u32>o.hostHandle, 0, 0, 0, 0, 0, atimeMs, mtimeMs));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

/** READDIR flag: take a fresh snapshot of the directory (restart). */
export const READDIR_RESCAN: u32 = 1;

/** Reads directory entries from host index `index` into [buf, buf+cap). */
export function ioReaddir(r: Request, o: Open, index: u32, buf: usize, cap: u32, flags: u32): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_READDIR, r, 0, <u32>o.hostHandle, flags, buf, cap, 0, 0, <f64>index, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

// Extended attributes of an open's file (abi.wit xattr-get/-set/-list/-del). Names are full
// xattr names ("user.…"), UTF-8.

/** OP_XATTR_SET flags (as setxattr(2)): fail if it exists / if it does not. */
export const XATTR_CREATE: u32 = 1;
export const XATTR_REPLACE: u32 = 2;

/**
 * Reads xattr `name` into [buf, buf+cap). Completes with the value's full size (only
 * min(size, cap) bytes are copied: size > cap means truncated; cap 0 asks the size), or -ENODATA.
 */
export function ioXattrGet(r: Request, o: Open, name: string, buf: usize, cap: u32): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const b = utf8(name);
  const st = queued(submit(OP_XATTR_GET, r, 0, <u32>o.hostHandle, 0, changetype<usize>(b), <u32>b.byteLength, buf, cap, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

/** Sets xattr `name` to [val, val+len) (flags XATTR_CREATE / XATTR_REPLACE). Completes with 0. */
export function ioXattrSet(r: Request, o: Open, name: string, val: usize, len: u32, flags: u32): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const b = utf8(name);
  const st = queued(submit(OP_XATTR_SET, r, 0, <u32>o.hostHandle, flags, changetype<usize>(b), <u32>b.byteLength, val, len, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

/** Lists the xattr names (each NUL-terminated) into [buf, buf+cap); completes with the full length. */
export function ioXattrList(r: Request, o: Open, buf: usize, cap: u32): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const st = queued(submit(OP_XATTR_LIST, r, 0, <u32>o.hostHandle, 0, 0, 0, buf, cap, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

/** Removes xattr `name`; completes with 0 or -ENODATA. */
export function ioXattrDel(r: Request, o: Open, name: string): u32 {
  if (gone(o)) return S.STATUS_FILE_CLOSED;
  const b = utf8(name);
  const st = queued(submit(OP_XATTR_DEL, r, 0, <u32>o.hostHandle, 0, changetype<usize>(b), <u32>b.byteLength, 0, 0, 0, 0));
  if (st == S.STATUS_INTERNAL_WAIT) track(r, o);
  return st;
}

// The host's stat record (abi.wit `stat-record`) and its mapping to FSCC times/attributes
// (MS-FSCC 2.4.7 FileBasicInformation, 2.6 file attributes, MS-DTYP 2.3.3 FILETIME).

export const STAT_SIZE: u32 = 80;

export const S_TYPE_FILE: u32 = 1;
export const S_TYPE_DIR: u32 = 2;
export const S_TYPE_SYMLINK: u32 = 3;
export const S_TYPE_OTHER: u32 = 4;

@inline export function stType(s: usize): u32 { return load<u32>(s, 0); }
@inline export function stMode(s: usize): u32 { return load<u32>(s, 4); }
@inline export function stSize(s: usize): u64 { return load<u64>(s, 8); }
@inline export function stAllocSize(s: usize): u64 { return load<u64>(s, 16); }
@inline export function stIno(s: usize): u64 { return load<u64>(s, 24); }
@inline export function stDev(s: usize): u64 { return load<u64>(s, 32); }
@inline export function stAtimeMs(s: usize): f64 { return load<f64>(s, 40); }
@inline export function stMtimeMs(s: usize): f64 { return load<f64>(s, 48); }
@inline export function stCtimeMs(s: usize): f64 { return load<f64>(s, 56); }
@inline export function stBirthtimeMs(s: usize): f64 { return load<f64>(s, 64); }
@inline export function stNlink(s: usize): u32 { return load<u32>(s, 72); }

// File attributes (MS-FSCC 2.6)
export const FILE_ATTRIBUTE_READONLY: u32 = 0x1;
export const FILE_ATTRIBUTE_HIDDEN: u32 = 0x2;
export const FILE_ATTRIBUTE_SYSTEM: u32 = 0x4;
export const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;
export const FILE_ATTRIBUTE_ARCHIVE: u32 = 0x20;
export const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
export const FILE_ATTRIBUTE_TEMPORARY: u32 = 0x100;
export const FILE_ATTRIBUTE_SPARSE_FILE: u32 = 0x200;
export const FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x400;
export const FILE_ATTRIBUTE_COMPRESSED: u32 = 0x800;
export const FILE_ATTRIBUTE_OFFLINE: u32 = 0x1000;
export const FILE_ATTRIBUTE_NOT_CONTENT_INDEXED: u32 = 0x2000;
export const FILE_ATTRIBUTE_ENCRYPTED: u32 = 0x4000;

/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF: i64 = 116444736000000000;

/** Unix milliseconds (fractional) → FILETIME. 0 or NaN → 0 (unknown). */
export function msToFiletime(ms: f64): u64 {
  if (!(ms > 0)) return 0;
  return <u64>(<i64>Math.floor(ms * 10000.0) + EPOCH_DIFF);
}

/** FILETIME → Unix milliseconds. */
export function filetimeToMs(ft: u64): f64 {
  return <f64>(<i64>ft - EPOCH_DIFF) / 10000.0;
}

/** Create time: birth time where the filesystem records it, else the older of mtime/ctime. */
export function createTime(s: usize): u64 {
  const b = stBirthtimeMs(s);
  if (b > 0) return msToFiletime(b);
  const m = stMtimeMs(s);
  const c = stCtimeMs(s);
  return msToFiletime(m < c ? m : c);
}

/** DOS attributes derived from a stat record (no xattr store yet). */
export function fileAttributes(s: usize, name: string): u32 {
  let a: u32 = 0;
  if (stType(s) == S_TYPE_DIR) a |= FILE_ATTRIBUTE_DIRECTORY;
  else a |= FILE_ATTRIBUTE_ARCHIVE;
  if ((stMode(s) & 0o222) == 0) a |= FILE_ATTRIBUTE_READONLY;
  if (name.length > 1 && name.charCodeAt(0) == 0x2e && name != "..") a |= FILE_ATTRIBUTE_HIDDEN;
  return a;
}

/** Allocation size as SMB reports it: the host's block count, never below the size rounded up. */
export function allocationSize(s: usize): u64 {
  if (stType(s) == S_TYPE_DIR) return 0;
  return stAllocSize(s);
}

/** End of file: the size for files, 0 for directories. */
export function endOfFile(s: usize): u64 {
  return stType(s) == S_TYPE_DIR ? 0 : stSize(s);
}

/** FileId: the inode number. */
@inline export function fileIndex(s: usize): u64 {
  return stIno(s);
}

// The host's stat record (abi.wit `stat-record`) with its metadata extension, and its mapping to
// FSCC times/attributes (MS-FSCC 2.4.7 FileBasicInformation, 2.6 file attributes, MS-DTYP 2.3.3
// FILETIME). DOS attributes and create time come from `user.DOSATTRIB` when the file has one.
import { dosattribDecode, DECODED_CREATE_TIME } from "./dosattrib";

export const STAT_SIZE: u32 = 80;

/**
 * Extended stat record (abi.wit `stat-ex`): the 80-byte stat, then u32 meta flags (META_VALID
 * when the host filled the rest), u32 DOSATTRIB length (0 = none), u32 EA size (packed
 * FILE_FULL_EA_INFORMATION size of the visible EAs), u32 0, 64 bytes of the DOSATTRIB value.
 * The host fills the extension when the stat buffer it is given is at least this long.
 */
export const STAT_EX_SIZE: u32 = 160;
export const META_VALID: u32 = 1;
export const META_DOSATTRIB_MAX: u32 = 64;

@inline export function stMetaFlags(s: usize): u32 { return load<u32>(s, 80); }
@inline export function stDosLen(s: usize): u32 { return load<u32>(s, 84); }
@inline export function stEaSize(s: usize): u32 { return load<u32>(s, 88); }
@inline export function stDosPtr(s: usize): usize { return s + 96; }

/** Clears the extension (before asking the host, so a stale one is never read). */
export function clearMeta(s: usize): void {
  memory.fill(s + <usize>STAT_SIZE, 0, <usize>(STAT_EX_SIZE - STAT_SIZE));
}

const decoded = memory.data(16);

/** Decodes the record's DOSATTRIB into the static result; false when it has none (or a bad one). */
function haveDos(s: usize): bool {
  if ((stMetaFlags(s) & META_VALID) == 0) return false;
  const n = stDosLen(s);
  if (n == 0 || n > META_DOSATTRIB_MAX) return false;
  return dosattribDecode(stDosPtr(s), n, decoded);
}

/** EaSize of the file (0 when unknown). */
export function eaSize(s: usize): u32 {
  return (stMetaFlags(s) & META_VALID) != 0 ? stEaSize(s) : 0;
}

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

/**
 * Create time: the one stored in DOSATTRIB, else the birth time where the filesystem records
 * it, else the older of mtime/ctime.
 */
export function createTime(s: usize): u64 {
  if (haveDos(s) && (load<u32>(decoded, 4) & DECODED_CREATE_TIME) != 0) return load<u64>(decoded, 8);
  return fsCreateTime(s);
}

/** Create time from the filesystem alone (what a new DOSATTRIB records). */
export function fsCreateTime(s: usize): u64 {
  const b = stBirthtimeMs(s);
  if (b > 0) return msToFiletime(b);
  const m = stMtimeMs(s);
  const c = stCtimeMs(s);
  return msToFiletime(m < c ? m : c);
}

/** Attributes a DOSATTRIB keeps (the rest are derived or not supported). */
export const STORED_ATTRIBUTES: u32 = FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM |
  FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED;

/** The stored attributes of a record (STORED_ATTRIBUTES bits), or -1 when it has no DOSATTRIB. */
export function storedAttributes(s: usize): i64 {
  if (!haveDos(s)) return -1;
  return <i64>(load<u32>(decoded, 0) & STORED_ATTRIBUTES);
}

/**
 * DOS attributes of a file: the stored ones (with DIRECTORY from the file type, NORMAL when
 * none is left) when it has a DOSATTRIB; otherwise derived from the mode (no write bit →
 * READONLY). What the name implies (hidden dot files) is added per share by fs/veto.ts.
 */
export function fileAttributes(s: usize, name: string): u32 {
  const stored = storedAttributes(s);
  if (stored >= 0) {
    let a = <u32>stored;
    if (stType(s) == S_TYPE_DIR) a |= FILE_ATTRIBUTE_DIRECTORY;
    return a == 0 ? FILE_ATTRIBUTE_NORMAL : a;
  }
  return derivedAttributes(s, name);
}

/** Attributes of a file without DOSATTRIB (the mode and the name tell). */
export function derivedAttributes(s: usize, name: string): u32 {
  let a: u32 = 0;
  if (stType(s) == S_TYPE_DIR) a |= FILE_ATTRIBUTE_DIRECTORY;
  else a |= FILE_ATTRIBUTE_ARCHIVE;
  if ((stMode(s) & 0o222) == 0) a |= FILE_ATTRIBUTE_READONLY;
  return a; // HIDDEN for dot files is the share's choice (`hide dot files`, fs/veto.ts)
}

/** Allocation size as SMB reports it: the host's block count, at most the size rounded up to 4 KiB. */
export function allocationSize(s: usize): u64 {
  if (stType(s) == S_TYPE_DIR) return 0;
  // Blocks past the data rounded to 4 KiB are not the file's: ext4 counts an external xattr
  // block (DOSATTRIB, EAs) in st_blocks.
  const data = (stSize(s) + 4095) & ~(<u64>4095);
  const a = stAllocSize(s);
  return a > data ? data : a;
}

/** End of file: the size for files, 0 for directories. */
export function endOfFile(s: usize): u64 {
  return stType(s) == S_TYPE_DIR ? 0 : stSize(s);
}

/** FileId: the inode number. */
@inline export function fileIndex(s: usize): u64 {
  return stIno(s);
}

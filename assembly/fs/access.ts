// Access masks (MS-SMB2 2.2.13.1, MS-DTYP 2.4.3), generic mapping for files, and the share
// access conflict rules of MS-FSA 2.1.5.1.2 (CheckShareAccess).
import { Open, FileNode } from "./open";

export const FILE_READ_DATA: u32 = 0x00000001;
export const FILE_LIST_DIRECTORY: u32 = 0x00000001;
export const FILE_WRITE_DATA: u32 = 0x00000002;
export const FILE_ADD_FILE: u32 = 0x00000002;
export const FILE_APPEND_DATA: u32 = 0x00000004;
export const FILE_ADD_SUBDIRECTORY: u32 = 0x00000004;
export const FILE_READ_EA: u32 = 0x00000008;
export const FILE_WRITE_EA: u32 = 0x00000010;
export const FILE_EXECUTE: u32 = 0x00000020;
export const FILE_TRAVERSE: u32 = 0x00000020;
export const FILE_DELETE_CHILD: u32 = 0x00000040;
export const FILE_READ_ATTRIBUTES: u32 = 0x00000080;
export const FILE_WRITE_ATTRIBUTES: u32 = 0x00000100;
export const DELETE: u32 = 0x00010000;
export const READ_CONTROL: u32 = 0x00020000;
export const WRITE_DAC: u32 = 0x00040000;
export const WRITE_OWNER: u32 = 0x00080000;
export const SYNCHRONIZE: u32 = 0x00100000;
export const ACCESS_SYSTEM_SECURITY: u32 = 0x01000000;
export const MAXIMUM_ALLOWED: u32 = 0x02000000;
export const GENERIC_ALL: u32 = 0x10000000;
export const GENERIC_EXECUTE: u32 = 0x20000000;
export const GENERIC_WRITE: u32 = 0x40000000;
export const GENERIC_READ: u32 = 0x80000000;

export const FILE_ALL_ACCESS: u32 = 0x001f01ff;
export const FILE_GENERIC_READ: u32 = 0x00120089;
export const FILE_GENERIC_WRITE: u32 = 0x00120116;
export const FILE_GENERIC_EXECUTE: u32 = 0x001200a0;

/** Rights that modify a file or its metadata (refused on read-only shares). */
export const WRITE_RIGHTS: u32 = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES |
  FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER;

/** Bits a DesiredAccess may contain (MS-SMB2 3.3.5.9: others → STATUS_ACCESS_DENIED). */
export const VALID_ACCESS: u32 = 0x001f01ff | ACCESS_SYSTEM_SECURITY | MAXIMUM_ALLOWED | 0xf0000000;

export const FILE_SHARE_READ: u32 = 1;
export const FILE_SHARE_WRITE: u32 = 2;
export const FILE_SHARE_DELETE: u32 = 4;

/** Maps GENERIC_* and MAXIMUM_ALLOWED to specific file rights, bounded by `maximal`. */
export function mapAccess(desired: u32, maximal: u32): u32 {
  let a = desired & 0x001f01ff;
  if (desired & GENERIC_READ) a |= FILE_GENERIC_READ;
  if (desired & GENERIC_WRITE) a |= FILE_GENERIC_WRITE;
  if (desired & GENERIC_EXECUTE) a |= FILE_GENERIC_EXECUTE;
  if (desired & GENERIC_ALL) a |= FILE_ALL_ACCESS;
  if (desired & MAXIMUM_ALLOWED) a |= maximal;
  return a;
}

@inline function usesData(access: u32): bool {
  return (access & (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_EXECUTE | DELETE)) != 0;
}

/**
 * MS-FSA 2.1.5.1.2.1: may an open with (access, share) coexist with every open of node?
 * Opens that use no data rights (attribute/stat opens) never conflict.
 */
export function shareAccessOk(node: FileNode, access: u32, share: u32): bool {
  if (!usesData(access)) return true;
  for (let i = 0; i < node.opens.length; i++) {
    const o = unchecked(node.opens[i]);
    const oa = o.grantedAccess;
    if (!usesData(oa)) continue;
    const os = o.shareAccess;
    if ((oa & (FILE_READ_DATA | FILE_EXECUTE)) != 0 && (share & FILE_SHARE_READ) == 0) return false;
    if ((oa & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0 && (share & FILE_SHARE_WRITE) == 0) return false;
    if ((oa & DELETE) != 0 && (share & FILE_SHARE_DELETE) == 0) return false;
    if ((access & (FILE_READ_DATA | FILE_EXECUTE)) != 0 && (os & FILE_SHARE_READ) == 0) return false;
    if ((access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) != 0 && (os & FILE_SHARE_WRITE) == 0) return false;
    if ((access & DELETE) != 0 && (os & FILE_SHARE_DELETE) == 0) return false;
  }
  return true;
}

/** The open was granted any of the given rights. */
@inline export function granted(o: Open, rights: u32): bool {
  return (o.grantedAccess & rights) != 0;
}

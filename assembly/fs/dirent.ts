// Directory entries: the host's READDIR records (abi.wit `dirent-record`) and their encoding
// as FSCC directory information classes (MS-FSCC 2.4.8, 2.4.14, 2.4.17, 2.4.18, 2.4.26).
import { listingShortName } from "./shortname";
import * as St from "./stat";
import { writeTimes } from "./info";

/**
 * Host record: u32 recLen, u16 nameLen, u16 0, u32 index (position in the host's snapshot of
 * the directory), u32 0, extended stat (160 bytes: stat, DOSATTRIB and EA size, stat.ts),
 * UTF-8 name, padding to 8. Entries that vanished between the snapshot and the stat are left
 * out, so indexes may skip.
 */
export const DIRENT_HEADER: u32 = 16 + St.STAT_EX_SIZE;

@inline export function direntRecLen(p: usize): u32 { return load<u32>(p, 0); }
@inline export function direntNameLen(p: usize): u32 { return <u32>load<u16>(p, 4); }
@inline export function direntIndex(p: usize): u32 { return load<u32>(p, 8); }
@inline export function direntStat(p: usize): usize { return p + 16; }
@inline export function direntName(p: usize): usize { return p + <usize>DIRENT_HEADER; }

import {
  FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
  FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation,
} from "./info";

/** Offset of FileName within an entry of the class, or 0 for an unsupported class. */
export function nameOffset(cls: u8): u32 {
  switch (cls) {
    case FileDirectoryInformation: return 64;
    case FileFullDirectoryInformation: return 68;
    case FileBothDirectoryInformation: return 94;
    case FileNamesInformation: return 12;
    case FileIdBothDirectoryInformation: return 104;
    case FileIdFullDirectoryInformation: return 80;
  }
  return 0;
}

/**
 * Writes one entry of class cls at p (NextEntryOffset left 0) for name (UTF-16) with stat st
 * and attributes attrs. Returns its unpadded length. The caller checked that it fits.
 */
export function writeDirEntry(cls: u8, p: usize, name: string, st: usize, attrs: u32): u32 {
  const off = nameOffset(cls);
  const nameBytes = <u32>name.length << 1;
  memory.fill(p, 0, <usize>off);
  if (cls == FileNamesInformation) {
    store<u32>(p, nameBytes, 8);
  } else {
    writeTimes(p + 8, st);
    store<u64>(p, St.endOfFile(st), 40);
    store<u64>(p, St.allocationSize(st), 48);
    store<u32>(p, attrs, 56);
    store<u32>(p, nameBytes, 60);
    // EaSize (all but FileDirectoryInformation)
    if (cls != FileDirectoryInformation) store<u32>(p, St.eaSize(st), 64);
    if (cls == FileBothDirectoryInformation || cls == FileIdBothDirectoryInformation) {
      // ShortNameLength, ShortName[12]: empty when the name is a valid 8.3 name (fs/shortname.ts)
      const sn = name == "." || name == ".." ? "" : listingShortName(name);
      store<u8>(p, <u8>(sn.length << 1), 68);
      memory.copy(p + 70, changetype<usize>(sn), <usize>(sn.length << 1));
    }
    if (cls == FileIdBothDirectoryInformation) store<u64>(p, St.fileIndex(st), 96);
    else if (cls == FileIdFullDirectoryInformation) store<u64>(p, St.fileIndex(st), 72);
  }
  memory.copy(p + <usize>off, changetype<usize>(name), <usize>nameBytes);
  return off + nameBytes;
}

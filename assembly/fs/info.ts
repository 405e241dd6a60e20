// FSCC file information classes (MS-FSCC 2.4) encoded from a host stat record (with its
// DOSATTRIB/EA extension, stat.ts) and an Open.
import { shortName } from "./shortname";
import { volumeDigest } from "./fsinfo";
import { visibleAttributes } from "./veto";
import { Open } from "./open";
import * as St from "./stat";
import { leafName, windowsPath } from "./path";
import { stickyChangeTime } from "./changetime";

export const INFO_EMPTY: i32 = -2;
export const INFO_UNAVAILABLE: i32 = -1;

export const FileDirectoryInformation: u8 = 1;
export const FileFullDirectoryInformation: u8 = 2;
export const FileBothDirectoryInformation: u8 = 3;
export const FileBasicInformation: u8 = 4;
export const FileStandardInformation: u8 = 5;
export const FileInternalInformation: u8 = 6;
export const FileEaInformation: u8 = 7;
export const FileAccessInformation: u8 = 8;
export const FileNameInformation: u8 = 9;
export const FileRenameInformation: u8 = 10;
export const FileNamesInformation: u8 = 12;
export const FileDispositionInformation: u8 = 13;
export const FilePositionInformation: u8 = 14;
export const FileFullEaInformation: u8 = 15;
export const FileModeInformation: u8 = 16;
export const FileAlignmentInformation: u8 = 17;
export const FileAllInformation: u8 = 18;
export const FileAllocationInformation: u8 = 19;
export const FileEndOfFileInformation: u8 = 20;
export const FileAlternateNameInformation: u8 = 21;
export const FileStreamInformation: u8 = 22;
export const FileCompressionInformation: u8 = 28;
export const FileNetworkOpenInformation: u8 = 34;
export const FileAttributeTagInformation: u8 = 35;
export const FileIdBothDirectoryInformation: u8 = 37;
export const FileIdFullDirectoryInformation: u8 = 38;
export const FileNormalizedNameInformation: u8 = 48;
export const FileIdInformation: u8 = 59;

/** Attributes of an open's file (pipes are FILE_ATTRIBUTE_NORMAL). */
export function openAttributes(st: usize, o: Open): u32 {
  if (o.pipe !== null) return St.FILE_ATTRIBUTE_NORMAL;
  const name = leafName(o.path);
  return visibleAttributes(o.tree.share, name, St.fileAttributes(st, name), st);
}

/**
 * AllocationSize of an open's file: what the host reports, or the allocation set on the open file
 * (CREATE AllocationSize context, FileAllocationInformation), in 4 KiB units, if larger.
 */
export function openAllocation(st: usize, o: Open): u64 {
  const a = St.allocationSize(st);
  const n = o.node;
  if (n === null || n.allocation == 0 || St.stType(st) == St.S_TYPE_DIR) return a;
  const set = n.allocation > 0x7fff_ffff_ffff_f000 ? n.allocation : (n.allocation + 4095) & ~(<u64>4095);
  return set > a ? set : a;
}

/**
 * The 56 bytes CREATE and NetworkOpen share: CreationTime, LastAccessTime, LastWriteTime,
 * ChangeTime, AllocationSize, EndOfFile, FileAttributes, Reserved.
 */
export function writeOpenInfo(p: usize, st: usize, o: Open, isPipe: bool): void {
  if (isPipe) {
    memory.fill(p, 0, 56);
    store<u32>(p, St.FILE_ATTRIBUTE_NORMAL, 48);
    return;
  }
  writeTimes(p, st, o);
  store<u64>(p, openAllocation(st, o), 32);
  store<u64>(p, St.endOfFile(st), 40);
  store<u32>(p, openAttributes(st, o), 48);
  store<u32>(p, 0, 52);
}

/**
 * CreationTime (DOSATTRIB, else birth time), LastAccessTime, LastWriteTime, ChangeTime (an
 * explicit one set on the open file, else ctime): 32 bytes.
 */
export function writeTimes(p: usize, st: usize, o: Open | null = null): void {
  store<u64>(p, St.createTime(st), 0);
  store<u64>(p, St.msToFiletime(St.stAtimeMs(st)), 8);
  store<u64>(p, St.msToFiletime(St.stMtimeMs(st)), 16);
  const sticky = o !== null ? stickyChangeTime(o) : 0;
  store<u64>(p, sticky != 0 ? sticky : St.msToFiletime(St.stCtimeMs(st)), 24);
}

/** FileBasicInformation (2.4.7): 40 bytes. */
export function writeBasic(p: usize, st: usize, o: Open): u32 {
  writeTimes(p, st, o);
  store<u32>(p, openAttributes(st, o), 32);
  store<u32>(p, 0, 36);
  return 40;
}

/** FileStandardInformation (2.4.41): 24 bytes. */
export function writeStandard(p: usize, st: usize, o: Open): u32 {
  store<u64>(p, openAllocation(st, o), 0);
  store<u64>(p, St.endOfFile(st), 8);
  const n = o.node;
  const pending = n !== null && (n.deletePending || o.deleteOnClose);
  // a delete-pending file has one link fewer (as Windows and Samba report)
  const links = St.stNlink(st) == 0 ? 1 : St.stNlink(st);
  store<u32>(p, pending && n !== null && n.deletePending ? links - 1 : links, 16);
  store<u8>(p, pending ? 1 : 0, 20);
  store<u8>(p, St.stType(st) == St.S_TYPE_DIR ? 1 : 0, 21);
  store<u16>(p, 0, 22);
  return 24;
}

/** Writes a UTF-16LE string; returns its byte length. */
export function writeUtf16(p: usize, s: string): u32 {
  const n = <u32>s.length << 1;
  memory.copy(p, changetype<usize>(s), <usize>n);
  return n;
}

/** The name FileNameInformation/FileAllInformation report: the path from the share root. */
export function openDisplayName(o: Open): string {
  return o.stream.length > 0 ? windowsPath(o.path) + ":" + o.stream : windowsPath(o.path);
}

/**
 * Encodes a file information class into [p, p+cap). Returns the full length the class needs
 * (may exceed cap: the caller reports STATUS_BUFFER_OVERFLOW and sends cap bytes), 0 if the
 * class is unknown here, INFO_EMPTY for a valid empty result, or INFO_UNAVAILABLE if the class
 * exists but has no value for this file (e.g. 8.3 names, which are not generated).
 */
export function encodeFileInfo(cls: u8, p: usize, cap: u32, st: usize, o: Open, scratch: usize): i32 {
  // Encode into scratch first when the result may not fit, so we never write past cap.
  switch (cls) {
    case FileBasicInformation: return fit(p, cap, scratch, writeBasic(scratch, st, o));
    case FileStandardInformation: return fit(p, cap, scratch, writeStandard(scratch, st, o));
    case FileInternalInformation:
      store<u64>(scratch, St.fileIndex(st));
      return fit(p, cap, scratch, 8);
    case FileIdInformation: {
      // MS-FSCC 2.4.24: VolumeSerialNumber (the share's, as FileFsVolumeInformation reports
      // it) and a 128-bit FileId (the 64-bit file index, zero-extended)
      volumeDigest(o.tree.share, scratch + 64);
      store<u64>(scratch, <u64>load<u32>(scratch + 64), 0);
      store<u64>(scratch, St.fileIndex(st), 8);
      store<u64>(scratch, 0, 16);
      return fit(p, cap, scratch, 24);
    }
    case FileEaInformation:
      store<u32>(scratch, o.pipe !== null ? 0 : St.eaSize(st));
      return fit(p, cap, scratch, 4);
    case FileAccessInformation:
      store<u32>(scratch, o.grantedAccess);
      return fit(p, cap, scratch, 4);
    case FilePositionInformation:
      store<u64>(scratch, o.position);
      return fit(p, cap, scratch, 8);
    case FileModeInformation:
      store<u32>(scratch, o.createOptions & 0x0000103e); // WRITE_THROUGH|SEQUENTIAL|NO_BUFFERING|SYNC*|DELETE_ON_CLOSE
      return fit(p, cap, scratch, 4);
    case FileAlignmentInformation:
      store<u32>(scratch, 0);
      return fit(p, cap, scratch, 4);
    case FileCompressionInformation:
      store<u64>(scratch, St.endOfFile(st), 0);
      store<u16>(scratch, 0, 8);
      memory.fill(scratch + 10, 0, 6);
      return fit(p, cap, scratch, 16);
    case FileNetworkOpenInformation:
      writeOpenInfo(scratch, st, o, false);
      return fit(p, cap, scratch, 56);
    case FileAttributeTagInformation:
      store<u32>(scratch, openAttributes(st, o), 0);
      store<u32>(scratch, 0, 4);
      return fit(p, cap, scratch, 8);
    case FileNameInformation:
    case FileNormalizedNameInformation: {
      const name = cls == FileNameInformation ? openDisplayName(o) : o.path.replaceAll("/", "\\");
      return variable(p, cap, name, 0, scratch);
    }
    case FileAllInformation: {
      let q = scratch;
      q += writeBasic(q, st, o);
      q += writeStandard(q, st, o);
      store<u64>(q, St.fileIndex(st)); q += 8;
      store<u32>(q, St.eaSize(st)); q += 4; // EaSize
      store<u32>(q, o.grantedAccess); q += 4;
      store<u64>(q, o.position); q += 8;
      store<u32>(q, o.createOptions & 0x0000103e); q += 4;
      store<u32>(q, 0); q += 4; // alignment
      return variable(p, cap, openDisplayName(o), <u32>(q - scratch), scratch);
    }
    case FileAlternateNameInformation: {
      // the 8.3 name (fs/shortname.ts); the share root and pipes have none
      const leaf = leafName(o.path);
      if (leaf.length == 0 || o.pipe !== null) return INFO_UNAVAILABLE;
      return variable(p, cap, shortName(leaf), 0, scratch);
    }
    case FileStreamInformation: {
      if (St.stType(st) == St.S_TYPE_DIR) return INFO_EMPTY; // directories have no data stream
      const name = "::$DATA";
      store<u32>(scratch, 0, 0);
      store<u32>(scratch, <u32>name.length << 1, 4);
      store<u64>(scratch, St.endOfFile(st), 8);
      store<u64>(scratch, openAllocation(st, o), 16);
      const n = 24 + writeUtf16(scratch + 24, name);
      return fit(p, cap, scratch, n);
    }
  }
  return 0;
}

/** Copies n encoded bytes from scratch to p if they fit; returns n. */
function fit(p: usize, cap: u32, scratch: usize, n: u32): i32 {
  memory.copy(p, scratch, <usize>(n <= cap ? n : cap));
  return <i32>n;
}

/** Appends FileNameLength + FileName to the `head` bytes already in scratch, copies what fits. */
function variable(p: usize, cap: u32, name: string, head: u32, scratch: usize): i32 {
  const nameBytes = <u32>name.length << 1;
  store<u32>(scratch + <usize>head, nameBytes);
  const fixed = head + 4;
  const total = fixed + nameBytes;
  const first = fixed <= cap ? fixed : cap;
  memory.copy(p, scratch, <usize>first);
  if (cap > fixed) {
    const room = cap - fixed;
    memory.copy(p + <usize>fixed, changetype<usize>(name), <usize>(nameBytes <= room ? nameBytes : room));
  }
  return <i32>total;
}

/** Minimum OutputBufferLength for a file class (the fixed part), for INFO_LENGTH_MISMATCH. */
export function fileInfoMinSize(cls: u8): u32 {
  switch (cls) {
    case FileBasicInformation: return 40;
    case FileStandardInformation: return 24;
    case FileInternalInformation: return 8;
    case FileIdInformation: return 24;
    case FileEaInformation: return 4;
    case FileAccessInformation: return 4;
    case FilePositionInformation: return 8;
    case FileModeInformation: return 4;
    case FileAlignmentInformation: return 4;
    case FileCompressionInformation: return 16;
    case FileNetworkOpenInformation: return 56;
    case FileAttributeTagInformation: return 8;
    case FileNameInformation:
    case FileNormalizedNameInformation: return 4;
    case FileAllInformation: return 104; // sizeof(FILE_ALL_INFORMATION) with FileName[1], padded
    case FileStreamInformation: return 32; // sizeof(FILE_STREAM_INFORMATION), as Windows checks it
    case FileAlternateNameInformation: return 8;
  }
  return 0;
}

// FSCC filesystem information classes (MS-FSCC 2.5) for a share's volume. The volume serial
// number and object id are derived from the server and share names — stable across
// restarts and never from any secret (review item A6).
import { ShareCfg, globalCfg } from "../config";
import { writeUtf16 } from "./info";
import { sha256 } from "../crypto/sha256";

export const FileFsVolumeInformation: u8 = 1;
export const FileFsSizeInformation: u8 = 3;
export const FileFsDeviceInformation: u8 = 4;
export const FileFsAttributeInformation: u8 = 5;
export const FileFsControlInformation: u8 = 6;
export const FileFsFullSizeInformation: u8 = 7;
export const FileFsObjectIdInformation: u8 = 8;
export const FileFsSectorSizeInformation: u8 = 11;

const FILE_DEVICE_DISK: u32 = 0x00000007;
const FILE_CASE_SENSITIVE_SEARCH: u32 = 0x00000001;
const FILE_CASE_PRESERVED_NAMES: u32 = 0x00000002;
const FILE_UNICODE_ON_DISK: u32 = 0x00000004;
const SECTOR: u32 = 512;

/** Bytes per allocation unit we report: the host's block size, at least one sector. */
function unitBytes(statfs: usize): u32 {
  const b = load<u32>(statfs, 24);
  return b < SECTOR ? 4096 : b;
}

/** 32 bytes of SHA-256 over "server/share": the source of the serial number and object id. */
export function volumeDigest(share: ShareCfg, out: usize): void {
  const s = String.UTF8.encode(globalCfg.netbiosName.toUpperCase() + "/" + share.key);
  sha256(changetype<usize>(s), s.byteLength, out);
}

export function fsInfoNeedsStatfs(cls: u8): bool {
  return cls == FileFsSizeInformation || cls == FileFsFullSizeInformation;
}

export function fsInfoMinSize(cls: u8): u32 {
  switch (cls) {
    // sizeof() of the structures with one WCHAR of name, as Windows checks them (smb2.getinfo)
    case FileFsVolumeInformation: return 24;
    case FileFsSizeInformation: return 24;
    case FileFsDeviceInformation: return 8;
    case FileFsAttributeInformation: return 16;
    case FileFsControlInformation: return 48;
    case FileFsFullSizeInformation: return 32;
    case FileFsObjectIdInformation: return 64;
    case FileFsSectorSizeInformation: return 28;
  }
  return 0;
}

function fit(p: usize, cap: u32, scratch: usize, n: u32): i32 {
  memory.copy(p, scratch, <usize>(n <= cap ? n : cap));
  return <i32>n;
}

/** Encodes a filesystem class; returns the length it needs (0 = unknown class). */
export function encodeFsInfo(cls: u8, p: usize, cap: u32, statfs: usize, share: ShareCfg, scratch: usize): i32 {
  switch (cls) {
    case FileFsVolumeInformation: {
      volumeDigest(share, scratch + 512);
      const label = share.name;
      store<u64>(scratch, 0, 0); // VolumeCreationTime: unknown
      store<u32>(scratch, load<u32>(scratch + 512), 8); // VolumeSerialNumber
      store<u32>(scratch, <u32>label.length << 1, 12);
      store<u8>(scratch, 0, 16); // SupportsObjects
      store<u8>(scratch, 0, 17);
      const n = 18 + writeUtf16(scratch + 18, label);
      return fit(p, cap, scratch, n);
    }
    case FileFsSizeInformation:
    case FileFsFullSizeInformation: {
      const unit = unitBytes(statfs);
      const bs = <f64>load<u32>(statfs, 24);
      const scale = bs / <f64>unit;
      const total = <u64>(load<f64>(statfs, 0) * scale);
      const avail = <u64>(load<f64>(statfs, 16) * scale);
      const free = <u64>(load<f64>(statfs, 8) * scale);
      store<u64>(scratch, total, 0);
      store<u64>(scratch, avail, 8);
      if (cls == FileFsSizeInformation) {
        store<u32>(scratch, unit / SECTOR, 16);
        store<u32>(scratch, SECTOR, 20);
        return fit(p, cap, scratch, 24);
      }
      store<u64>(scratch, free, 16);
      store<u32>(scratch, unit / SECTOR, 24);
      store<u32>(scratch, SECTOR, 28);
      return fit(p, cap, scratch, 32);
    }
    case FileFsDeviceInformation:
      store<u32>(scratch, FILE_DEVICE_DISK, 0);
      store<u32>(scratch, 0, 4);
      return fit(p, cap, scratch, 8);
    case FileFsAttributeInformation: {
      const fsName = "NTFS";
      // as NTFS: names that differ only in case can coexist (the host's filesystem keeps them and
      // an exact spelling is found first, host-common/case-insensitive.ts), case is preserved
      store<u32>(scratch, FILE_CASE_SENSITIVE_SEARCH | FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK, 0);
      store<u32>(scratch, 255, 4);
      store<u32>(scratch, <u32>fsName.length << 1, 8);
      const n = 12 + writeUtf16(scratch + 12, fsName);
      return fit(p, cap, scratch, n);
    }
    case FileFsControlInformation:
      // MS-FSCC 2.5.2: quotas are not tracked: no filtering thresholds, default threshold and
      // limit "none" (-1), FileSystemControlFlags 0 (quotas disabled)
      memory.fill(scratch, 0, 24);
      store<u64>(scratch, 0xffffffffffffffff, 24);
      store<u64>(scratch, 0xffffffffffffffff, 32);
      store<u64>(scratch, 0, 40);
      return fit(p, cap, scratch, 48);
    case FileFsObjectIdInformation:
      volumeDigest(share, scratch);
      memory.fill(scratch + 16, 0, 48);
      return fit(p, cap, scratch, 64);
    case FileFsSectorSizeInformation:
      store<u32>(scratch, SECTOR, 0);
      store<u32>(scratch, SECTOR, 4);
      store<u32>(scratch, SECTOR, 8);
      store<u32>(scratch, SECTOR, 12);
      store<u32>(scratch, 0x3, 16); // ALIGNED_DEVICE | PARTITION_ALIGNED_ON_DEVICE
      store<u32>(scratch, 0, 20);
      store<u32>(scratch, 0, 24);
      return fit(p, cap, scratch, 28);
  }
  return 0;
}

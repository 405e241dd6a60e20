// The QFid create context (MS-SMB2 2.2.13.2.9 SMB2_CREATE_QUERY_ON_DISK_ID, response 2.2.14.2.9,
// 3.3.5.9.9): DiskFileId = the file's 64-bit index (as FileInternalInformation and
// FileIdInformation report it), VolumeId = the volume serial number of FileFsVolumeInformation.
import { Request } from "../request";
import { Open } from "../../fs/open";
import { statArea } from "../../fs/ops";
import { fileIndex } from "../../fs/stat";
import { volumeDigest } from "../../fs/fsinfo";
import { findCreateContext } from "../../fs/ea";

const QFID_TAG: u32 = 0x64694651; // "QFid"
/** The response context: 16-byte header, name + pad to 24, 32 bytes of data. */
const QFID_RESPONSE_SIZE: u32 = 56;

/** Size of the QFid response context for this CREATE (0 when not asked for, or for a pipe). */
export function qfidResponseSize(r: Request, isPipe: bool): u32 {
  if (isPipe) return 0;
  return findCreateContext(r.hdr, r.cmdLen, r.body, QFID_TAG) >= 0 ? QFID_RESPONSE_SIZE : 0;
}

/** Writes the QFid response context for open o at p (Next = next); returns its size. */
export function writeQfidResponse(r: Request, o: Open, p: usize, next: u32): u32 {
  store<u32>(p, next, 0); // Next
  store<u16>(p, 16, 4); // NameOffset
  store<u16>(p, 4, 6); // NameLength
  store<u16>(p, 0, 8);
  store<u16>(p, 24, 10); // DataOffset
  store<u32>(p, 32, 12); // DataLength
  store<u32>(p, QFID_TAG, 16);
  store<u32>(p, 0, 20);
  store<u64>(p, fileIndex(statArea(r)), 24); // DiskFileId
  volumeDigest(o.tree.share, p + 32); // scratch: 32 bytes of digest, the first 4 are the serial
  store<u64>(p, <u64>load<u32>(p + 32), 32); // VolumeId
  memory.fill(p + 40, 0, 16); // Reserved
  return QFID_RESPONSE_SIZE;
}

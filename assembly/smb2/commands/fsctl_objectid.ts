// MS-FSCC 2.3.7 FSCTL_CREATE_OR_GET_OBJECT_ID and 2.3.25 FSCTL_GET_OBJECT_ID (MS-FSA 2.1.5.10.4,
// 2.1.5.10.13): every file has an object id derived from public facts only — its file id (the
// inode number) and the share's volume id (SHA-256 of "server/share") — never from a secret
// (the ksmbd review found its FS object id was the user's NT hash). Returns FILE_OBJECTID_BUFFER.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { Open } from "../../fs/open";
import { respond, outBuffer } from "./fsctl";
import { ioFstat, ioStat, statArea } from "../../fs/ops";
import { fileIndex } from "../../fs/stat";
import { volumeDigest } from "../../fs/fsinfo";
import { errnoToStatus } from "../../fs/errno";

/** ObjectId, BirthVolumeId, BirthObjectId, DomainId (16 bytes each). */
const FILE_OBJECTID_BUFFER_SIZE: u32 = 64;

/** Both FSCTLs: the object id is always there (created on first use, as Samba and ReFS do). */
export function fsctlObjectId(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  if (r.step == 0) {
    const o = r.open as Open;
    if (o.pipe !== null) return S.STATUS_INVALID_DEVICE_REQUEST;
    if (maxOut < FILE_OBJECTID_BUFFER_SIZE) return S.STATUS_INVALID_PARAMETER;
    r.step = 1;
    return o.hostHandle != 0 ? ioFstat(r, o) : ioStat(r, o.tree.share.index, o.path);
  }
  if (r.ioResult < 0) return errnoToStatus(r.ioResult);
  const o = r.open as Open;
  if (!r.reserve(48 + FILE_OBJECTID_BUFFER_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const p = outBuffer(r);
  // BirthVolumeId: the volume id; ObjectId = BirthObjectId: file id || first half of the volume id
  volumeDigest(o.tree.share, r.scratch + 1024);
  store<u64>(p, fileIndex(statArea(r)), 0);
  memory.copy(p + 8, r.scratch + 1024, 8);
  memory.copy(p + 16, r.scratch + 1024, 16);
  memory.copy(p + 32, p, 16);
  memory.fill(p + 48, 0, 16); // DomainId: none
  respond(r, FILE_OBJECTID_BUFFER_SIZE);
  return S.STATUS_SUCCESS;
}

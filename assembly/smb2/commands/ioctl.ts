// MS-SMB2 2.2.31/2.2.32 IOCTL (3.3.5.15): the checks every IOCTL gets, in the spec's order, then
// a table of FSCTL handlers (fsctl_*.ts). IOCTLs that are not FSCTLs and FSCTLs not in the table
// (on an open that exists): STATUS_NOT_SUPPORTED.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { lookupOpen } from "../../fs/handles";
import { chargeCovers } from "../credits";
import {
  FsctlHandler, CtlCode, InputOffset, InputCount, MaxInputResponse, MaxOutputResponse, IoctlFlags,
  FSCTL_DFS_GET_REFERRALS, FSCTL_DFS_GET_REFERRALS_EX, FSCTL_PIPE_TRANSCEIVE, FSCTL_SRV_REQUEST_RESUME_KEY,
  FSCTL_VALIDATE_NEGOTIATE_INFO, FSCTL_QUERY_NETWORK_INTERFACE_INFO, FSCTL_SRV_COPYCHUNK, FSCTL_SRV_COPYCHUNK_WRITE,
  FSCTL_GET_OBJECT_ID, FSCTL_CREATE_OR_GET_OBJECT_ID,
} from "./fsctl";
import { fsctlObjectId } from "./fsctl_objectid";
import { fsctlValidateNegotiate } from "./fsctl_negotiate";
import { fsctlPipeTransceive } from "./fsctl_pipe";
import { fsctlRequestResumeKey, fsctlCopychunk } from "./fsctl_copychunk";
import { fsctlQueryNetworkInterfaceInfo } from "./fsctl_netif";

const SMB2_0_IOCTL_IS_FSCTL: u32 = 0x00000001;

/**
 * The FSCTL takes no open: FileId must be all-ones (STATUS_INVALID_PARAMETER otherwise). Every
 * other FSCTL, known or not, needs the open FileId names (STATUS_FILE_CLOSED otherwise).
 */
const NO_FILE: u8 = 1;

class FsctlEntry {
  code: u32;
  flags: u8;
  handler: FsctlHandler;

  constructor(code: u32, flags: u8, handler: FsctlHandler) {
    this.code = code;
    this.flags = flags;
    this.handler = handler;
  }
}

/** No DFS namespace is served: STATUS_FS_DRIVER_REQUIRED (as Samba without msdfs). */
function noDfs(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  return S.STATUS_FS_DRIVER_REQUIRED;
}

const FSCTLS: StaticArray<FsctlEntry> = [
  new FsctlEntry(FSCTL_VALIDATE_NEGOTIATE_INFO, NO_FILE, fsctlValidateNegotiate),
  new FsctlEntry(FSCTL_QUERY_NETWORK_INTERFACE_INFO, NO_FILE, fsctlQueryNetworkInterfaceInfo),
  new FsctlEntry(FSCTL_DFS_GET_REFERRALS, NO_FILE, noDfs),
  new FsctlEntry(FSCTL_DFS_GET_REFERRALS_EX, NO_FILE, noDfs),
  new FsctlEntry(FSCTL_PIPE_TRANSCEIVE, 0, fsctlPipeTransceive),
  new FsctlEntry(FSCTL_SRV_REQUEST_RESUME_KEY, 0, fsctlRequestResumeKey),
  new FsctlEntry(FSCTL_SRV_COPYCHUNK, 0, fsctlCopychunk),
  new FsctlEntry(FSCTL_SRV_COPYCHUNK_WRITE, 0, fsctlCopychunk),
  new FsctlEntry(FSCTL_GET_OBJECT_ID, 0, fsctlObjectId),
  new FsctlEntry(FSCTL_CREATE_OR_GET_OBJECT_ID, 0, fsctlObjectId),
];

function findFsctl(code: u32): FsctlEntry | null {
  for (let i = 0; i < FSCTLS.length; i++) {
    const e = unchecked(FSCTLS[i]);
    if (e.code == code) return e;
  }
  return null;
}

export function smb2Ioctl(r: Request): u32 {
  const b = r.body;
  const c = r.conn as Conn;
  const e = findFsctl(CtlCode(b));
  const input = r.hdr + <usize>InputOffset(b);
  const inCount = InputCount(b);
  const maxOut = MaxOutputResponse(b);
  // a handler resumed after host I/O (r.open was set on the first pass)
  if (r.step != 0) return e !== null ? e.handler(r, c, input, inCount, maxOut) : S.STATUS_INTERNAL_ERROR;
  if ((IoctlFlags(b) & SMB2_0_IOCTL_IS_FSCTL) == 0) return S.STATUS_NOT_SUPPORTED;
  if (e !== null && (e.flags & NO_FILE) != 0) {
    if (load<u64>(b, 8) != 0xffffffffffffffff || load<u64>(b, 16) != 0xffffffffffffffff) return S.STATUS_INVALID_PARAMETER;
  } else if (lookupOpen(r, b + 8) === null) {
    return S.STATUS_FILE_CLOSED;
  }
  const max = c.maxTransactSize;
  if (inCount > max || MaxInputResponse(b) > max || maxOut > max) return S.STATUS_INVALID_PARAMETER;
  if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, inCount > maxOut ? inCount : maxOut)) return S.STATUS_INVALID_PARAMETER;
  if (e === null) return S.STATUS_NOT_SUPPORTED;
  return e.handler(r, c, input, inCount, maxOut);
}

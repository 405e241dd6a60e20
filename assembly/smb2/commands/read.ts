// MS-SMB2 2.2.19/2.2.20 READ (3.3.5.12): file data is read by the host straight into its
// place in the response buffer (DESIGN.md §2), and named-pipe reads come from the RPC pipe.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Open } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioRead } from "../../fs/ops";
import * as A from "../../fs/access";
import { errnoToStatus } from "../../fs/errno";
import { chargeCovers } from "../credits";
import { ioConflicts } from "../../fs/locks";

const DATA_OFFSET: u8 = 0x50; // header (64) + fixed response body (16)
const MAX_OFFSET: u64 = 0x1f_ffff_ffff_ffff; // offsets are carried to the host as f64

@inline function Length(b: usize): u32 { return load<u32>(b, 4); }
@inline function Offset(b: usize): u64 { return load<u64>(b, 8); }
@inline function MinimumCount(b: usize): u32 { return load<u32>(b, 32); }

function respond(r: Request, n: u32): void {
  const o = r.out;
  store<u16>(o, 17, 0);
  store<u8>(o, DATA_OFFSET, 2);
  store<u8>(o, 0, 3);
  store<u32>(o, n, 4);
  store<u32>(o, 0, 8);
  store<u32>(o, 0, 12);
  r.outLen = 16 + n;
}

export function smb2Read(r: Request): u32 {
  const b = r.body;
  if (r.step == 0) {
    const c = r.conn as Conn;
    const len = Length(b);
    if (len > c.maxReadSize) return S.STATUS_INVALID_PARAMETER;
    if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, len)) return S.STATUS_INVALID_PARAMETER;
    const o = lookupOpen(r, b + 16);
    if (o === null) return S.STATUS_FILE_CLOSED;
    if (!A.granted(o, A.FILE_READ_DATA | A.FILE_EXECUTE)) return S.STATUS_ACCESS_DENIED;
    if (!r.reserve(16 + len)) return S.STATUS_INSUFFICIENT_RESOURCES;
    const pipe = o.pipe;
    if (pipe !== null) {
      const n = pipe.read(r.out + 16, <i32>len);
      if (n <= 0) return S.STATUS_PIPE_BROKEN;
      respond(r, <u32>n);
      if (pipe.moreData()) {
        r.bodyReady = true;
        return S.STATUS_BUFFER_OVERFLOW;
      }
      return S.STATUS_SUCCESS;
    }
    if (o.isDir) return S.STATUS_INVALID_DEVICE_REQUEST;
    const off = Offset(b);
    if (off > MAX_OFFSET || off + <u64>len > MAX_OFFSET) return S.STATUS_INVALID_PARAMETER;
    if (len == 0) {
      // nothing to read: success, unless the client wanted at least MinimumCount bytes
      if (MinimumCount(b) > 0) return S.STATUS_END_OF_FILE;
      respond(r, 0);
      return S.STATUS_SUCCESS;
    }
    const node = o.node;
    if (node !== null && ioConflicts(node, o, off, <u64>len, false)) return S.STATUS_FILE_LOCK_CONFLICT;
    r.o0 = o;
    r.step = 1;
    return ioRead(r, o, r.out + 16, len, off);
  }
  const o = r.o0 as Open;
  const res = r.ioResult;
  if (res < 0) return errnoToStatus(res);
  if (res == 0 || <u32>res < MinimumCount(b)) return S.STATUS_END_OF_FILE;
  o.position = Offset(b) + <u64>res;
  respond(r, <u32>res);
  return S.STATUS_SUCCESS;
}

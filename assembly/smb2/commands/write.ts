// MS-SMB2 2.2.21/2.2.22 WRITE (3.3.5.13): the host writes straight from the received frame
// (no copy in the core); named-pipe writes feed the RPC pipe.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Tree } from "../session";
import { Open } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioWrite, ioFstat, statArea } from "../../fs/ops";
import * as A from "../../fs/access";
import { errnoToStatus } from "../../fs/errno";
import { stSize } from "../../fs/stat";
import { chargeCovers } from "../credits";
import { ioConflicts } from "../../fs/locks";
import { notifyChange, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE, FILE_NOTIFY_CHANGE_SIZE } from "../../fs/notify";
import { breakForWrite } from "../../oplock/state";

const MAX_OFFSET: u64 = 0x1f_ffff_ffff_ffff;
const APPEND_OFFSET: u64 = 0xffff_ffff_ffff_ffff;
const STEP_APPEND_CHECK = 3;

@inline function DataOffset(b: usize): u32 { return <u32>load<u16>(b, 2); }
@inline function Length(b: usize): u32 { return load<u32>(b, 4); }
@inline function Offset(b: usize): u64 { return load<u64>(b, 8); }

function respond(r: Request, n: u32): void {
  const o = r.out;
  store<u16>(o, 17, 0);
  store<u16>(o, 0, 2);
  store<u32>(o, n, 4);
  store<u32>(o, 0, 8);
  store<u32>(o, 0, 12);
  store<u8>(o, 0, 16);
  r.outLen = 17;
}

/** Appends the request's data at r.u0 (the end of file, just stat'ed): lock check, break, write. */
function appendAt(r: Request, o: Open, b: usize): u32 {
  const len = Length(b);
  if (len == 0) {
    respond(r, 0);
    return S.STATUS_SUCCESS;
  }
  const node = o.node;
  if (node !== null && ioConflicts(node, o, r.u0, <u64>len, true)) return S.STATUS_FILE_LOCK_CONFLICT;
  r.step = 2;
  breakForWrite(o); // Level II oplocks and others' read caching go (MS-FSA 2.1.5.3)
  return ioWrite(r, o, r.hdr + <usize>DataOffset(b), len, r.u0);
}

export function smb2Write(r: Request): u32 {
  const b = r.body;
  switch (r.step) {
    case 0: {
      const c = r.conn as Conn;
      const len = Length(b);
      if (len > c.maxWriteSize) return S.STATUS_INVALID_PARAMETER;
      if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, len)) return S.STATUS_INVALID_PARAMETER;
      const o = lookupOpen(r, b + 16);
      if (o === null) return S.STATUS_FILE_CLOSED;
      if (!A.granted(o, A.FILE_WRITE_DATA | A.FILE_APPEND_DATA)) return S.STATUS_ACCESS_DENIED;
      if ((r.tree as Tree).readOnly) return S.STATUS_ACCESS_DENIED;
      const data = r.hdr + <usize>DataOffset(b);
      const pipe = o.pipe;
      if (pipe !== null) {
        const st = pipe.write(data, <i32>len);
        if (st != S.STATUS_SUCCESS) return st;
        respond(r, len);
        return S.STATUS_SUCCESS;
      }
      if (o.isDir) return S.STATUS_INVALID_DEVICE_REQUEST;
      r.o0 = o;
      const off = Offset(b);
      if (off == APPEND_OFFSET) {
        if (!A.granted(o, A.FILE_APPEND_DATA)) return S.STATUS_INVALID_PARAMETER;
        r.step = 1;
        return ioFstat(r, o);
      }
      if (off > MAX_OFFSET || off + <u64>len > MAX_OFFSET) return S.STATUS_INVALID_PARAMETER;
      // FILE_APPEND_DATA without FILE_WRITE_DATA may only write at or past the end of file
      if (!A.granted(o, A.FILE_WRITE_DATA)) {
        r.u0 = off;
        r.step = STEP_APPEND_CHECK;
        return ioFstat(r, o);
      }
      if (len == 0) {
        respond(r, 0);
        return S.STATUS_SUCCESS;
      }
      const node = o.node;
      if (node !== null && ioConflicts(node, o, off, <u64>len, true)) return S.STATUS_FILE_LOCK_CONFLICT;
      r.u0 = off;
      r.step = 2;
      breakForWrite(o); // Level II oplocks and others' read caching go (MS-FSA 2.1.5.3)
      return ioWrite(r, o, data, len, off);
    }
    case STEP_APPEND_CHECK: {
      const o = r.o0 as Open;
      if (r.ioResult < 0) return errnoToStatus(r.ioResult);
      if (r.u0 < stSize(statArea(r))) return S.STATUS_ACCESS_DENIED;
      return appendAt(r, o, b);
    }
    case 1: {
      const o = r.o0 as Open;
      if (r.ioResult < 0) return errnoToStatus(r.ioResult);
      r.u0 = stSize(statArea(r));
      return appendAt(r, o, b);
    }
  }
  const o = r.o0 as Open;
  const res = r.ioResult;
  if (res < 0) return errnoToStatus(res);
  o.position = r.u0 + <u64>res;
  respond(r, <u32>res);
  notifyChange(o.tree.share.index, o.path, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE);
  return S.STATUS_SUCCESS;
}

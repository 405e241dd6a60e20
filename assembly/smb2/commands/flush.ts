// MS-SMB2 2.2.17/2.2.18 FLUSH (3.3.5.11).
import * as S from "../status";
import { Request } from "../request";
import { Open } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioFsync } from "../../fs/ops";
import * as A from "../../fs/access";
import { errnoToStatus } from "../../fs/errno";

export function smb2Flush(r: Request): u32 {
  if (r.step == 0) {
    const o = lookupOpen(r, r.body + 8);
    if (o === null) return S.STATUS_FILE_CLOSED;
    if (!A.granted(o, A.FILE_WRITE_DATA | A.FILE_APPEND_DATA)) return S.STATUS_ACCESS_DENIED;
    store<u16>(r.out, 4, 0);
    store<u16>(r.out, 0, 2);
    r.outLen = 4;
    if (o.pipe !== null || o.hostHandle == 0) return S.STATUS_SUCCESS;
    r.o0 = o;
    r.step = 1;
    return ioFsync(r, o);
  }
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  return r.ioResult < 0 ? errnoToStatus(r.ioResult) : S.STATUS_SUCCESS;
}

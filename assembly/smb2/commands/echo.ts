// MS-SMB2 2.2.28/2.2.29 ECHO (3.3.5.17) and 2.2.30 CANCEL (3.3.5.16).
import * as S from "../status";
import { Request } from "../request";

export function smb2Echo(r: Request): u32 {
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  return S.STATUS_SUCCESS;
}

/**
 * CANCEL gets no response. Requests in this server complete without going asynchronous
 * (no STATUS_PENDING is ever sent yet), so there is nothing to cancel.
 */
export function smb2Cancel(r: Request): u32 {
  return S.STATUS_SUCCESS;
}

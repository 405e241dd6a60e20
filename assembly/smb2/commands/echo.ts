// MS-SMB2 2.2.28/2.2.29 ECHO (3.3.5.17) and 2.2.30 CANCEL (3.3.5.16).
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import * as H from "../header";
import { cancelWith } from "../async";

export function smb2Echo(r: Request): u32 {
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  return S.STATUS_SUCCESS;
}

/**
 * CANCEL gets no response itself. It ends a pending request of the same connection, named by
 * AsyncId (async form) or by MessageId (the request may not have gone async yet), with
 * STATUS_CANCELLED. Requests waiting only for host I/O are not cancellable: they finish soon.
 */
export function smb2Cancel(r: Request): u32 {
  const c = r.conn as Conn;
  const h = r.hdr;
  if ((H.Flags(h) & H.SMB2_FLAGS_ASYNC_COMMAND) != 0) {
    const id = H.AsyncId(h);
    if (c.asyncOps.has(id)) cancelWith(c.asyncOps.get(id), S.STATUS_CANCELLED);
    return S.STATUS_SUCCESS;
  }
  const mid = H.MessageId(h);
  const list = c.asyncOps.values();
  for (let i = 0; i < list.length; i++) {
    const p = unchecked(list[i]);
    if (H.MessageId(p.hdr) == mid) cancelWith(p, S.STATUS_CANCELLED);
  }
  return S.STATUS_SUCCESS;
}

// MS-SMB2 2.2.7/2.2.8 LOGOFF (3.3.5.6).
import * as S from "../status";
import { Request } from "../request";
import { Session } from "../session";

export function smb2Logoff(r: Request): u32 {
  const s = r.session as Session;
  // The response is signed with the session's key before the key is wiped: keep it usable
  // until the response is built, then end the session.
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  r.endSessionAfter = s;
  return S.STATUS_SUCCESS;
}

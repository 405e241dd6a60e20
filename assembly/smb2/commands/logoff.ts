// MS-SMB2 2.2.7/2.2.8 LOGOFF (3.3.5.6): pending requests of the session end first (signed,
// like Samba's), then the response, signed with the session's key, then the session ends.
import * as S from "../status";
import { Request } from "../request";
import { Session } from "../session";
import { Conn } from "../conn";
import { cancelPending, wake } from "../async";

/** True when some asynchronous request of s is still pending. */
function hasPending(c: Conn, s: Session): bool {
  const list = c.asyncOps.values();
  for (let i = 0; i < list.length; i++) {
    const p = unchecked(list[i]);
    if (p.session === s && !p.asyncDone) return true;
  }
  return false;
}

/** LOGOFF handler: ends the request's session once its pending requests have been answered. */
export function smb2Logoff(r: Request): u32 {
  const s = r.session as Session;
  const c = r.conn as Conn;
  if (r.step == 0 && hasPending(c, s)) {
    // End the session's pending requests (CHANGE_NOTIFY, blocking LOCK...) while its keys
    // still sign their final responses; they run before this request resumes (wake order).
    cancelPending(c, null, null, s);
    r.step = 1;
    wake(r, 0);
    return S.STATUS_INTERNAL_WAIT;
  }
  // The response is signed with the session's key before the key is wiped: keep it usable
  // until the response is built, then end the session (teardown.ts endSession).
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  r.endSessionAfter = s;
  return S.STATUS_SUCCESS;
}

// MS-SMB2 3.3.5.2.9 (verifying the session) and 3.3.5.2.4 (verifying the signature) for a
// request that names a session: which session it acts as, and whether its signature (or the
// lack of one) is acceptable — enforced by the session's state, never by the flag alone (P4).
import * as H from "./header";
import * as S from "./status";
import { Conn } from "./conn";
import { Request } from "./request";
import { Session, sessions, SESSION_VALID, SESSION_IN_PROGRESS, SESSION_EXPIRED } from "./session";
import { verifyRequest } from "./signing";
import { logWarn } from "../util/log";

/** Finds the request's session on its connection (r.session), or the status to fail with. */
export function lookupSession(r: Request, c: Conn): u32 {
  const sid = r.related ? r.rel.sessionId : H.SessionId(r.hdr);
  if (!c.sessions.has(sid)) {
    // a session of another connection, not bound to this one (multichannel): a request signed
    // with that session's key gets its error signed with it, as Samba does after a global lookup
    // (the client requires the flag on the answer to a signed request; smbtorture
    // smb2.session.bind2). Only a verified request: never a MAC for whoever knows a session id.
    if (sessions.has(sid) && (H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) != 0) {
      const g = sessions.get(sid);
      if (g.state == SESSION_VALID && g.hasKeys && verifyRequest(r.hdr, r.cmdLen, g, c)) {
        r.session = g;
        r.requestSigned = true;
      }
    }
    return S.STATUS_USER_SESSION_DELETED;
  }
  const s = c.sessions.get(sid);
  if (s.state == SESSION_EXPIRED) return S.STATUS_NETWORK_SESSION_EXPIRED;
  if (s.state == SESSION_IN_PROGRESS) return S.STATUS_USER_SESSION_DELETED;
  r.session = s;
  return S.STATUS_SUCCESS;
}

/** Signature rules of MS-SMB2 3.3.5.2.4, enforced by session state, not by the flag (P4). */
export function checkSignature(r: Request, s: Session): u32 {
  // An encrypted request is authenticated by its transform header (3.3.5.2.4).
  if (r.encSession !== null) return S.STATUS_SUCCESS;
  const signed = (H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) != 0;
  r.requestSigned = signed;
  if (signed) {
    if (!s.hasKeys) return S.STATUS_ACCESS_DENIED;
    if (!verifyRequest(r.hdr, r.cmdLen, s, r.conn as Conn)) {
      logWarn("Refused request " + H.MessageId(r.hdr).toString() + " from " + s.conn.peer + ": bad signature");
      return S.STATUS_ACCESS_DENIED;
    }
    return S.STATUS_SUCCESS;
  }
  if (s.signingRequired) {
    logWarn("Refused unsigned request " + H.MessageId(r.hdr).toString() + " from " + s.conn.peer + " on a session that requires signing");
    return S.STATUS_ACCESS_DENIED;
  }
  return S.STATUS_SUCCESS;
}

// SESSION_SETUP with SMB2_SESSION_FLAG_BINDING (MS-SMB2 3.3.5.5.2, 3.3.5.5.3): binds this
// connection to an existing session as another channel (multichannel). The client proves the
// session by signing the request with its key and authenticates again as the same user; the
// channel then signs with a key derived from that authentication (3.1.1: and from the binding
// exchange's preauth hash). Refusals use the statuses Windows and Samba give (smbtorture
// smb2.session.bind*).
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Session, sessions, SESSION_VALID } from "../session";
import { bindingChannel, channelIn, channelOf, MAX_CHANNELS } from "../channel";
import { globalCfg, DIALECT_300, DIALECT_311 } from "../../config";
import { SessionAuth } from "../../auth/spnego";
import { verifyRequest, deriveChannelKey } from "../signing";
import { preauthUpdate } from "../preauth";
import { dropBinding } from "../teardown";
import { SIGNING_AES_GMAC, SIGNING_AES_CMAC, SIGNING_HMAC_SHA256 } from "./negotiate";
import { authConfig, respond, SESSION_FLAG_ENCRYPT_DATA, SecurityBufferOffset, SecurityBufferLength } from "./session_setup";
import { logInfo, logWarn } from "../../util/log";
import { ctEqual } from "../../util/bytes";
import { heapAdmit } from "../../util/heap";

/** The signing algorithm a connection of dialect d with negotiated algorithm alg uses. */
export function signingAlgorithmOf(d: u16, alg: u16): u16 {
  if (d < DIALECT_300) return SIGNING_HMAC_SHA256;
  if (d < DIALECT_311) return SIGNING_AES_CMAC;
  return alg;
}

/**
 * Checks a binding request of connection c for session g (3.3.5.5.2), in Samba's order. The
 * request must be signed with the session's key (with the session's algorithm); only once that
 * signature is verified is r.session g, so that the error is signed with that key too (the
 * client checks it). Nothing is ever signed for a request that is not verified: that would let
 * anyone who knows a session id have the server MAC chosen MessageIds with the session's key —
 * with AES-GMAC a nonce reuse that gives the key's hash subkey away.
 */
function bindRefusal(r: Request, c: Conn, g: Session): u32 {
  if ((H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) == 0) return S.STATUS_INVALID_PARAMETER;
  if (g.state != SESSION_VALID || !g.hasKeys) return S.STATUS_REQUEST_NOT_ACCEPTED;
  if (!verifyRequest(r.hdr, r.cmdLen, g, c)) {
    logWarn("Refused binding from " + c.peer + " to session " + g.id.toString(16) + ": bad signature");
    return S.STATUS_ACCESS_DENIED;
  }
  r.session = g;
  r.requestSigned = true;
  // a session signing with AES-GMAC binds only connections that do too, and a GMAC connection
  // binds only GMAC sessions (the statuses Windows gives, smbtorture bind_negative_smb3sign*)
  const mine = signingAlgorithmOf(c.dialect, c.signingAlgorithm);
  const theirs = signingAlgorithmOf(g.dialect, g.signingAlgorithm);
  if (theirs == SIGNING_AES_GMAC && mine != theirs) return S.STATUS_REQUEST_OUT_OF_SEQUENCE;
  if (mine == SIGNING_AES_GMAC && mine != theirs) return S.STATUS_NOT_SUPPORTED;
  if (channelOf(g, c) !== null) return S.STATUS_REQUEST_NOT_ACCEPTED; // already bound here
  if (g.dialect != c.dialect) return S.STATUS_INVALID_PARAMETER;
  if (g.conn.cipherId != c.cipherId) return S.STATUS_INVALID_PARAMETER;
  if (!ctEqual(g.conn.clientGuid(), c.clientGuid(), 16)) return S.STATUS_USER_SESSION_DELETED;
  if (g.isGuest || g.isAnonymous) return S.STATUS_NOT_SUPPORTED;
  if (g.channels.length >= MAX_CHANNELS) return S.STATUS_INSUFFICIENT_RESOURCES;
  return S.STATUS_SUCCESS;
}

/** Ends the binding of g over c (the session itself is not affected). */
function abandon(g: Session, c: Conn): void {
  dropBinding(g, c);
  const i = c.binding.indexOf(g);
  if (i >= 0) c.binding.splice(i, 1);
}

/**
 * SESSION_SETUP with SMB2_SESSION_FLAG_BINDING on a 3.x connection of a server with
 * multichannel: one leg of the binding authentication; MORE_PROCESSING_REQUIRED until done.
 */
export function bindSession(r: Request, c: Conn): u32 {
  const sid = H.SessionId(r.hdr);
  if (sid == 0) return S.STATUS_INVALID_PARAMETER;
  if (!sessions.has(sid)) return S.STATUS_USER_SESSION_DELETED;
  const g = sessions.get(sid);
  const refused = bindRefusal(r, c, g);
  if (refused != S.STATUS_SUCCESS) {
    abandon(g, c);
    return refused;
  }
  let ch = channelIn(g.binds, c);
  if (ch === null) {
    if (!heapAdmit("channel", c.peer)) return S.STATUS_INSUFFICIENT_RESOURCES;
    ch = bindingChannel(c);
    if (ch === null) return S.STATUS_INSUFFICIENT_RESOURCES;
    ch.auth = new SessionAuth(authConfig());
    // 3.1.1: the binding exchange has its own preauth hash, from the connection's (3.3.5.5.1)
    if (c.dialect == DIALECT_311) memory.copy(ch.preauthHash(), c.preauthHash, 64);
    g.binds.push(ch);
    c.binding.push(g);
  }
  if (c.dialect == DIALECT_311) preauthUpdate(ch.preauthHash(), r.hdr, r.cmdLen);
  const auth = ch.auth as SessionAuth;
  const b = r.body;
  const st = auth.step(r.hdr + <usize>SecurityBufferOffset(b), <i32>SecurityBufferLength(b));
  if (st == S.STATUS_MORE_PROCESSING_REQUIRED) {
    respond(r, 0, auth.outToken);
    r.bodyReady = true;
    if (c.dialect == DIALECT_311) r.hashResponse = ch.preauthHash();
    return st;
  }
  if (st != S.STATUS_SUCCESS) {
    logWarn("Binding from " + c.peer + " to session " + g.id.toString(16) + " failed: logon failure for \"" + auth.userName + "\"");
    abandon(g, c);
    return st;
  }
  // the same user must authenticate: a guest or anonymous logon is ACCESS_DENIED (smbtorture
  // smb2.session.bind_invalid_auth), another user NOT_SUPPORTED (Samba compares the user SID)
  const key = auth.sessionKeyPtr;
  const other = auth.isGuest || auth.isAnonymous || key == 0;
  if (other || auth.userName.toUpperCase() != g.userKey) {
    logWarn("Binding from " + c.peer + " to session " + g.id.toString(16) + " refused: \"" + auth.userName + "\" is not the session's user");
    abandon(g, c);
    return other ? S.STATUS_ACCESS_DENIED : S.STATUS_NOT_SUPPORTED;
  }
  deriveChannelKey(g, ch, key);
  const token = auth.outToken;
  auth.dispose();
  ch.auth = null;
  // the binding becomes a channel: requests over c now reach the session
  const i = g.binds.indexOf(ch);
  if (i >= 0) g.binds.splice(i, 1);
  const j = c.binding.indexOf(g);
  if (j >= 0) c.binding.splice(j, 1);
  g.channels.push(ch);
  c.sessions.set(g.id, g);
  respond(r, g.encryptData ? SESSION_FLAG_ENCRYPT_DATA : 0, token);
  r.forceSign = true; // signed with the new channel's key: the client's proof of it
  logInfo("Session " + g.id.toString(16) + " of " + g.userName + " bound to " + c.peer + " (" + g.channels.length.toString() + " channels)");
  return S.STATUS_SUCCESS;
}

/** Whether SESSION_SETUP binding requests over c are handled (else refused as before multichannel). */
export function bindingSupported(c: Conn): bool {
  return globalCfg.multiChannel && c.dialect >= DIALECT_300;
}

// MS-SMB2 2.2.5/2.2.6 SESSION_SETUP (3.3.5.5): SPNEGO/NTLMSSP authentication (auth/spnego.ts),
// anonymous and guest logons, re-authentication (3.3.5.5.2, keys retained), PreviousSessionId
// (3.3.5.5.3), the 3.1.1 session preauth hash, key derivation, and signing of the final response.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Session, sessions, newSessionId, SESSION_VALID, KEY_SESSION } from "../session";
import { tokenFor } from "../../fs/token";
import { globalCfg, SIGNING_MANDATORY, DIALECT_300, DIALECT_311 } from "../../config";
import { SessionAuth } from "../../auth/spnego";
import { NtlmServerConfig, NtHashLookup } from "../../auth/ntlmssp";
import { findUserHash } from "../../auth/userdb";
import { deriveKeys, verifyRequest } from "../signing";
import { preauthUpdate } from "../preauth";
import { endSession } from "../teardown";
import { logInfo, logWarn, secondsText } from "../../util/log";
import { SMB2_NEGOTIATE_SIGNING_REQUIRED, SIGNING_AES_GMAC } from "./negotiate";
import { sessionEncryptionPolicy } from "../encryption";
import { authFailed, authSucceeded, holdUntil } from "../../auth/auth_throttle";
import { peerAddress } from "../../auth/host_rules";
import { now_ms } from "../../abi/imports";
import { heapAdmit } from "../../util/heap";
import { firstChannel, channelOf } from "../channel";
import { bindSession, bindingSupported, signingAlgorithmOf } from "./session_bind";

const SMB2_SESSION_FLAG_BINDING: u8 = 0x01;
const SMB2_SESSION_FLAG_IS_GUEST: u16 = 0x0001;
const SMB2_SESSION_FLAG_IS_NULL: u16 = 0x0002;
const SMB2_SESSION_FLAG_ENCRYPT_DATA: u16 = 0x0004;
export const SESSION_FLAG_ENCRYPT_DATA = SMB2_SESSION_FLAG_ENCRYPT_DATA;
/** r.step of a failed SESSION_SETUP whose answer the throttle holds back. */
const STEP_HELD: i32 = 1;
const OUT_OFFSET: u16 = 64 + 8;
const MAX_SESSIONS_PER_CONN: i32 = 64;

@inline function Flags(b: usize): u8 { return load<u8>(b, 2); }
@inline function SecurityMode(b: usize): u8 { return load<u8>(b, 3); }
@inline export function SecurityBufferOffset(b: usize): u32 { return <u32>load<u16>(b, 12); }
@inline export function SecurityBufferLength(b: usize): u32 { return <u32>load<u16>(b, 14); }
@inline function PreviousSessionId(b: usize): u64 { return load<u64>(b, 16); }

class UserDbLookup extends NtHashLookup {
  ntHash(user: string, domain: string, out: usize): bool {
    const h = findUserHash(user);
    if (h == 0) return false;
    memory.copy(out, h, 16);
    return true;
  }
}

let ntlmConfig: NtlmServerConfig | null = null;

export function authConfig(): NtlmServerConfig {
  let c = ntlmConfig;
  if (c === null || c.nbComputerName != globalCfg.netbiosName) {
    c = new NtlmServerConfig();
    c.nbComputerName = globalCfg.netbiosName;
    c.nbDomainName = globalCfg.workgroup;
    c.dnsComputerName = globalCfg.netbiosName.toLowerCase();
    c.users = new UserDbLookup();
    c.mapToGuest = globalCfg.mapToGuest;
    ntlmConfig = c;
  }
  c.mapToGuest = globalCfg.mapToGuest;
  return c;
}

export function respond(r: Request, flags: u16, token: Uint8Array): void {
  r.reserve(8 + <u32>token.length);
  const o = r.out;
  store<u16>(o, 9, 0);
  store<u16>(o, flags, 2);
  store<u16>(o, token.length > 0 ? OUT_OFFSET : 0, 4);
  store<u16>(o, <u16>token.length, 6);
  memory.copy(o + 8, token.dataStart, <usize>token.length);
  if (token.length == 0) store<u8>(o, 0, 8);
  r.outLen = 8 + (token.length == 0 ? 1 : <u32>token.length);
}

/** A new session (3.3.5.5.1), or null with the failure status in r.u0. */
function newSession(r: Request, c: Conn): Session | null {
  r.u0 = S.STATUS_INSUFFICIENT_RESOURCES;
  if (c.sessions.size >= MAX_SESSIONS_PER_CONN || !heapAdmit("session", c.peer)) return null;
  const id = newSessionId();
  if (id == 0) return null;
  const s = new Session(id, c);
  if (!s.init()) return null;
  s.channels.push(firstChannel(s, c));
  c.sessions.set(id, s);
  sessions.set(id, s);
  if (c.dialect == DIALECT_311) memory.copy(s.preauthHash, c.preauthHash, 64);
  return s;
}

/**
 * Signature of a SESSION_SETUP on an existing session (3.3.5.2.4): a session with keys
 * verifies a signed request and, when it requires signing, refuses an unsigned one. A session
 * still authenticating for the first time has no key yet (the client cannot sign).
 */
function checkSignature(r: Request, s: Session): u32 {
  // an encrypted re-authentication is authenticated by its transform header, if it is this session's
  if (r.encSession !== null) return r.encSession === s ? S.STATUS_SUCCESS : S.STATUS_ACCESS_DENIED;
  if (!s.hasKeys) return S.STATUS_SUCCESS;
  const c = r.conn as Conn;
  const ch = channelOf(s, c);
  const bound = ch !== null && ch.own != 0; // a channel added by binding (it has its own key)
  if ((H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) != 0) {
    if (!verifyRequest(r.hdr, r.cmdLen, s, c)) {
      logWarn("Refused SESSION_SETUP from " + c.peer + ": bad signature");
      if (bound && verifyRequest(r.hdr, r.cmdLen, s, c, true)) {
        // signed with Session.SigningKey instead of the channel's: refused, answered with that key
        r.session = s;
        r.requestSigned = true;
        r.signMainKey = true;
      }
      return S.STATUS_ACCESS_DENIED;
    }
    r.requestSigned = true;
    return S.STATUS_SUCCESS;
  }
  if (s.signingRequired || bound) {
    // a re-authentication over a bound channel must prove the channel's key
    logWarn("Refused unsigned SESSION_SETUP from " + c.peer + " on a session that requires signing");
    return S.STATUS_ACCESS_DENIED;
  }
  return S.STATUS_SUCCESS;
}

/**
 * SMB2_SESSION_FLAG_BINDING on a 2.x connection, or with multichannel turned off (`server multi
 * channel support = no`): binding fails, with the status a multichannel server gives for the
 * request's faults (3.3.5.5: unknown session, dialect mismatch), else
 * STATUS_REQUEST_NOT_ACCEPTED. A signed request is verified with the session's key
 * (3.3.5.2.4) and the error is signed with it: the client expects that (smbtorture
 * smb2.session.bind_negative_*).
 */
function refuseBinding(r: Request, c: Conn): u32 {
  const sid = H.SessionId(r.hdr);
  if (!sessions.has(sid)) return c.dialect >= DIALECT_300 ? S.STATUS_USER_SESSION_DELETED : S.STATUS_REQUEST_NOT_ACCEPTED;
  const g = sessions.get(sid);
  if (!signErrorWith(r, g)) return S.STATUS_ACCESS_DENIED;
  if (r.requestSigned && signingAlgorithmOf(g.dialect, g.signingAlgorithm) == SIGNING_AES_GMAC &&
    signingAlgorithmOf(c.dialect, c.signingAlgorithm) != SIGNING_AES_GMAC) {
    return S.STATUS_REQUEST_OUT_OF_SEQUENCE; // an AES-GMAC session is never bound over another algorithm (session_bind.ts)
  }
  if (c.dialect >= DIALECT_300 && g.conn.dialect != c.dialect) return S.STATUS_INVALID_PARAMETER;
  return S.STATUS_REQUEST_NOT_ACCEPTED;
}

/**
 * A SESSION_SETUP names a session of another connection (global lookup, like Samba's): when
 * the request is signed with that session's key, the error response is signed with it too
 * (the client holds the key and checks). Returns false when the signature is wrong.
 */
function signErrorWith(r: Request, g: Session): bool {
  if (g.state != SESSION_VALID || !g.hasKeys || (H.Flags(r.hdr) & H.SMB2_FLAGS_SIGNED) == 0) return true;
  if (!verifyRequest(r.hdr, r.cmdLen, g, r.conn as Conn)) return false;
  r.session = g;
  r.requestSigned = true;
  return true;
}

/** SESSION_SETUP for a SessionId this connection does not have (3.3.5.5). */
function unknownSession(r: Request, sid: u64): u32 {
  if (sessions.has(sid) && !signErrorWith(r, sessions.get(sid))) return S.STATUS_ACCESS_DENIED;
  return S.STATUS_USER_SESSION_DELETED;
}

/**
 * SESSION_SETUP handler: a new session (SessionId 0), the next leg of one in progress, or the
 * re-authentication of a valid one; MORE_PROCESSING_REQUIRED until the exchange completes.
 */
export function smb2SessionSetup(r: Request): u32 {
  if (r.step == STEP_HELD) return <u32>r.u0; // a failure answer held back by the throttle
  const c = r.conn as Conn;
  const b = r.body;
  if ((Flags(b) & SMB2_SESSION_FLAG_BINDING) != 0) return bindingSupported(c) ? bindSession(r, c) : refuseBinding(r, c);
  const sid = H.SessionId(r.hdr);
  let s: Session;
  if (sid == 0) {
    const n = newSession(r, c);
    if (n === null) return <u32>r.u0;
    s = n;
  } else {
    if (!c.sessions.has(sid)) return unknownSession(r, sid);
    s = c.sessions.get(sid);
    const sg = checkSignature(r, s);
    if (sg != S.STATUS_SUCCESS) return sg;
  }
  r.session = s;
  const reauth = s.state == SESSION_VALID;
  if (s.auth === null) s.auth = new SessionAuth(authConfig()); // a new logon or a re-authentication
  // The 3.1.1 preauth hash only feeds the key derivation of a new session; a re-authentication
  // keeps its keys (3.3.5.5.2), so its exchange is not hashed.
  if (!reauth && c.dialect == DIALECT_311) preauthUpdate(s.preauthHash, r.hdr, r.cmdLen);
  const auth = s.auth as SessionAuth;
  const st = auth.step(r.hdr + <usize>SecurityBufferOffset(b), <i32>SecurityBufferLength(b));
  if (st == S.STATUS_MORE_PROCESSING_REQUIRED) {
    respond(r, 0, auth.outToken);
    r.bodyReady = true;
    if (!reauth && c.dialect == DIALECT_311) r.hashResponse = s.preauthHash;
    return st;
  }
  if (st == S.STATUS_SUCCESS && reauth && auth.isGuest && !s.isGuest) {
    // "map to guest = bad user" is for new logons: an unknown user cannot turn an
    // authenticated session into a guest one (smbtorture smb2.notify.invalid-reauth).
    return failed(r, s, auth, S.STATUS_LOGON_FAILURE);
  }
  if (st != S.STATUS_SUCCESS) return failed(r, s, auth, st);
  let flags = reauth ? reauthenticated(r, s, auth) : authenticated(r, s, auth);
  if (!reauth) {
    const enc = sessionEncryptionPolicy(s);
    if (enc < 0) {
      logWarn("Session for " + describe(s) + " from " + c.peer + " refused: encryption is mandatory and it cannot encrypt");
      return failed(r, s, auth, S.STATUS_ACCESS_DENIED);
    }
    if (enc > 0) {
      s.encryptData = true;
      flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
    }
  } else if (s.encryptData) {
    flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
  }
  respond(r, flags, auth.outToken);
  s.auth = null;
  auth.dispose();
  s.state = SESSION_VALID;
  logoffPrevious(s, PreviousSessionId(b));
  if (!s.isGuest && !s.isAnonymous) authSucceeded(c.peer);
  return S.STATUS_SUCCESS;
}

/**
 * The authentication failed (3.3.5.5.3): the session, new or re-authenticating, is removed
 * with its opens and tree connects.
 */
function failed(r: Request, s: Session, auth: SessionAuth, st: u32): u32 {
  const c = s.conn;
  logWarn("Logon failed for user \"" + auth.userName + "\" from " + c.peer + " (0x" + st.toString(16) + ")");
  s.auth = null;
  auth.dispose();
  r.session = null;
  endSession(s);
  if (st == S.STATUS_LOGON_FAILURE) {
    // repeated failures from one address are answered ever more slowly (auth/auth_throttle.ts)
    const delay = authFailed(c.peer, now_ms());
    if (delay > 0) {
      logWarn("Logon failures from " + peerAddress(c.peer) + ": answering after " + secondsText(delay));
      r.u0 = st;
      r.step = STEP_HELD;
      holdUntil(r, now_ms() + delay);
      return S.STATUS_INTERNAL_WAIT;
    }
  }
  return st;
}

/** Copies the identity of a completed exchange into the session; returns SessionFlags. */
function takeIdentity(s: Session, auth: SessionAuth): u16 {
  s.isGuest = auth.isGuest;
  s.isAnonymous = auth.isAnonymous;
  s.userName = auth.userName;
  s.domain = auth.domainName;
  s.userKey = s.isGuest || s.isAnonymous ? "" : s.userName.toUpperCase();
  s.token = tokenFor(s.isAnonymous, s.isGuest, s.userName);
  if (s.isAnonymous) return SMB2_SESSION_FLAG_IS_NULL;
  if (s.isGuest) return SMB2_SESSION_FLAG_IS_GUEST;
  return 0;
}

function describe(s: Session): string {
  return s.isAnonymous ? "anonymous" : s.isGuest ? "guest (" + s.userName + ")" : s.domain + "\\" + s.userName;
}

/** A new session completed: derive its keys (3.3.5.5.3) and decide whether it signs. */
function authenticated(r: Request, s: Session, auth: SessionAuth): u16 {
  const c = s.conn;
  const flags = takeIdentity(s, auth);
  const key = auth.sessionKeyPtr;
  if (key != 0 && !s.isGuest && !s.isAnonymous) {
    memory.copy(s.keys + KEY_SESSION, key, 16);
    deriveKeys(s);
    const clientRequires = (SecurityMode(r.body) & <u8>SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0 ||
      (c.clientSecurityMode & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
    s.signingRequired = globalCfg.signing == SIGNING_MANDATORY || clientRequires;
    r.forceSign = true; // the final response proves the key (3.3.5.5.3)
  } else {
    s.hasKeys = false;
    s.signingRequired = false;
  }
  logInfo("Session for " + describe(s) + " from " + c.peer);
  return flags;
}

/**
 * A valid session re-authenticated (3.3.5.5.2): Session.SessionKey and the keys derived from
 * it are retained, whoever authenticated (the client keeps signing with them); the final
 * response is signed with them. The session takes the new identity (user, guest or anonymous).
 */
function reauthenticated(r: Request, s: Session, auth: SessionAuth): u16 {
  const before = describe(s);
  const flags = takeIdentity(s, auth);
  if (s.hasKeys) {
    if ((SecurityMode(r.body) & <u8>SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0) s.signingRequired = true;
    r.forceSign = true;
  }
  const after = describe(s);
  if (after != before) logInfo("Session of " + before + " from " + s.conn.peer + " re-authenticated as " + after);
  return flags;
}

/**
 * PreviousSessionId (3.3.5.5.3): once the new session is authenticated, a previous session of
 * the same user (on any connection) is logged off, closing its opens; otherwise it is ignored.
 * Guest and anonymous sessions never match.
 */
function logoffPrevious(s: Session, prev: u64): void {
  if (prev == 0 || prev == s.id || s.userKey.length == 0 || !sessions.has(prev)) return;
  const old = sessions.get(prev);
  if (old.state != SESSION_VALID || old.userKey != s.userKey) return;
  logInfo("Session " + prev.toString(16) + " of " + describe(old) + " from " + old.conn.peer + " replaced by a reconnect from " + s.conn.peer);
  endSession(old);
}

// MS-SMB2 2.2.5/2.2.6 SESSION_SETUP (3.3.5.5): SPNEGO/NTLMSSP authentication (auth/spnego.ts),
// anonymous and guest logons, re-authentication, the 3.1.1 session preauth hash, key
// derivation, and signing of the final response.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Session, sessions, newSessionId, SESSION_IN_PROGRESS, SESSION_VALID, KEY_SESSION } from "../session";
import { globalCfg, SIGNING_MANDATORY, DIALECT_311 } from "../../config";
import { SessionAuth } from "../../auth/spnego";
import { NtlmServerConfig, NtHashLookup } from "../../auth/ntlmssp";
import { findUserHash } from "../../auth/userdb";
import { deriveKeys } from "../signing";
import { preauthUpdate } from "../dispatch";
import { endSession } from "../teardown";
import { logInfo, logWarn } from "../../util/log";
import { SMB2_NEGOTIATE_SIGNING_REQUIRED } from "./negotiate";

const SMB2_SESSION_FLAG_BINDING: u8 = 0x01;
const SMB2_SESSION_FLAG_IS_GUEST: u16 = 0x0001;
const SMB2_SESSION_FLAG_IS_NULL: u16 = 0x0002;
const OUT_OFFSET: u16 = 64 + 8;
const MAX_SESSIONS_PER_CONN: i32 = 64;

@inline function Flags(b: usize): u8 { return load<u8>(b, 2); }
@inline function SecurityMode(b: usize): u8 { return load<u8>(b, 3); }
@inline function SecurityBufferOffset(b: usize): u32 { return <u32>load<u16>(b, 12); }
@inline function SecurityBufferLength(b: usize): u32 { return <u32>load<u16>(b, 14); }

class UserDbLookup extends NtHashLookup {
  ntHash(user: string, domain: string, out: usize): bool {
    const h = findUserHash(user);
    if (h == 0) return false;
    memory.copy(out, h, 16);
    return true;
  }
}

let ntlmConfig: NtlmServerConfig | null = null;

function authConfig(): NtlmServerConfig {
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

function respond(r: Request, flags: u16, token: Uint8Array): void {
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

export function smb2SessionSetup(r: Request): u32 {
  const c = r.conn as Conn;
  const b = r.body;
  if ((Flags(b) & SMB2_SESSION_FLAG_BINDING) != 0) return S.STATUS_REQUEST_NOT_ACCEPTED; // no multichannel
  const sid = H.SessionId(r.hdr);
  let s: Session;
  if (sid == 0) {
    if (c.sessions.size >= MAX_SESSIONS_PER_CONN) return S.STATUS_INSUFFICIENT_RESOURCES;
    const id = newSessionId();
    if (id == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
    s = new Session(id, c);
    if (!s.init()) return S.STATUS_INSUFFICIENT_RESOURCES;
    c.sessions.set(id, s);
    sessions.set(id, s);
    if (c.dialect == DIALECT_311) memory.copy(s.preauthHash, c.preauthHash, 64);
  } else {
    if (!c.sessions.has(sid)) return S.STATUS_USER_SESSION_DELETED;
    s = c.sessions.get(sid);
  }
  r.session = s;
  if (s.auth === null) {
    // a new logon, or a re-authentication of a valid session (3.3.5.5.1)
    s.auth = new SessionAuth(authConfig());
    if (s.state == SESSION_VALID && c.dialect == DIALECT_311) memory.copy(s.preauthHash, c.preauthHash, 64);
  }
  if (c.dialect == DIALECT_311) preauthUpdate(s.preauthHash, r.hdr, r.cmdLen);
  const auth = s.auth as SessionAuth;
  const st = auth.step(r.hdr + <usize>SecurityBufferOffset(b), <i32>SecurityBufferLength(b));
  if (st == S.STATUS_MORE_PROCESSING_REQUIRED) {
    respond(r, 0, auth.outToken);
    r.bodyReady = true;
    if (c.dialect == DIALECT_311) r.hashResponse = s.preauthHash;
    return st;
  }
  if (st != S.STATUS_SUCCESS) {
    logWarn("Logon failed for user \"" + auth.userName + "\" from " + c.peer + " (0x" + st.toString(16) + ")");
    s.auth = null;
    auth.dispose();
    r.session = null;
    endSession(s);
    return st;
  }
  const wasValid = s.state == SESSION_VALID;
  s.isGuest = auth.isGuest;
  s.isAnonymous = auth.isAnonymous;
  s.userName = auth.userName;
  s.domain = auth.domainName;
  const key = auth.sessionKeyPtr;
  let flags: u16 = 0;
  if (s.isAnonymous) flags |= SMB2_SESSION_FLAG_IS_NULL;
  else if (s.isGuest) flags |= SMB2_SESSION_FLAG_IS_GUEST;
  if (key != 0 && !s.isGuest && !s.isAnonymous) {
    memory.copy(s.keys + KEY_SESSION, key, 16);
    deriveKeys(s);
    const clientRequires = (SecurityMode(b) & <u8>SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0 ||
      (c.clientSecurityMode & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
    s.signingRequired = globalCfg.signing == SIGNING_MANDATORY || clientRequires;
    r.forceSign = true; // the final response proves the key (3.3.5.5.3)
  } else {
    s.hasKeys = false;
    s.signingRequired = false;
  }
  respond(r, flags, auth.outToken);
  s.auth = null;
  auth.dispose();
  s.state = SESSION_VALID;
  if (!wasValid) {
    logInfo("Session for " + (s.isAnonymous ? "anonymous" : s.isGuest ? "guest (" + s.userName + ")" : s.domain + "\\" + s.userName) + " from " + c.peer);
  }
  return S.STATUS_SUCCESS;
}

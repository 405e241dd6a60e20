// NTLMSSP server, NTLMv2 only (MS-NLMP 2.2.1.1-2.2.1.3, 3.2.5.1, 3.3.2): CHALLENGE, AUTHENTICATE
// verification with key exchange and MIC, and the ESS message signature (3.4.4.2, 3.4.5.2-3).
import { hmacMd5, hmacMd5Final, hmacMd5Init, hmacMd5Update, HMAC_MD5_CTX_SIZE } from "../crypto/hmac";
import { md5Final, md5Init, md5Update, MD5_CTX_SIZE } from "../crypto/md5";
import { rc4, rc4Crypt, rc4Init, RC4_CTX_SIZE } from "../crypto/rc4";
import { now_ms, random_fill } from "../abi/imports";
import { ctEqual, wipe } from "../util/bytes";

// NegotiateFlags (2.2.2.5).
export const NTLMSSP_NEGOTIATE_UNICODE: u32 = 0x00000001;
export const NTLMSSP_NEGOTIATE_OEM: u32 = 0x00000002;
export const NTLMSSP_REQUEST_TARGET: u32 = 0x00000004;
export const NTLMSSP_NEGOTIATE_SIGN: u32 = 0x00000010;
export const NTLMSSP_NEGOTIATE_SEAL: u32 = 0x00000020;
export const NTLMSSP_NEGOTIATE_NTLM: u32 = 0x00000200;
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN: u32 = 0x00008000;
export const NTLMSSP_TARGET_TYPE_SERVER: u32 = 0x00020000;
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x00080000;
export const NTLMSSP_NEGOTIATE_TARGET_INFO: u32 = 0x00800000;
export const NTLMSSP_NEGOTIATE_VERSION: u32 = 0x02000000;
export const NTLMSSP_NEGOTIATE_128: u32 = 0x20000000;
export const NTLMSSP_NEGOTIATE_KEY_EXCH: u32 = 0x40000000;
export const NTLMSSP_NEGOTIATE_56: u32 = 0x80000000;

/** Flags the server grants when the client asks for them (the rest are server-set). */
const GRANTABLE: u32 =
  NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM |
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_VERSION |
  NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56;

// AV_PAIR ids (2.2.2.1).
const MSV_AV_EOL: u16 = 0;
const MSV_AV_NB_COMPUTER_NAME: u16 = 1;
const MSV_AV_NB_DOMAIN_NAME: u16 = 2;
const MSV_AV_DNS_COMPUTER_NAME: u16 = 3;
const MSV_AV_DNS_DOMAIN_NAME: u16 = 4;
const MSV_AV_FLAGS: u16 = 6;
const MSV_AV_TIMESTAMP: u16 = 7;
const MSV_AV_FLAG_MIC_PRESENT: u32 = 0x2;

const NTLM_MESSAGE_NEGOTIATE: u32 = 1;
const NTLM_MESSAGE_CHALLENGE: u32 = 2;
const NTLM_MESSAGE_AUTHENTICATE: u32 = 3;
const CHALLENGE_HEADER = 56; // through Version
const AUTH_MIC_OFFSET = 72; // MIC field of AUTHENTICATE_MESSAGE (present with MsvAvFlags 0x2)
const AUTH_HEADER_WITH_MIC = 88;
const NTLMV2_BLOB_HEADER = 28; // NTLMv2_CLIENT_CHALLENGE up to AvPairs (2.2.2.7)
/** Windows FILETIME of the Unix epoch, in milliseconds (100 ns ticks / 10^4). */
const EPOCH_AS_FILETIME_MS: f64 = 11644473600000;

/** Results of NtlmServer.acceptAuthenticate. */
export const NTLM_OK_USER: i32 = 0;
/** Unknown user accepted as guest (config.mapToGuest); there is no session key. */
export const NTLM_OK_GUEST: i32 = 1;
/** Anonymous logon (empty user and NT response); there is no session key. */
export const NTLM_OK_ANONYMOUS: i32 = 2;
/** Wrong password, unknown user, bad MIC, or a refused NTLMv1/LMv2-only response (STATUS_LOGON_FAILURE). */
export const NTLM_LOGON_FAILURE: i32 = 3;
/** Malformed message or wrong state (STATUS_INVALID_PARAMETER). */
export const NTLM_INVALID: i32 = 4;

/**
 * The user database, injected by the caller. ntHash() writes the 16-byte NT hash
 * (MD4 of the UTF-16LE password) of `user` to `out` and returns true, or returns false when
 * there is no such user. Implementations compare user names case-insensitively (upcaseName).
 */
export abstract class NtHashLookup {
  abstract ntHash(user: string, domain: string, out: usize): bool;
}

/** What the server says about itself and how it treats unknown users. */
export class NtlmServerConfig {
  nbComputerName: string = "SERVER";
  nbDomainName: string = "WORKGROUP";
  /** Omitted from TargetInfo when empty. */
  dnsComputerName: string = "";
  /** Omitted from TargetInfo when empty. */
  dnsDomainName: string = "";
  users: NtHashLookup | null = null;
  /** Unknown users log on as guest instead of failing ("map to guest = bad user"). */
  mapToGuest: bool = false;
}

// Static scratch (wiped after every use): HMAC and RC4 contexts, then 16-byte slots.
const HM = memory.data(HMAC_MD5_CTX_SIZE, 8);
const MD = memory.data(MD5_CTX_SIZE, 8);
const RC = memory.data(RC4_CTX_SIZE, 8);
const SCRATCH = memory.data(112, 8);
const NT_HASH = SCRATCH;
const OWF = SCRATCH + 16;
const PROOF = SCRATCH + 32;
const BASE_KEY = SCRATCH + 48;
const TMP = SCRATCH + 64;
const SIGN_KEY = SCRATCH + 80;
const SEAL_KEY = SCRATCH + 96;
const ZERO16 = memory.data(16);

function wipeScratch(): void {
  wipe(SCRATCH, 112);
  wipe(HM, HMAC_MD5_CTX_SIZE);
  wipe(MD, MD5_CTX_SIZE);
  wipe(RC, RC4_CTX_SIZE);
}

const SIGN_C2S = String.UTF8.encode("session key to client-to-server signing key magic constant", true);
const SIGN_S2C = String.UTF8.encode("session key to server-to-client signing key magic constant", true);
const SEAL_C2S = String.UTF8.encode("session key to client-to-server sealing key magic constant", true);
const SEAL_S2C = String.UTF8.encode("session key to server-to-client sealing key magic constant", true);

/** Upper-cases one UTF-16 code unit at a time, never changing the length (like RtlUpcaseUnicodeString). */
export function upcaseName(s: string): string {
  const n = s.length;
  const buf = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    else if (c >= 0x80) {
      const u = String.fromCharCode(c).toUpperCase();
      if (u.length == 1) c = u.charCodeAt(0);
    }
    unchecked((buf[i] = <u16>c));
  }
  return String.UTF16.decodeUnsafe(buf.dataStart, <usize>n << 1);
}

/** NTOWFv2 (3.3.2) = HMAC_MD5(NT hash, UTF-16LE(UPPER(user) + domain)) into out (16 bytes). */
export function ntowfv2(ntHash: usize, user: string, domain: string, out: usize): void {
  const s = upcaseName(user) + domain;
  hmacMd5(ntHash, 16, changetype<usize>(s), s.length << 1, out);
}

/** NTProofStr (3.3.2) = HMAC_MD5(NTOWFv2, ServerChallenge || temp) into out (16 bytes). */
export function ntProofStr(ntowf: usize, serverChallenge: usize, temp: usize, tempLen: i32, out: usize): void {
  hmacMd5Init(HM, ntowf, 16);
  hmacMd5Update(HM, serverChallenge, 8);
  hmacMd5Update(HM, temp, tempLen);
  hmacMd5Final(HM, out);
}

/** SIGNKEY with extended session security (3.4.5.2) = MD5(ExportedSessionKey || magic). */
export function ntlmSignKey(exportedKey: usize, clientToServer: bool, out: usize): void {
  const magic = clientToServer ? SIGN_C2S : SIGN_S2C;
  md5Init(MD);
  md5Update(MD, exportedKey, 16);
  md5Update(MD, changetype<usize>(magic), magic.byteLength);
  md5Final(MD, out);
}

/** SEALKEY with extended session security (3.4.5.3): 16, 7 or 5 key bytes (by 128/56 flags) + magic, MD5. */
export function ntlmSealKey(exportedKey: usize, flags: u32, clientToServer: bool, out: usize): void {
  const magic = clientToServer ? SEAL_C2S : SEAL_S2C;
  const n = flags & NTLMSSP_NEGOTIATE_128 ? 16 : flags & NTLMSSP_NEGOTIATE_56 ? 7 : 5;
  md5Init(MD);
  md5Update(MD, exportedKey, n);
  md5Update(MD, changetype<usize>(magic), magic.byteLength);
  md5Final(MD, out);
}

/**
 * MAC with extended session security (3.4.4.2): writes the 16-byte NTLMSSP_MESSAGE_SIGNATURE
 * (Version 1 | Checksum | SeqNum) for msg to out. sealCtx is the RC4 sealing handle (keyed
 * with the sealing key; its keystream continues) when KEY_EXCH was negotiated, else 0.
 */
export function ntlmMac(signKey: usize, sealCtx: usize, seqNum: u32, msg: usize, len: i32, out: usize): void {
  store<u32>(TMP, seqNum);
  hmacMd5Init(HM, signKey, 16);
  hmacMd5Update(HM, TMP, 4);
  hmacMd5Update(HM, msg, len);
  hmacMd5Final(HM, TMP);
  store<u32>(out, 1);
  if (sealCtx != 0) rc4Crypt(sealCtx, TMP, out + 4, 8);
  else memory.copy(out + 4, TMP, 8);
  store<u32>(out + 12, seqNum);
  wipe(TMP, 16);
}

/** Payload field (Len, MaxLen, Offset) at msg+at: (offset << 16 | len), or -1 if out of bounds. */
function payloadField(msg: usize, msgLen: i32, at: i32): i64 {
  if (at + 8 > msgLen) return -1;
  const len = <u32>load<u16>(msg + <usize>at);
  const off = load<u32>(msg + <usize>at + 4);
  if (<u64>off + <u64>len > <u64>msgLen) return -1;
  return (<i64>off << 16) | <i64>len;
}

/** Decodes a payload string: UTF-16LE when unicode, else 8-bit OEM; null if the length is odd. */
function decodeString(p: usize, len: i32, unicode: bool): string | null {
  if (!unicode) {
    const buf = new Uint16Array(len);
    for (let i = 0; i < len; i++) unchecked((buf[i] = <u16>load<u8>(p + <usize>i)));
    return String.UTF16.decodeUnsafe(buf.dataStart, <usize>len << 1);
  }
  if (len & 1) return null;
  return String.UTF16.decodeUnsafe(p, <usize>len);
}

function isNtlmMessage(p: usize, len: i32, type: u32): bool {
  return len >= 12 && load<u64>(p) == 0x005053534d4c544e && load<u32>(p + 8) == type; // "NTLMSSP\0"
}

/** True when the buffer starts with the NTLMSSP signature (a raw token without SPNEGO). */
export function isNtlmssp(p: usize, len: i32): bool {
  return len >= 8 && load<u64>(p) == 0x005053534d4c544e;
}

/** MsvAvFlags from the AV pairs in [p, p+len) (0 when absent; stops at EOL or a malformed pair). */
function findAvFlags(p: usize, len: i32): u32 {
  const end = p + <usize>len;
  while (p + 4 <= end) {
    const id = load<u16>(p);
    const n = <usize>load<u16>(p + 2);
    if (id == MSV_AV_EOL || p + 4 + n > end) break;
    if (id == MSV_AV_FLAGS && n >= 4) return load<u32>(p + 4);
    p += 4 + n;
  }
  return 0;
}

/**
 * True when [p, p+len) holds AV pairs (2.2.2.1) ending with MsvAvEOL, each inside the buffer
 * (bytes after the EOL are allowed).
 */
function avPairsWellFormed(p: usize, len: i32): bool {
  const end = p + <usize>len;
  while (p + 4 <= end) {
    const n = <usize>load<u16>(p + 2);
    if (p + 4 + n > end) return false;
    if (load<u16>(p) == MSV_AV_EOL) return true;
    p += 4 + n;
  }
  return false;
}

/** Writes the UTF-16 units of s (at most 255) at q as 16-bit (unicode) or 8-bit OEM; returns the end. */
function putName(q: usize, s: string, unicode: bool): usize {
  const n = min(s.length, 255);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (unicode) store<u16>(q + (<usize>i << 1), <u16>c);
    else store<u8>(q + <usize>i, c < 0x100 ? <u8>c : 0x3f);
  }
  return q + (unicode ? <usize>n << 1 : <usize>n);
}

/**
 * One NTLM authentication (server side). Use: acceptNegotiate → send the CHALLENGE →
 * acceptAuthenticate → on NTLM_OK_USER read sessionKeyPtr, userName, domainName →
 * dispose() when the session ends. Never traps on any input.
 */
export class NtlmServer {
  config: NtlmServerConfig;
  /** NEGOTIATE_MESSAGE as received (input to the MIC). */
  negotiateMsg: Uint8Array = new Uint8Array(0);
  /** CHALLENGE_MESSAGE as sent (input to the MIC; emptied after AUTHENTICATE); ServerChallenge at offset 24. */
  challengeMsg: Uint8Array = new Uint8Array(0);
  /** Flags in effect after AUTHENTICATE: the client's AUTHENTICATE flags & the CHALLENGE flags. */
  negotiateFlags: u32 = 0;
  /** Outcome of acceptAuthenticate (NTLM_*). */
  result: i32 = NTLM_INVALID;
  userName: string = "";
  domainName: string = "";
  workstation: string = "";
  /** True when the client's AUTHENTICATE carried a MIC (MsvAvFlags 0x2) and it verified. */
  micPresent: bool = false;
  /** True when sessionKey holds the ExportedSessionKey (after NTLM_OK_USER only). */
  hasSessionKey: bool = false;
  /** ExportedSessionKey (16 bytes); valid when hasSessionKey. */
  sessionKey: StaticArray<u8> = new StaticArray<u8>(16);

  constructor(config: NtlmServerConfig) {
    this.config = config;
  }

  /** Address of the 16-byte ExportedSessionKey, or 0 when there is none. */
  get sessionKeyPtr(): usize {
    return this.hasSessionKey ? changetype<usize>(this.sessionKey) : 0;
  }

  /**
   * Handles a NEGOTIATE_MESSAGE (2.2.1.1, 3.2.5.1.1) and returns the CHALLENGE_MESSAGE to send,
   * or null when the message is malformed.
   */
  acceptNegotiate(p: usize, len: i32): Uint8Array | null {
    if (len < 16 || !isNtlmMessage(p, len, NTLM_MESSAGE_NEGOTIATE)) return null;
    const neg = new Uint8Array(len);
    memory.copy(neg.dataStart, p, <usize>len);
    this.negotiateMsg = neg;
    this.challengeMsg = this.buildChallenge(load<u32>(p + 12));
    return this.challengeMsg;
  }

  private buildChallenge(clientFlags: u32): Uint8Array {
    const cfg = this.config;
    let flags = (clientFlags & GRANTABLE) | NTLMSSP_NEGOTIATE_TARGET_INFO;
    const unicode = (clientFlags & NTLMSSP_NEGOTIATE_UNICODE) != 0 || (clientFlags & NTLMSSP_NEGOTIATE_OEM) == 0;
    flags |= unicode ? NTLMSSP_NEGOTIATE_UNICODE : NTLMSSP_NEGOTIATE_OEM;
    if (flags & NTLMSSP_REQUEST_TARGET) flags |= NTLMSSP_TARGET_TYPE_SERVER;

    const target = flags & NTLMSSP_REQUEST_TARGET ? cfg.nbComputerName : "";
    const tl = min(target.length, 255) << (unicode ? 1 : 0);
    // TargetInfo (2.2.2.1): names as AV pairs (empty DNS names left out), Timestamp, EOL.
    const names: string[] = [cfg.nbDomainName, cfg.nbComputerName, cfg.dnsDomainName, cfg.dnsComputerName];
    const ids: u16[] = [MSV_AV_NB_DOMAIN_NAME, MSV_AV_NB_COMPUTER_NAME, MSV_AV_DNS_DOMAIN_NAME, MSV_AV_DNS_COMPUTER_NAME];
    let il = 12 + 4;
    for (let i = 0; i < 4; i++) if (i < 2 || names[i].length > 0) il += 4 + (min(names[i].length, 255) << 1);

    const m = new Uint8Array(CHALLENGE_HEADER + tl + il);
    const b = m.dataStart;
    store<u64>(b, 0x005053534d4c544e);
    store<u32>(b + 8, NTLM_MESSAGE_CHALLENGE);
    store<u16>(b + 12, <u16>tl);
    store<u16>(b + 14, <u16>tl);
    store<u32>(b + 16, CHALLENGE_HEADER);
    store<u32>(b + 20, flags);
    random_fill(b + 24, 8); // ServerChallenge; Reserved (32..39) stays zero
    store<u16>(b + 40, <u16>il);
    store<u16>(b + 42, <u16>il);
    store<u32>(b + 44, CHALLENGE_HEADER + tl);
    if (flags & NTLMSSP_NEGOTIATE_VERSION) {
      store<u8>(b + 48, 6); // ProductMajorVersion (2.2.2.10)
      store<u8>(b + 49, 1); // ProductMinorVersion
      store<u16>(b + 50, 7601); // ProductBuild
      store<u8>(b + 55, 0x0f); // NTLMSSP_REVISION_W2K3
    }
    let q = putName(b + CHALLENGE_HEADER, target, unicode);
    for (let i = 0; i < 4; i++) {
      if (i >= 2 && names[i].length == 0) continue;
      store<u16>(q, ids[i]);
      store<u16>(q + 2, <u16>(min(names[i].length, 255) << 1));
      q = putName(q + 4, names[i], true);
    }
    store<u16>(q, MSV_AV_TIMESTAMP);
    store<u16>(q + 2, 8);
    store<u64>(q + 4, <u64>((now_ms() + EPOCH_AS_FILETIME_MS) * 10000.0)); // FILETIME; then EOL (zeros)
    return m;
  }

  /**
   * Handles an AUTHENTICATE_MESSAGE (2.2.1.3, 3.2.5.1.2, 3.3.2); returns and records an NTLM_*
   * result. One attempt per CHALLENGE: later calls return NTLM_INVALID.
   */
  acceptAuthenticate(p: usize, len: i32): i32 {
    this.hasSessionKey = false;
    this.micPresent = false;
    wipe(changetype<usize>(this.sessionKey), 16);
    const r = this.verify(p, len);
    wipeScratch();
    this.challengeMsg = new Uint8Array(0); // the ServerChallenge is single-use
    this.result = r;
    return r;
  }

  private verify(p: usize, len: i32): i32 {
    if (this.challengeMsg.length < 32) return NTLM_INVALID; // no CHALLENGE was sent
    if (len < 64 || !isNtlmMessage(p, len, NTLM_MESSAGE_AUTHENTICATE)) return NTLM_INVALID;
    const lm = payloadField(p, len, 12);
    const nt = payloadField(p, len, 20);
    const dom = payloadField(p, len, 28);
    const usr = payloadField(p, len, 36);
    const ws = payloadField(p, len, 44);
    const key = payloadField(p, len, 52);
    if (lm < 0 || nt < 0 || dom < 0 || usr < 0 || ws < 0 || key < 0) return NTLM_INVALID;
    const clientFlags = load<u32>(p + 60);
    const flags = clientFlags & load<u32>(this.challengeMsg.dataStart + 20);
    this.negotiateFlags = flags;
    const unicode = (clientFlags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
    const user = decodeString(p + <usize>(usr >> 16), <i32>(usr & 0xffff), unicode);
    const domain = decodeString(p + <usize>(dom >> 16), <i32>(dom & 0xffff), unicode);
    const wks = decodeString(p + <usize>(ws >> 16), <i32>(ws & 0xffff), unicode);
    if (user === null || domain === null || wks === null) return NTLM_INVALID;
    this.userName = user;
    this.domainName = domain;
    this.workstation = wks;

    const lmLen = <i32>(lm & 0xffff);
    const ntLen = <i32>(nt & 0xffff);
    const ntPtr = p + <usize>(nt >> 16);
    if (ntLen == 0) {
      const lmZ1 = lmLen == 1 && load<u8>(p + <usize>(lm >> 16)) == 0;
      if (user.length == 0 || lmZ1) return NTLM_OK_ANONYMOUS;
      // An unknown user without a password maps to guest like any unknown user ("bad user");
      // a known user must prove the password (LM / LMv2-only responses are refused).
      const u = this.config.users;
      const exists = u !== null && u.ntHash(user, domain, NT_HASH);
      wipe(NT_HASH, 16);
      if (!exists && this.config.mapToGuest) return NTLM_OK_GUEST;
      return NTLM_LOGON_FAILURE;
    }
    if (ntLen == 24) return NTLM_LOGON_FAILURE; // NTLMv1 (or NTLM2 session response): refused
    if (ntLen < 16 + NTLMV2_BLOB_HEADER) return NTLM_INVALID;
    // A malformed NTLMv2_CLIENT_CHALLENGE is refused as such, not as a wrong password
    // (like Windows and Samba: smbtorture smb2.session.ntlmssp_bug14932).
    if (!avPairsWellFormed(ntPtr + 16 + NTLMV2_BLOB_HEADER, ntLen - 16 - NTLMV2_BLOB_HEADER)) return NTLM_INVALID;
    if (user.length == 0) return NTLM_LOGON_FAILURE;

    const users = this.config.users;
    const known = users !== null && users.ntHash(user, domain, NT_HASH);
    if (!known) wipe(NT_HASH, 16); // still do the work: timing must not reveal unknown names
    const challenge = this.challengeMsg.dataStart + 24;
    const temp = ntPtr + 16;
    const tempLen = ntLen - 16;
    ntowfv2(NT_HASH, user, domain, OWF);
    ntProofStr(OWF, challenge, temp, tempLen, PROOF);
    let ok = ctEqual(PROOF, ntPtr, 16) && known;
    if (!ok && domain.length > 0) {
      ntowfv2(NT_HASH, user, "", OWF); // clients that use a NIL UserDom (3.2.5.1.2)
      ntProofStr(OWF, challenge, temp, tempLen, PROOF);
      ok = ctEqual(PROOF, ntPtr, 16) && known;
    }
    if (!known) return this.config.mapToGuest ? NTLM_OK_GUEST : NTLM_LOGON_FAILURE;
    if (!ok) return NTLM_LOGON_FAILURE;

    hmacMd5(OWF, 16, PROOF, 16, BASE_KEY); // SessionBaseKey = KeyExchangeKey for NTLMv2
    const sk = changetype<usize>(this.sessionKey);
    if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
      if ((key & 0xffff) != 16) return NTLM_INVALID;
      rc4(BASE_KEY, 16, p + <usize>(key >> 16), sk, 16);
    } else {
      memory.copy(sk, BASE_KEY, 16);
    }

    if (findAvFlags(temp + NTLMV2_BLOB_HEADER, tempLen - NTLMV2_BLOB_HEADER) & MSV_AV_FLAG_MIC_PRESENT) {
      if (len < AUTH_HEADER_WITH_MIC) return NTLM_INVALID;
      const neg = this.negotiateMsg;
      const chal = this.challengeMsg;
      hmacMd5Init(HM, sk, 16);
      hmacMd5Update(HM, neg.dataStart, neg.length);
      hmacMd5Update(HM, chal.dataStart, chal.length);
      hmacMd5Update(HM, p, AUTH_MIC_OFFSET);
      hmacMd5Update(HM, ZERO16, 16);
      hmacMd5Update(HM, p + AUTH_HEADER_WITH_MIC, len - AUTH_HEADER_WITH_MIC);
      hmacMd5Final(HM, TMP);
      if (!ctEqual(TMP, p + AUTH_MIC_OFFSET, 16)) {
        wipe(sk, 16);
        return NTLM_LOGON_FAILURE;
      }
      this.micPresent = true;
    }
    this.hasSessionKey = true;
    return NTLM_OK_USER;
  }

  /** Signature (3.4.4.2, seqNum 0) over data with the keys of one direction; false without a key or ESS. */
  private sign(data: usize, len: i32, clientToServer: bool, out: usize): bool {
    const flags = this.negotiateFlags;
    if (!this.hasSessionKey || (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) == 0) return false;
    const sk = changetype<usize>(this.sessionKey);
    ntlmSignKey(sk, clientToServer, SIGN_KEY);
    let seal: usize = 0;
    if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
      ntlmSealKey(sk, flags, clientToServer, SEAL_KEY);
      rc4Init(RC, SEAL_KEY, 16);
      seal = RC;
    }
    ntlmMac(SIGN_KEY, seal, 0, data, len, out);
    return true;
  }

  /** Verifies the client's SPNEGO mechListMIC (client-to-server keys, seqNum 0) over the DER mechTypes. */
  verifyMechListMic(data: usize, len: i32, mic: usize, micLen: i32): bool {
    let ok = false;
    if (micLen == 16) {
      const expected = new StaticArray<u8>(16);
      const e = changetype<usize>(expected);
      if (this.sign(data, len, true, e)) ok = ctEqual(e, mic, 16);
      wipe(e, 16);
    }
    wipeScratch();
    return ok;
  }

  /** The server's mechListMIC (server-to-client keys, seqNum 0) over the DER mechTypes; empty without a key. */
  makeMechListMic(data: usize, len: i32): Uint8Array {
    const out = new Uint8Array(16);
    const ok = this.sign(data, len, false, out.dataStart);
    wipeScratch();
    return ok ? out : new Uint8Array(0);
  }

  /** Wipes the session key and forgets the exchange. */
  dispose(): void {
    wipe(changetype<usize>(this.sessionKey), 16);
    this.hasSessionKey = false;
    this.negotiateMsg = new Uint8Array(0);
    this.challengeMsg = new Uint8Array(0);
    this.result = NTLM_INVALID;
  }
}

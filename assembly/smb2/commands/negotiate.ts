// MS-SMB2 2.2.3/2.2.4 NEGOTIATE (3.3.5.4), incl. 3.1.1 negotiate contexts (2.2.3.1), and the
// SMB1 NEGOTIATE that offers "SMB 2.???"/"SMB 2.002" (3.3.5.3.1).
import * as H from "../header";
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { globalCfg, SIGNING_MANDATORY, DIALECT_202, DIALECT_210, DIALECT_300, DIALECT_302, DIALECT_311, DIALECT_WILDCARD } from "../../config";
import { serverGuid, serverStartMs, MAX_IO_SIZE, MAX_IO_SIZE_202 } from "../server";
import { now_ms, random_fill } from "../../abi/imports";
import { msToFiletime } from "../../fs/stat";
import { align8 } from "../../util/bytes";
import { bufAlloc } from "../../util/buffers";
import { sendBuffer, disconnect } from "../transport";
import { preauthUpdate } from "../preauth";
import { spnegoNegTokenInit2 } from "../../auth/spnego";
import { logInfo } from "../../util/log";
import { chooseCipher, cipherFor30 } from "../encryption";

export const SMB2_NEGOTIATE_SIGNING_ENABLED: u16 = 0x0001;
export const SMB2_NEGOTIATE_SIGNING_REQUIRED: u16 = 0x0002;

export const SMB2_GLOBAL_CAP_DFS: u32 = 0x01;
export const SMB2_GLOBAL_CAP_LEASING: u32 = 0x02;
export const SMB2_GLOBAL_CAP_LARGE_MTU: u32 = 0x04;
export const SMB2_GLOBAL_CAP_MULTI_CHANNEL: u32 = 0x08;
export const SMB2_GLOBAL_CAP_PERSISTENT_HANDLES: u32 = 0x10;
export const SMB2_GLOBAL_CAP_DIRECTORY_LEASING: u32 = 0x20;
export const SMB2_GLOBAL_CAP_ENCRYPTION: u32 = 0x40;

const SMB2_PREAUTH_INTEGRITY_CAPABILITIES: u16 = 1;
const SMB2_ENCRYPTION_CAPABILITIES: u16 = 2;
const SMB2_SIGNING_CAPABILITIES: u16 = 8;
const SHA_512: u16 = 1;
export const SIGNING_HMAC_SHA256: u16 = 0;
export const SIGNING_AES_CMAC: u16 = 1;
export const SIGNING_AES_GMAC: u16 = 2;
const STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP: u32 = 0xc05d0000;

const MAX_DIALECTS: u16 = 64;

function dialectAllowed(d: u16): bool {
  return d >= globalCfg.minProtocol && d <= globalCfg.maxProtocol;
}

function securityMode(): u16 {
  let m = SMB2_NEGOTIATE_SIGNING_ENABLED;
  if (globalCfg.signing == SIGNING_MANDATORY) m |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
  return m;
}

function capabilitiesFor(c: Conn, dialect: u16): u32 {
  let caps: u32 = 0;
  // 3.0/3.0.2 announce encryption by capability; 3.1.1 by the negotiate context (3.3.5.4)
  if ((dialect == DIALECT_300 || dialect == DIALECT_302) && c.cipherId != 0) caps |= SMB2_GLOBAL_CAP_ENCRYPTION;
  if (dialect >= DIALECT_210 && dialect != DIALECT_WILDCARD) caps |= SMB2_GLOBAL_CAP_LARGE_MTU;
  // Leases (v1 on 2.1, v2 on 3.x) and directory leases (3.x): oplock/
  if (dialect >= DIALECT_210 && dialect != DIALECT_WILDCARD) caps |= SMB2_GLOBAL_CAP_LEASING;
  if (dialect >= DIALECT_300 && dialect != DIALECT_WILDCARD) caps |= SMB2_GLOBAL_CAP_DIRECTORY_LEASING;
  // Multichannel (3.x, when the client offers it too): session binding, commands/session_bind.ts
  if (dialect >= DIALECT_300 && dialect != DIALECT_WILDCARD && globalCfg.multiChannel &&
    (c.clientCapabilities & SMB2_GLOBAL_CAP_MULTI_CHANNEL) != 0) caps |= SMB2_GLOBAL_CAP_MULTI_CHANNEL;
  return caps;
}

/** Writes the fixed NEGOTIATE response body at o (64 bytes) and the security buffer. */
function writeBody(c: Conn, o: usize, dialect: u16, token: Uint8Array): u32 {
  const big = dialect != DIALECT_202 && dialect != DIALECT_WILDCARD;
  const io = big ? MAX_IO_SIZE : MAX_IO_SIZE_202;
  store<u16>(o, 65, 0);
  store<u16>(o, securityMode(), 2);
  store<u16>(o, dialect, 4);
  store<u16>(o, 0, 6);
  memory.copy(o + 8, serverGuid(), 16);
  store<u32>(o, capabilitiesFor(c, dialect), 24);
  store<u32>(o, io, 28);
  store<u32>(o, io, 32);
  store<u32>(o, io, 36);
  store<u64>(o, msToFiletime(now_ms()), 40);
  store<u64>(o, 0, 48);
  store<u16>(o, 128, 56); // SecurityBufferOffset: header (64) + fixed body (64)
  store<u16>(o, <u16>token.byteLength, 58);
  store<u32>(o, 0, 60);
  memory.copy(o + 64, token.dataStart, <usize>token.byteLength);
  c.maxReadSize = io;
  c.maxWriteSize = io;
  c.maxTransactSize = io;
  return 64 + <u32>token.byteLength;
}

/** Parses 3.1.1 negotiate contexts; returns a status, fills c.signingAlgorithm/cipherId. */
function parseContexts(r: Request, c: Conn, flags: StaticArray<bool>): u32 {
  const b = r.body;
  const off = load<u32>(b, 28);
  const count = load<u16>(b, 32);
  if (count == 0) return S.STATUS_INVALID_PARAMETER;
  let p = off;
  let sawPreauth = false;
  let sawSigning = false;
  c.signingAlgorithm = SIGNING_AES_CMAC;
  for (let i: u16 = 0; i < count; i++) {
    if (i > 0) p = align8(p);
    // P7: every context must lie inside the request
    if (<u64>p + 8 > <u64>r.cmdLen) return S.STATUS_INVALID_PARAMETER;
    const ctx = r.hdr + <usize>p;
    const type = load<u16>(ctx, 0);
    const len = <u32>load<u16>(ctx, 2);
    if (<u64>p + 8 + <u64>len > <u64>r.cmdLen) return S.STATUS_INVALID_PARAMETER;
    const d = ctx + 8;
    if (type == SMB2_PREAUTH_INTEGRITY_CAPABILITIES) {
      if (sawPreauth || len < 4) return S.STATUS_INVALID_PARAMETER;
      sawPreauth = true;
      const n = <u32>load<u16>(d, 0);
      const saltLen = <u32>load<u16>(d, 2);
      if (n == 0 || <u32>4 + n * 2 + saltLen > len) return S.STATUS_INVALID_PARAMETER;
      let sha = false;
      for (let k: u32 = 0; k < n; k++) if (load<u16>(d + 4 + k * 2) == SHA_512) sha = true;
      if (!sha) return STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP;
    } else if (type == SMB2_ENCRYPTION_CAPABILITIES) {
      if (len < 2 || unchecked(flags[0])) return S.STATUS_INVALID_PARAMETER; // at most one (3.3.5.4)
      const n = <u32>load<u16>(d, 0);
      if (n == 0 || <u32>2 + n * 2 > len) return S.STATUS_INVALID_PARAMETER;
      unchecked((flags[0] = true));
      c.cipherId = chooseCipher(d + 2, n);
    } else if (type == SMB2_SIGNING_CAPABILITIES) {
      if (len < 2 || sawSigning) return S.STATUS_INVALID_PARAMETER; // at most one
      const n = <u32>load<u16>(d, 0);
      if (n == 0 || <u32>2 + n * 2 > len) return S.STATUS_INVALID_PARAMETER;
      sawSigning = true;
      // The client lists algorithms most preferred first: take the first one we implement.
      let best: i32 = -1;
      for (let k: u32 = 0; k < n && best < 0; k++) {
        const a = load<u16>(d + 2 + k * 2);
        if (a == SIGNING_AES_GMAC || a == SIGNING_AES_CMAC || a == SIGNING_HMAC_SHA256) {
          best = <i32>a;
          c.signingAlgorithm = a;
        }
      }
      if (best < 0) return S.STATUS_INVALID_PARAMETER;
      unchecked((flags[1] = true));
    }
    // other context types (compression, netname, transport, RDMA) are ignored: not supported
    p += 8 + len;
  }
  if (!sawPreauth) return S.STATUS_INVALID_PARAMETER;
  if (!sawSigning) c.signingAlgorithm = SIGNING_AES_CMAC;
  return S.STATUS_SUCCESS;
}

/** Appends a negotiate context (type, data length) at offset off (from header); returns new end. */
function putContextHeader(h: usize, off: u32, type: u16, len: u16): usize {
  const p = h + <usize>off;
  store<u16>(p, type, 0);
  store<u16>(p, len, 2);
  store<u32>(p, 0, 4);
  return p + 8;
}

export function smb2Negotiate(r: Request): u32 {
  const c = r.conn as Conn;
  if (c.negotiated) {
    disconnect(c, "second NEGOTIATE on a connection");
    return S.STATUS_INVALID_PARAMETER;
  }
  const b = r.body;
  const count = load<u16>(b, 2);
  if (count == 0 || count > MAX_DIALECTS || <u32>36 + <u32>count * 2 > r.bodyLen) return S.STATUS_INVALID_PARAMETER;
  let best: u16 = 0;
  for (let i: u16 = 0; i < count; i++) {
    const d = load<u16>(b + 36 + <usize>i * 2);
    store<u16>(c.clientDialects() + <usize>i * 2, d);
    if (d != DIALECT_WILDCARD && dialectAllowed(d) && d > best &&
        (d == DIALECT_202 || d == DIALECT_210 || d == DIALECT_300 || d == DIALECT_302 || d == DIALECT_311)) best = d;
  }
  c.clientDialectCount = count;
  if (best == 0) {
    logInfo("No common dialect with " + c.peer);
    return S.STATUS_NOT_SUPPORTED;
  }
  c.clientSecurityMode = load<u16>(b, 4);
  c.clientCapabilities = load<u32>(b, 8);
  memory.copy(c.clientGuid(), b + 12, 16);
  const flags = new StaticArray<bool>(2);
  if (best == DIALECT_311) {
    const st = parseContexts(r, c, flags);
    if (st != S.STATUS_SUCCESS) return st;
    memory.fill(c.preauthHash, 0, 64);
    preauthUpdate(c.preauthHash, r.hdr, r.cmdLen);
  } else {
    c.signingAlgorithm = best >= DIALECT_300 ? SIGNING_AES_CMAC : SIGNING_HMAC_SHA256;
    c.cipherId = best >= DIALECT_300 ? cipherFor30(c.clientCapabilities) : 0;
  }
  const token = spnegoNegTokenInit2();
  // body (64) + token + contexts (each at most 8 + 38, 8-aligned)
  if (!r.reserve(64 + <u32>token.byteLength + 8 + 48 * 3)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const o = r.out;
  let len = writeBody(c, o, best, token);
  if (best == DIALECT_311) {
    const h = r.rh;
    let off = align8(64 + len);
    store<u32>(o, off, 60);
    let n: u16 = 1;
    let d = putContextHeader(h, off, SMB2_PREAUTH_INTEGRITY_CAPABILITIES, 38);
    store<u16>(d, 1, 0);
    store<u16>(d, 32, 2);
    store<u16>(d, SHA_512, 4);
    random_fill(d + 6, 32);
    off = align8(off + 8 + 38);
    if (unchecked(flags[0])) {
      d = putContextHeader(h, off, SMB2_ENCRYPTION_CAPABILITIES, 4);
      store<u16>(d, 1, 0);
      store<u16>(d, c.cipherId, 2);
      off = align8(off + 8 + 4);
      n++;
    }
    if (unchecked(flags[1])) {
      d = putContextHeader(h, off, SMB2_SIGNING_CAPABILITIES, 4);
      store<u16>(d, 1, 0);
      store<u16>(d, c.signingAlgorithm, 2);
      off = off + 8 + 4;
      n++;
    }
    store<u16>(o, n, 6);
    len = off - 64;
    r.hashResponse = c.preauthHash;
  }
  r.outLen = len;
  c.dialect = best;
  c.negotiated = true;
  c.supportsMultiCredit = best != DIALECT_202;
  c.serverSecurityMode = securityMode();
  c.serverCapabilities = capabilitiesFor(c, best);
  return S.STATUS_SUCCESS;
}

/**
 * An SMB1 NEGOTIATE (MS-SMB2 3.3.5.3.1): answer with an SMB2 NEGOTIATE response for
 * dialect 0x02FF if the client offers "SMB 2.???", or 0x0202 if only "SMB 2.002".
 */
export function onSmb1Negotiate(c: Conn, frame: usize, size: u32): void {
  // SMB1 header (32 bytes), WordCount (1), ByteCount (2), dialect strings 0x02 "name" 0x00
  if (size < 35 || load<u8>(frame, 4) != 0x72) {
    disconnect(c, "SMB1 request other than NEGOTIATE");
    return;
  }
  const wc = <u32>load<u8>(frame, 32);
  const bcOff: u32 = 33 + wc * 2;
  if (bcOff + 2 > size) {
    disconnect(c, "truncated SMB1 NEGOTIATE");
    return;
  }
  const bc = <u32>load<u16>(frame + <usize>bcOff);
  let p: u32 = bcOff + 2;
  const end = p + bc <= size ? p + bc : size;
  let wildcard = false;
  let smb202 = false;
  while (p < end) {
    if (load<u8>(frame + <usize>p) != 0x02) break;
    p++;
    const start = p;
    while (p < end && load<u8>(frame + <usize>p) != 0) p++;
    const name = String.UTF8.decodeUnsafe(frame + <usize>start, <usize>(p - start));
    if (name == "SMB 2.???") wildcard = true;
    else if (name == "SMB 2.002") smb202 = true;
    p++;
  }
  let dialect: u16 = 0;
  if (wildcard && globalCfg.maxProtocol >= DIALECT_210) dialect = DIALECT_WILDCARD;
  else if ((wildcard || smb202) && dialectAllowed(DIALECT_202)) dialect = DIALECT_202;
  if (dialect == 0) {
    disconnect(c, "SMB1 NEGOTIATE without an SMB2 dialect (SMB1 is not supported)");
    return;
  }
  const token = spnegoNegTokenInit2();
  const bodyCap = 64 + <u32>token.byteLength;
  const cap = <usize>(4 + 64 + bodyCap);
  const buf = bufAlloc(cap);
  if (buf == 0) {
    disconnect(c, "out of memory");
    return;
  }
  memory.fill(buf, 0, cap);
  const h = buf + 4;
  store<u32>(h, H.SMB2_PROTOCOL_ID, 0);
  store<u16>(h, 64, 4);
  store<u16>(h, H.SMB2_NEGOTIATE, 12);
  store<u16>(h, 1, 14); // one credit
  store<u32>(h, H.SMB2_FLAGS_SERVER_TO_REDIR, 16);
  const len = writeBody(c, h + 64, dialect, token);
  const total = 64 + len;
  store<u32>(buf, bswap<u32>(total));
  c.credits.low = 1; // MessageId 0 was the SMB1 request
  c.credits.high = 2;
  if (dialect == DIALECT_202) {
    c.dialect = DIALECT_202;
    c.negotiated = true;
    c.signingAlgorithm = SIGNING_HMAC_SHA256;
    c.serverSecurityMode = securityMode();
  } else {
    c.smb1Upgraded = true;
  }
  sendBuffer(c, buf, cap, total + 4);
}

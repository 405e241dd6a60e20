// MS-SMB2 2.2.31/2.2.32 IOCTL (3.3.5.15): FSCTL_VALIDATE_NEGOTIATE_INFO (3.3.5.15.12) and
// FSCTL_PIPE_TRANSCEIVE (3.3.5.15.2). Other FSCTLs are answered STATUS_NOT_SUPPORTED.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { lookupOpen } from "../../fs/handles";
import { disconnect } from "../transport";
import { chargeCovers } from "../credits";
import { serverGuid } from "../server";
import { DIALECT_311 } from "../../config";

export const FSCTL_DFS_GET_REFERRALS: u32 = 0x00060194;
export const FSCTL_DFS_GET_REFERRALS_EX: u32 = 0x000601b0;
export const FSCTL_PIPE_TRANSCEIVE: u32 = 0x0011c017;
export const FSCTL_VALIDATE_NEGOTIATE_INFO: u32 = 0x00140204;
const SMB2_0_IOCTL_IS_FSCTL: u32 = 0x00000001;
const OUT_OFFSET: u32 = 64 + 48;

@inline function CtlCode(b: usize): u32 { return load<u32>(b, 4); }
@inline function InputOffset(b: usize): u32 { return load<u32>(b, 24); }
@inline function InputCount(b: usize): u32 { return load<u32>(b, 28); }
@inline function MaxOutputResponse(b: usize): u32 { return load<u32>(b, 44); }
@inline function IoctlFlags(b: usize): u32 { return load<u32>(b, 48); }

/** Fills the fixed response around `n` output bytes already at out+48. */
function respond(r: Request, n: u32): void {
  const b = r.body;
  const o = r.out;
  store<u16>(o, 49, 0);
  store<u16>(o, 0, 2);
  store<u32>(o, CtlCode(b), 4);
  memory.copy(o + 8, b + 8, 16); // FileId
  store<u32>(o, OUT_OFFSET, 24); // InputOffset (no input echoed)
  store<u32>(o, 0, 28);
  store<u32>(o, OUT_OFFSET, 32);
  store<u32>(o, n, 36);
  store<u32>(o, 0, 40);
  store<u32>(o, 0, 44);
  r.outLen = 48 + (n == 0 ? 1 : n);
  if (n == 0) store<u8>(o, 0, 48);
}

export function smb2Ioctl(r: Request): u32 {
  const b = r.body;
  const c = r.conn as Conn;
  const code = CtlCode(b);
  if ((IoctlFlags(b) & SMB2_0_IOCTL_IS_FSCTL) == 0) return S.STATUS_NOT_SUPPORTED;
  const maxOut = MaxOutputResponse(b);
  if (maxOut > c.maxTransactSize) return S.STATUS_INVALID_PARAMETER;
  const inCount = InputCount(b);
  if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, inCount > maxOut ? inCount : maxOut)) return S.STATUS_INVALID_PARAMETER;
  const input = r.hdr + <usize>InputOffset(b);
  switch (code) {
    case FSCTL_VALIDATE_NEGOTIATE_INFO: return validateNegotiate(r, c, input, inCount, maxOut);
    case FSCTL_PIPE_TRANSCEIVE: {
      const o = lookupOpen(r, b + 8);
      if (o === null) return S.STATUS_FILE_CLOSED;
      const pipe = o.pipe;
      if (pipe === null) return S.STATUS_INVALID_DEVICE_REQUEST;
      const st = pipe.write(input, <i32>inCount);
      if (st != S.STATUS_SUCCESS) return st;
      if (!r.reserve(48 + maxOut)) return S.STATUS_INSUFFICIENT_RESOURCES;
      const n = pipe.read(r.out + 48, <i32>maxOut);
      respond(r, n < 0 ? 0 : <u32>n);
      if (pipe.moreData()) {
        r.bodyReady = true;
        return S.STATUS_BUFFER_OVERFLOW;
      }
      return S.STATUS_SUCCESS;
    }
    case FSCTL_DFS_GET_REFERRALS:
    case FSCTL_DFS_GET_REFERRALS_EX:
      return S.STATUS_FS_DRIVER_REQUIRED; // no DFS namespace is served (as Samba without msdfs)
  }
  return S.STATUS_NOT_SUPPORTED;
}

/**
 * The client repeats what it sent in NEGOTIATE; any difference means the negotiation was
 * tampered with, and the connection is terminated (3.3.5.15.12).
 */
function validateNegotiate(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  if (load<u64>(r.body, 8) != 0xffffffffffffffff || load<u64>(r.body, 16) != 0xffffffffffffffff) return S.STATUS_INVALID_PARAMETER;
  // 3.1.1 protects the negotiation with the preauth hash instead: a request is an attack.
  if (c.dialect == DIALECT_311) {
    disconnect(c, "FSCTL_VALIDATE_NEGOTIATE_INFO on an SMB 3.1.1 connection");
    return S.STATUS_ACCESS_DENIED;
  }
  if (inCount < 24) return S.STATUS_INVALID_PARAMETER;
  const count = <u32>load<u16>(input, 22);
  if (<u32>24 + count * 2 > inCount) return S.STATUS_INVALID_PARAMETER;
  if (maxOut < 24) {
    disconnect(c, "FSCTL_VALIDATE_NEGOTIATE_INFO with MaxOutputResponse " + maxOut.toString() + " (< 24)");
    return S.STATUS_ACCESS_DENIED;
  }
  let same = load<u32>(input, 0) == c.clientCapabilities &&
    load<u64>(input, 4) == load<u64>(c.clientGuid()) && load<u64>(input, 12) == load<u64>(c.clientGuid(), 8) &&
    load<u16>(input, 20) == c.clientSecurityMode && count == <u32>c.clientDialectCount;
  for (let i: u32 = 0; same && i < count; i++) {
    if (load<u16>(input + 24 + <usize>i * 2) != load<u16>(c.clientDialects() + <usize>i * 2)) same = false;
  }
  if (!same) {
    disconnect(c, "FSCTL_VALIDATE_NEGOTIATE_INFO does not match the NEGOTIATE request");
    return S.STATUS_ACCESS_DENIED;
  }
  if (!r.reserve(48 + 24)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const o = r.out + 48;
  store<u32>(o, c.serverCapabilities, 0);
  memory.copy(o + 4, serverGuid(), 16);
  store<u16>(o, c.serverSecurityMode, 20);
  store<u16>(o, c.dialect, 22);
  respond(r, 24);
  return S.STATUS_SUCCESS;
}

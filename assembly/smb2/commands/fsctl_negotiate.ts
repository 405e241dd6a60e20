// MS-SMB2 3.3.5.15.12 FSCTL_VALIDATE_NEGOTIATE_INFO: the client repeats what it sent in
// NEGOTIATE; any difference means the negotiation was tampered with, and the connection ends.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { disconnect } from "../transport";
import { serverGuid } from "../server";
import { DIALECT_311 } from "../../config";
import { respond, outBuffer } from "./fsctl";

/** VALIDATE_NEGOTIATE_INFO response (2.2.32.6): Capabilities, Guid, SecurityMode, Dialect. */
const RESPONSE_SIZE: u32 = 24;

/** FSCTL_VALIDATE_NEGOTIATE_INFO (ioctl.ts has checked that FileId is all-ones). */
export function fsctlValidateNegotiate(r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32): u32 {
  // 3.1.1 protects the negotiation with the preauth hash instead: a request is an attack.
  if (c.dialect == DIALECT_311) {
    disconnect(c, "FSCTL_VALIDATE_NEGOTIATE_INFO on an SMB 3.1.1 connection");
    return S.STATUS_ACCESS_DENIED;
  }
  if (inCount < 24) return S.STATUS_INVALID_PARAMETER;
  const count = <u32>load<u16>(input, 22);
  if (<u32>24 + count * 2 > inCount) return S.STATUS_INVALID_PARAMETER;
  if (maxOut < RESPONSE_SIZE) {
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
  if (!r.reserve(48 + RESPONSE_SIZE)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const o = outBuffer(r);
  store<u32>(o, c.serverCapabilities, 0);
  memory.copy(o + 4, serverGuid(), 16);
  store<u16>(o, c.serverSecurityMode, 20);
  store<u16>(o, c.dialect, 22);
  respond(r, RESPONSE_SIZE);
  return S.STATUS_SUCCESS;
}

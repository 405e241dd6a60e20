// Commands not implemented yet, answered honestly: MS-SMB2 2.2.24 OPLOCK_BREAK acknowledgments (3.3.5.22).
// No oplock or lease is ever granted, so there is never a break to acknowledge.
import * as S from "../status";
import { Request } from "../request";

const STATUS_INVALID_OPLOCK_PROTOCOL: u32 = 0xc00000e3;

export function smb2OplockBreak(r: Request): u32 {
  return STATUS_INVALID_OPLOCK_PROTOCOL;
}

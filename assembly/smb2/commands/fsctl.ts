// MS-SMB2 2.2.31/2.2.32 IOCTL: request fields, FSCTL codes and the response layout shared by
// the FSCTL handlers (fsctl_*.ts) that ioctl.ts dispatches to.
import { Request } from "../request";
import { Conn } from "../conn";

export const FSCTL_DFS_GET_REFERRALS: u32 = 0x00060194;
export const FSCTL_DFS_GET_REFERRALS_EX: u32 = 0x000601b0;
export const FSCTL_PIPE_TRANSCEIVE: u32 = 0x0011c017;
export const FSCTL_SRV_REQUEST_RESUME_KEY: u32 = 0x00140078;
export const FSCTL_VALIDATE_NEGOTIATE_INFO: u32 = 0x00140204;
export const FSCTL_QUERY_NETWORK_INTERFACE_INFO: u32 = 0x001401fc;
export const FSCTL_SRV_COPYCHUNK: u32 = 0x001440f2;
export const FSCTL_SRV_COPYCHUNK_WRITE: u32 = 0x001480f2;
export const FSCTL_GET_OBJECT_ID: u32 = 0x0009009c;
export const FSCTL_CREATE_OR_GET_OBJECT_ID: u32 = 0x000900c0;

/** Buffer offset of every IOCTL response: header (64) + fixed body (48); no input is echoed. */
const OUT_OFFSET: u32 = 64 + 48;

/**
 * Handles one FSCTL. `input` is the InputCount bytes of the request, `maxOut` its
 * MaxOutputResponse. r.open is the open FileId names (null for the FSCTLs that take none).
 * Handlers that wait for host I/O are called again with r.step != 0 (same arguments).
 */
export type FsctlHandler = (r: Request, c: Conn, input: usize, inCount: u32, maxOut: u32) => u32;

@inline export function CtlCode(b: usize): u32 { return load<u32>(b, 4); }
@inline export function InputOffset(b: usize): u32 { return load<u32>(b, 24); }
@inline export function InputCount(b: usize): u32 { return load<u32>(b, 28); }
@inline export function MaxInputResponse(b: usize): u32 { return load<u32>(b, 32); }
@inline export function MaxOutputResponse(b: usize): u32 { return load<u32>(b, 44); }
@inline export function IoctlFlags(b: usize): u32 { return load<u32>(b, 48); }

/** The response's Buffer (valid after r.reserve(48 + n), until the next reserve). */
@inline export function outBuffer(r: Request): usize {
  return r.out + 48;
}

/**
 * Fills the fixed part of the response (2.2.32) around `n` output bytes already written at
 * outBuffer(r) (reserve 48 + n first). FileId is the open's, or all-ones when there is none.
 */
export function respond(r: Request, n: u32): void {
  const b = r.body;
  const o = r.out;
  store<u16>(o, 49, 0);
  store<u16>(o, 0, 2);
  store<u32>(o, CtlCode(b), 4);
  const open = r.open;
  if (open !== null) {
    store<u64>(o, open.persistentId, 8);
    store<u64>(o, open.volatileId, 16);
  } else {
    store<u64>(o, 0xffffffffffffffff, 8);
    store<u64>(o, 0xffffffffffffffff, 16);
  }
  store<u32>(o, OUT_OFFSET, 24); // InputOffset
  store<u32>(o, 0, 28); // InputCount
  store<u32>(o, OUT_OFFSET, 32); // OutputOffset
  store<u32>(o, n, 36); // OutputCount
  store<u32>(o, 0, 40); // Flags
  store<u32>(o, 0, 44); // Reserved2
  r.outLen = 48 + (n == 0 ? 1 : n);
  if (n == 0) store<u8>(o, 0, 48);
}

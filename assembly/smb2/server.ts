// Server-wide identity and limits (MS-SMB2 3.3.1.5 global state).
import { random_fill } from "../abi/imports";
import { now_ms } from "../abi/imports";

/** Largest READ/WRITE/transact payload for 2.1+ with multi-credit (as Samba: 8 MiB). */
export const MAX_IO_SIZE: u32 = 8 << 20;
/** 2.0.2 has no multi-credit requests: 64 KiB. */
export const MAX_IO_SIZE_202: u32 = 65536;

const guid = memory.data(16);
let guidSet = false;

/** The 16-byte ServerGuid (random per process). */
export function serverGuid(): usize {
  if (!guidSet) {
    random_fill(guid, 16);
    guidSet = true;
  }
  return guid;
}

let startMs: f64 = 0;
export function serverStartMs(): f64 {
  if (startMs == 0) startMs = now_ms();
  return startMs;
}

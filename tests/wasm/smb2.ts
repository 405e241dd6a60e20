// Test exports for the SMB2 codec layer: validation table, credit window, paths, wildcards.
export * from "./_common";
import { validateRequest } from "../../assembly/smb2/validate";
import { CreditWindow, chargeCovers } from "../../assembly/smb2/credits";
import { parseSmbPath } from "../../assembly/fs/path";
import { matchName } from "../../assembly/fs/wildcard";
import { msToFiletime, filetimeToMs } from "../../assembly/fs/stat";
import { errnoToStatus } from "../../assembly/fs/errno";

let lastText = "";

/** Validates a request at p; returns 1 if valid, else 0 (reason via last_text). */
export function validate(p: usize, len: u32): i32 {
  lastText = validateRequest(p, len);
  return lastText.length == 0 ? 1 : 0;
}

/** Writes the last text (UTF-16) at out (cap bytes); returns its byte length. */
export function last_text(out: usize, cap: i32): i32 {
  const n = min(lastText.length << 1, cap);
  memory.copy(out, changetype<usize>(lastText), <usize>n);
  return n;
}

/** Parses an SMB path; returns the NTSTATUS and leaves the path in last_text. */
export function parse_path(p: usize, bytes: u32): u32 {
  const r = parseSmbPath(p, bytes);
  lastText = r.path;
  return r.status;
}

let window: CreditWindow | null = null;
export function credits_new(): void {
  const w = new CreditWindow();
  w.init();
  window = w;
}
export function credits_consume(id: u64, charge: u32): i32 {
  return (window as CreditWindow).consume(id, charge) ? 1 : 0;
}
export function credits_grant(requested: u16, charge: u16): u16 {
  return (window as CreditWindow).grant(requested, charge);
}
export function credits_low(): u64 {
  return (window as CreditWindow).low;
}
export function credits_high(): u64 {
  return (window as CreditWindow).high;
}
export function charge_covers(charge: u16, multi: i32, payload: u32): i32 {
  return chargeCovers(charge, multi != 0, payload) ? 1 : 0;
}

export function match_name(pat: usize, patBytes: i32, name: usize, nameBytes: i32): i32 {
  return matchName(String.UTF16.decodeUnsafe(pat, patBytes), String.UTF16.decodeUnsafe(name, nameBytes)) ? 1 : 0;
}

export function ms_to_filetime(ms: f64): u64 {
  return msToFiletime(ms);
}
export function filetime_to_ms(ft: u64): f64 {
  return filetimeToMs(ft);
}
export function errno_status(e: i32): u32 {
  return errnoToStatus(e);
}

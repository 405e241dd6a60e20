// Test exports for assembly/fs/shortname.ts: the 8.3 name of a UTF-8 name, and the 8.3 check.
export * from "./_common";
import { isValid83, shortName, listingShortName } from "../../assembly/fs/shortname";

function str(p: usize, n: i32): string {
  return String.UTF8.decodeUnsafe(p, <usize>n);
}

/** shortName of the UTF-8 name at [p, p+n), written as UTF-8 to out (64 bytes); returns its length. */
export function short_name(p: usize, n: i32, out: usize): i32 {
  const b = String.UTF8.encode(shortName(str(p, n)));
  memory.copy(out, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}

/** listingShortName (empty for names that are 8.3 already), as short_name. */
export function listing_short_name(p: usize, n: i32, out: usize): i32 {
  const b = String.UTF8.encode(listingShortName(str(p, n)));
  memory.copy(out, changetype<usize>(b), <usize>b.byteLength);
  return b.byteLength;
}

/** 1 when the name is a valid 8.3 name. */
export function is_valid_83(p: usize, n: i32): i32 {
  return isValid83(str(p, n)) ? 1 : 0;
}

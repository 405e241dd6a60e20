// Test exports for assembly/util/bytes.ts.
export * from "./_common";
import { ctEqual } from "../../assembly/util/bytes";
export function ct_equal(a: usize, b: usize, n: i32): i32 {
  return ctEqual(a, b, n) ? 1 : 0;
}

// Test exports for assembly/fs/dosattrib.ts (Samba's user.DOSATTRIB codec) and assembly/fs/ea.ts
// (EA list validation, EA names, create-context lookup).
export * from "./_common";
import { dosattribDecode, dosattribEncode } from "../../assembly/fs/dosattrib";
import { validateFullEaList, validateGetEaList, eaNameOffset, findCreateContext, isInternalEa } from "../../assembly/fs/ea";

/** Decodes into out (16 bytes: u32 attrib, u32 flags, u64 create time); 1 = decoded. */
export function dosattrib_decode(p: usize, len: u32, out: usize): i32 {
  return dosattribDecode(p, len, out) ? 1 : 0;
}

/** Encodes version 5 with create time hi:lo; returns the length. */
export function dosattrib_encode(out: usize, attrib: u32, lo: u32, hi: u32): u32 {
  return dosattribEncode(out, attrib, (<u64>hi << 32) | <u64>lo);
}

export function validate_full_ea_list(p: usize, len: u32): u32 {
  return validateFullEaList(p, len);
}

export function validate_get_ea_list(p: usize, len: u32): u32 {
  return validateGetEaList(p, len);
}

export function ea_name_offset(p: usize, n: u32): u32 {
  return eaNameOffset(p, n);
}

export function is_internal_ea(p: usize, n: u32): i32 {
  return isInternalEa(p, n) ? 1 : 0;
}

/** findCreateContext; writes the i64 result at out. */
export function find_create_context(hdr: usize, cmdLen: u32, body: usize, tag: u32, out: usize): void {
  store<i64>(out, findCreateContext(hdr, cmdLen, body, tag));
}

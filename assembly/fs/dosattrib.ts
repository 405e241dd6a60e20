// Samba's `user.DOSATTRIB` xattr value (librpc/idl/xattr.idl xattr_DOSATTRIB, NDR little-endian):
// DOS attributes (MS-FSCC 2.6) and create time, stored so a share moves between Samba, ksmbd and
// this server. Layout: attrib_hex (NUL-terminated ASCII, "" since Samba 4), pad to 2, u16 version,
// u16 union level (= version), pad to 4, then xattr_DosInfo<version>:
//   1: attrib, ea_size, size(8), alloc_size(8), create_time(8), change_time(8)
//   2: flags, attrib, ea_size, size, alloc_size, create_time, change_time, write_time, name
//   3: valid_flags, attrib, ea_size, size, alloc_size, create_time, change_time
//   4: valid_flags, attrib, itime(8), create_time(8)
//   5: valid_flags, attrib, create_time(8)            ← what Samba 4.17 writes (24 bytes in all)
// A value that is only a hex string ("0x20", Samba 3) carries the attributes alone.

/** The xattr name Samba (source3) and ksmbd use. */
export const DOSATTRIB_NAME = "user.DOSATTRIB";

/** xattr_DosInfoValidFlags */
export const XATTR_DOSINFO_ATTRIB: u32 = 0x00000001;
export const XATTR_DOSINFO_CREATE_TIME: u32 = 0x00000010;

/** Bytes dosattribEncode writes (version 5). */
export const DOSATTRIB_V5_SIZE: u32 = 24;

/** Decoder output (16 bytes): u32 attrib, u32 flags (DECODED_*), u64 create time (FILETIME). */
export const DOSATTRIB_OUT_SIZE: u32 = 16;
export const DECODED_CREATE_TIME: u32 = 1;

@inline function align(n: u32, a: u32): u32 {
  return (n + a - 1) & ~(a - 1);
}

/** Parses "0x1f" / "1f" (at most 8 hex digits); -1 if not a hex number. */
function parseHex(p: usize, n: u32): i64 {
  let i: u32 = 0;
  if (n >= 2 && load<u8>(p) == 0x30 && (load<u8>(p + 1) | 0x20) == 0x78) i = 2;
  if (i >= n || n - i > 8) return -1;
  let v: u32 = 0;
  for (; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    let d: u32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return <i64>v;
}

function hexOnly(p: usize, n: u32, out: usize): bool {
  const v = parseHex(p, n);
  if (v < 0) return false;
  store<u32>(out, <u32>v, 0);
  store<u32>(out, 0, 4);
  store<u64>(out, 0, 8);
  return true;
}

function result(out: usize, attrib: u32, create: u64, createValid: bool): bool {
  store<u32>(out, attrib, 0);
  const ok = createValid && create != 0;
  store<u32>(out, ok ? DECODED_CREATE_TIME : 0, 4);
  store<u64>(out, ok ? create : 0, 8);
  return true;
}

/**
 * Decodes a DOSATTRIB value [p, p+len) of any version 1..5 (or a bare hex string) into out
 * (DOSATTRIB_OUT_SIZE bytes). Returns false for values Samba would reject too (truncated,
 * unknown version, version and level differing, no valid attributes); out is then untouched.
 */
export function dosattribDecode(p: usize, len: u32, out: usize): bool {
  if (len == 0) return false;
  let nul: u32 = 0;
  while (nul < len && load<u8>(p + <usize>nul) != 0) nul++;
  if (nul >= len || nul + 1 >= len) return hexOnly(p, nul, out);
  let off = align(nul + 1, 2);
  if (<u64>off + 4 > <u64>len) return false;
  const version = <u32>load<u16>(p + <usize>off);
  if (<u32>load<u16>(p + <usize>off, 2) != version) return false;
  off = align(off + 4, 4);
  const q = p + <usize>off;
  const room = len - (off <= len ? off : len);
  switch (version) {
    case 1:
      if (room < 40) return false;
      return result(out, load<u32>(q, 0), load<u64>(q, 24), true);
    case 2:
      if (room < 52) return false;
      return result(out, load<u32>(q, 4), load<u64>(q, 28), true);
    case 3: {
      if (room < 44) return false;
      const valid = load<u32>(q, 0);
      if ((valid & XATTR_DOSINFO_ATTRIB) == 0) return false;
      return result(out, load<u32>(q, 4), load<u64>(q, 28), (valid & XATTR_DOSINFO_CREATE_TIME) != 0);
    }
    case 4: {
      if (room < 24) return false;
      const valid = load<u32>(q, 0);
      if ((valid & XATTR_DOSINFO_ATTRIB) == 0) return false;
      return result(out, load<u32>(q, 4), load<u64>(q, 16), (valid & XATTR_DOSINFO_CREATE_TIME) != 0);
    }
    case 5: {
      if (room < 16) return false;
      const valid = load<u32>(q, 0);
      if ((valid & XATTR_DOSINFO_ATTRIB) == 0) return false;
      return result(out, load<u32>(q, 4), load<u64>(q, 8), (valid & XATTR_DOSINFO_CREATE_TIME) != 0);
    }
  }
  return false;
}

/**
 * Writes the version-5 value Samba 4.17 writes (DOSATTRIB_V5_SIZE bytes) at out: attributes
 * and, when createTime is not 0, the create time. Returns its length.
 */
export function dosattribEncode(out: usize, attrib: u32, createTime: u64): u32 {
  store<u16>(out, 0, 0); // attrib_hex "" and the pad to 2
  store<u16>(out, 5, 2); // version
  store<u16>(out, 5, 4); // union level
  store<u16>(out, 0, 6); // pad to 4
  store<u32>(out, XATTR_DOSINFO_ATTRIB | (createTime != 0 ? XATTR_DOSINFO_CREATE_TIME : 0), 8);
  store<u32>(out, attrib, 12);
  store<u64>(out, createTime, 16);
  return DOSATTRIB_V5_SIZE;
}

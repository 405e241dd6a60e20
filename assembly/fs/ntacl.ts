// Samba's NT ACL xattr value (librpc/idl/xattr.idl xattr_NTACL, NDR little-endian), kept in
// `security.NTACL` (or `user.NTACL` where the security namespace is closed), so a share moves
// between Samba's vfs_acl_xattr and this server. Layout: u16 version, u16 level (= version),
// u32 referent, then per version (the descriptor's offsets count from the blob's start):
//   1: the descriptor at 8
//   2: u32 sd referent, hash[16]; descriptor at 28
//   3: u32 sd referent, u16 hash_type, hash[64]; descriptor at 80
//   4: u32 sd referent, u16 hash_type, hash[64], description (UTF-8, NUL), pad to 4,
//      u64 time, sys_acl_hash[64], pad to 4; then the descriptor   ← what this server writes
// The hash is Samba's hash_sd_sha256: SHA-256 of the version-3 blob of the descriptor with a
// zero hash. Samba honours our descriptor with `acl_xattr:ignore system acls = yes`.
import * as D from "./sd";
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";

export const NTACL_NAME = "security.NTACL";
export const NTACL_USER_NAME = "user.NTACL";
export const XATTR_SD_HASH_TYPE_SHA256: u16 = 1;
const DESCRIPTION = "wasm-smb-server";
const V4_FIXED: u32 = 78; // version, level, referent, sd referent, hash_type, hash[64]

@inline function align4(n: u32): u32 {
  return (n + 3) & ~3;
}

/** Where the descriptor of a version-4 blob with this description length starts. */
function v4SdOffset(descLen: u32): u32 {
  return align4(align4(V4_FIXED + descLen + 1) + 8 + 64);
}

/** Size of the version-4 blob for a self-relative descriptor of sdLen bytes. */
export function ntaclSize(sdLen: u32): u32 {
  return v4SdOffset(<u32>DESCRIPTION.length) + sdLen;
}

/** Copies a self-relative descriptor (offsets from its start) to dst with offsets moved by base. */
function placeSd(dst: usize, sd: usize, sdLen: u32, base: u32): void {
  memory.copy(dst, sd, <usize>sdLen);
  for (let i: usize = 4; i <= 16; i += 4) {
    const o = load<u32>(dst + i);
    if (o != 0) store<u32>(dst + i, o + base);
  }
}

const ctx = memory.data(SHA256_CTX_SIZE, 8);
const hdr3 = memory.data(80);

/** Samba's hash_sd_sha256 of a self-relative descriptor (32 bytes at out), using scratch for the moved copy. */
export function ntaclSdHash(sd: usize, sdLen: u32, scratch: usize, out: usize): void {
  memory.fill(hdr3, 0, 80);
  store<u16>(hdr3, 3, 0);
  store<u16>(hdr3, 3, 2);
  store<u32>(hdr3, 0x00020000, 4);
  store<u32>(hdr3, 0x00020004, 8);
  store<u16>(hdr3, XATTR_SD_HASH_TYPE_SHA256, 12);
  placeSd(scratch, sd, sdLen, 80);
  sha256Init(ctx);
  sha256Update(ctx, hdr3, 80);
  sha256Update(ctx, scratch, <i32>sdLen);
  sha256Final(ctx, out);
  memory.fill(ctx, 0, SHA256_CTX_SIZE);
}

/**
 * Writes the version-4 blob of the self-relative descriptor [sd, sd+sdLen) at out (ntaclSize
 * bytes; scratch needs sdLen bytes for the hash) with time (FILETIME). Returns its length.
 */
export function ntaclEncode(out: usize, sd: usize, sdLen: u32, time: u64, scratch: usize): u32 {
  const descLen = <u32>DESCRIPTION.length;
  const sdOff = v4SdOffset(descLen);
  memory.fill(out, 0, <usize>sdOff);
  store<u16>(out, 4, 0);
  store<u16>(out, 4, 2);
  store<u32>(out, 0x00020000, 4);
  store<u32>(out, 0x00020004, 8);
  store<u16>(out, XATTR_SD_HASH_TYPE_SHA256, 12);
  ntaclSdHash(sd, sdLen, scratch, out + 14);
  for (let i: u32 = 0; i < descLen; i++) store<u8>(out + <usize>(V4_FIXED + i), <u8>DESCRIPTION.charCodeAt(i));
  const t = align4(V4_FIXED + descLen + 1);
  store<u64>(out + <usize>t, time);
  placeSd(out + <usize>sdOff, sd, sdLen, sdOff);
  return sdOff + sdLen;
}

/**
 * Finds and validates the descriptor in an NTACL blob [p, p+len) of version 1..4 and fills view
 * v (pointers into the blob). Hashes are not checked: this server is the authority for what it
 * reads (as Samba with `ignore system acls`). Returns STATUS_SUCCESS or an error status.
 */
export function ntaclDecode(p: usize, len: u32, v: usize): u32 {
  if (len < 12) return D.STATUS_INVALID_SECURITY_DESCR;
  const version = load<u16>(p);
  if (load<u16>(p, 2) != version || load<u32>(p, 4) == 0) return D.STATUS_INVALID_SECURITY_DESCR;
  let sdOff: u32;
  switch (version) {
    case 1: sdOff = 8; break;
    case 2: sdOff = 28; break;
    case 3: sdOff = 80; break;
    case 4: {
      if (len < V4_FIXED + 1) return D.STATUS_INVALID_SECURITY_DESCR;
      let e = V4_FIXED;
      while (e < len && load<u8>(p + <usize>e) != 0) e++;
      if (e >= len) return D.STATUS_INVALID_SECURITY_DESCR;
      sdOff = align4(align4(e + 1) + 8 + 64);
      break;
    }
    default: return D.STATUS_INVALID_SECURITY_DESCR;
  }
  if (version != 1 && load<u32>(p, 8) == 0) return D.STATUS_INVALID_SECURITY_DESCR; // NULL descriptor
  if (sdOff >= len) return D.STATUS_INVALID_SECURITY_DESCR;
  // Samba counts the descriptor's offsets from the blob's start; accept ones counted from the
  // descriptor too.
  const st = D.sdParseAt(p, len, sdOff, v, false);
  if (st == 0) return 0;
  return D.sdParseAt(p + <usize>sdOff, len - sdOff, 0, v, false);
}

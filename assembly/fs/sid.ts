// Security identifiers (MS-DTYP 2.4.2 SID, 2.4.2.4 well-known SIDs): validation, comparison,
// string form, construction, and the well-known SIDs the server's tokens and ACLs use.
// A SID is Revision(1) SubAuthorityCount(1) IdentifierAuthority(6, big-endian)
// SubAuthority[count](4 each, little-endian); 8 + 4 * count bytes, count at most 15.

export const SID_REVISION: u8 = 1;
export const SID_MAX_SUB_AUTHORITIES: u32 = 15;
/** Largest SID: 8 + 15 * 4 bytes. */
export const SID_MAX_SIZE: u32 = 68;

/** S-1-1-0 Everyone. */
export const SID_WORLD: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
/** S-1-3-0 CREATOR OWNER. */
export const SID_CREATOR_OWNER: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
/** S-1-3-1 CREATOR GROUP. */
export const SID_CREATOR_GROUP: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0]);
/** S-1-3-4 OWNER RIGHTS. */
export const SID_OWNER_RIGHTS: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0]);
/** S-1-5-2 NETWORK. */
export const SID_NETWORK: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 5, 2, 0, 0, 0]);
/** S-1-5-7 ANONYMOUS LOGON. */
export const SID_ANONYMOUS: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 5, 7, 0, 0, 0]);
/** S-1-5-11 Authenticated Users. */
export const SID_AUTHENTICATED_USERS: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0]);
/** S-1-5-18 LOCAL SYSTEM. */
export const SID_SYSTEM: usize = memory.data<u8>([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]);
/** S-1-5-32-544 BUILTIN\Administrators. */
export const SID_BUILTIN_ADMINISTRATORS: usize = memory.data<u8>([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0]);
/** S-1-5-32-545 BUILTIN\Users. */
export const SID_BUILTIN_USERS: usize = memory.data<u8>([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0]);
/** S-1-5-32-546 BUILTIN\Guests. */
export const SID_BUILTIN_GUESTS: usize = memory.data<u8>([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x22, 2, 0, 0]);

/** Well-known domain RIDs (MS-DTYP 2.4.2.4). */
export const DOMAIN_USER_RID_GUEST: u32 = 501;
export const DOMAIN_GROUP_RID_USERS: u32 = 513;
export const DOMAIN_GROUP_RID_GUESTS: u32 = 514;

/**
 * Length of the SID at p if it is valid and lies within avail bytes (revision 1, at most 15
 * sub-authorities), else -1. Reads nothing past p + avail.
 */
export function sidLength(p: usize, avail: u32): i32 {
  if (avail < 8) return -1;
  if (load<u8>(p) != SID_REVISION) return -1;
  const n = <u32>load<u8>(p, 1);
  if (n > SID_MAX_SUB_AUTHORITIES) return -1;
  const len: u32 = 8 + 4 * n;
  return len <= avail ? <i32>len : -1;
}

/** Size of a SID already validated (8 + 4 * SubAuthorityCount). */
@inline export function sidSize(p: usize): u32 {
  return 8 + 4 * <u32>load<u8>(p, 1);
}

/** Two validated SIDs are equal. */
export function sidEqual(a: usize, b: usize): bool {
  const n = sidSize(a);
  if (n != sidSize(b)) return false;
  for (let i: u32 = 0; i < n; i += 4) {
    if (load<u32>(a + <usize>i) != load<u32>(b + <usize>i)) return false;
  }
  return true;
}

/** IdentifierAuthority of a validated SID as a number (48 bits, big-endian on the wire). */
export function sidAuthority(p: usize): u64 {
  let v: u64 = 0;
  for (let i = 2; i < 8; i++) v = (v << 8) | <u64>load<u8>(p + <usize>i);
  return v;
}

/** SubAuthority i of a validated SID (i < count). */
@inline export function sidSubAuthority(p: usize, i: u32): u32 {
  return load<u32>(p + 8 + 4 * <usize>i);
}

/** "S-1-5-21-…" form of a validated SID (MS-DTYP 2.4.2.1; large authorities in hex). */
export function sidToString(p: usize): string {
  const auth = sidAuthority(p);
  let s = "S-1-" + (auth < 0x100000000 ? auth.toString() : "0x" + auth.toString(16).toUpperCase());
  const n = <u32>load<u8>(p, 1);
  for (let i: u32 = 0; i < n; i++) s += "-" + sidSubAuthority(p, i).toString();
  return s;
}

/**
 * Writes S-1-<authority>-<subs…> at out (room for 8 + 4 * subs.length bytes); returns its length,
 * or 0 when there are more than 15 sub-authorities.
 */
export function sidWrite(out: usize, authority: u64, subs: StaticArray<u32>): u32 {
  const n = <u32>subs.length;
  if (n > SID_MAX_SUB_AUTHORITIES) return 0;
  store<u8>(out, SID_REVISION, 0);
  store<u8>(out, <u8>n, 1);
  for (let i = 0; i < 6; i++) store<u8>(out + 2 + <usize>i, <u8>(authority >> (8 * (5 - <u64>i))));
  for (let i: u32 = 0; i < n; i++) store<u32>(out + 8 + 4 * <usize>i, unchecked(subs[i]));
  return 8 + 4 * n;
}

/** Parses a decimal number [i, end) of s; -1 if empty, not decimal or above 0xffffffff. */
function parseDec(s: string, i: i32, end: i32): i64 {
  if (i >= end || end - i > 10) return -1;
  let v: i64 = 0;
  for (let k = i; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + <i64>(c - 48);
  }
  return v <= 0xffffffff ? v : -1;
}

/** Parses "S-1-a-s1-…" (decimal authority) into out (SID_MAX_SIZE bytes); returns the length or -1. */
export function sidParse(s: string, out: usize): i32 {
  if (s.length < 5 || (s.charCodeAt(0) | 0x20) != 0x73 || s.charCodeAt(1) != 0x2d || s.charCodeAt(2) != 0x31 || s.charCodeAt(3) != 0x2d) return -1;
  const parts = s.substring(4).split("-");
  if (parts.length < 1 || parts.length > 16) return -1;
  const auth = parseDec(parts[0], 0, parts[0].length);
  if (auth < 0) return -1;
  const subs = new StaticArray<u32>(parts.length - 1);
  for (let i = 1; i < parts.length; i++) {
    const v = parseDec(parts[i], 0, parts[i].length);
    if (v < 0) return -1;
    unchecked((subs[i - 1] = <u32>v));
  }
  return <i32>sidWrite(out, <u64>auth, subs);
}

// Self-relative security descriptors, ACLs and ACEs (MS-DTYP 2.4.6 SECURITY_DESCRIPTOR, 2.4.5
// ACL, 2.4.4 ACEs): validate-first parsing into a view, and writing. Every offset, size and count
// is checked against the buffer before anything is read; nothing here traps on any input.
import * as W from "./sid";

// SECURITY_DESCRIPTOR_CONTROL (MS-DTYP 2.4.6)
export const SE_OWNER_DEFAULTED: u16 = 0x0001;
export const SE_GROUP_DEFAULTED: u16 = 0x0002;
export const SE_DACL_PRESENT: u16 = 0x0004;
export const SE_DACL_DEFAULTED: u16 = 0x0008;
export const SE_SACL_PRESENT: u16 = 0x0010;
export const SE_SACL_DEFAULTED: u16 = 0x0020;
export const SE_DACL_TRUSTED: u16 = 0x0040;
export const SE_SERVER_SECURITY: u16 = 0x0080;
export const SE_DACL_AUTO_INHERIT_REQ: u16 = 0x0100;
export const SE_SACL_AUTO_INHERIT_REQ: u16 = 0x0200;
export const SE_DACL_AUTO_INHERITED: u16 = 0x0400;
export const SE_SACL_AUTO_INHERITED: u16 = 0x0800;
export const SE_DACL_PROTECTED: u16 = 0x1000;
export const SE_SACL_PROTECTED: u16 = 0x2000;
export const SE_RM_CONTROL_VALID: u16 = 0x4000;
export const SE_SELF_RELATIVE: u16 = 0x8000;
/** Control bits that describe the DACL / the SACL. */
export const DACL_BITS: u16 = SE_DACL_PRESENT | SE_DACL_DEFAULTED | SE_DACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED | SE_DACL_PROTECTED | SE_DACL_TRUSTED;
export const SACL_BITS: u16 = SE_SACL_PRESENT | SE_SACL_DEFAULTED | SE_SACL_AUTO_INHERIT_REQ | SE_SACL_AUTO_INHERITED | SE_SACL_PROTECTED;

// ACE types (MS-DTYP 2.4.4.1)
export const ACCESS_ALLOWED_ACE_TYPE: u8 = 0x00;
export const ACCESS_DENIED_ACE_TYPE: u8 = 0x01;
export const SYSTEM_AUDIT_ACE_TYPE: u8 = 0x02;
export const SYSTEM_ALARM_ACE_TYPE: u8 = 0x03;
export const ACCESS_ALLOWED_OBJECT_ACE_TYPE: u8 = 0x05;
export const ACCESS_DENIED_OBJECT_ACE_TYPE: u8 = 0x06;
export const SYSTEM_AUDIT_OBJECT_ACE_TYPE: u8 = 0x07;
export const SYSTEM_ALARM_OBJECT_ACE_TYPE: u8 = 0x08;
export const ACCESS_ALLOWED_CALLBACK_ACE_TYPE: u8 = 0x09;
export const ACCESS_DENIED_CALLBACK_ACE_TYPE: u8 = 0x0a;
export const ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE: u8 = 0x0b;
export const ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE: u8 = 0x0c;
export const SYSTEM_AUDIT_CALLBACK_ACE_TYPE: u8 = 0x0d;
export const SYSTEM_ALARM_CALLBACK_ACE_TYPE: u8 = 0x0e;
export const SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE: u8 = 0x0f;
export const SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE: u8 = 0x10;
export const SYSTEM_MANDATORY_LABEL_ACE_TYPE: u8 = 0x11;
export const SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE: u8 = 0x12;
export const SYSTEM_SCOPED_POLICY_ID_ACE_TYPE: u8 = 0x13;

// ACE flags
export const OBJECT_INHERIT_ACE: u8 = 0x01;
export const CONTAINER_INHERIT_ACE: u8 = 0x02;
export const NO_PROPAGATE_INHERIT_ACE: u8 = 0x04;
export const INHERIT_ONLY_ACE: u8 = 0x08;
export const INHERITED_ACE: u8 = 0x10;
export const SUCCESSFUL_ACCESS_ACE_FLAG: u8 = 0x40;
export const FAILED_ACCESS_ACE_FLAG: u8 = 0x80;
export const INHERITANCE_FLAGS: u8 = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE | INHERIT_ONLY_ACE;

/** ACL_REVISION (2) and ACL_REVISION_DS (4, needed for object ACEs). */
export const ACL_REVISION: u8 = 2;
export const ACL_REVISION_DS: u8 = 4;
export const SD_HEADER_SIZE: u32 = 20;
export const ACL_HEADER_SIZE: u32 = 8;

// NTSTATUS values of malformed security data (MS-ERREF 2.3.1)
export const STATUS_INVALID_OWNER: u32 = 0xc000005a;
export const STATUS_INVALID_PRIMARY_GROUP: u32 = 0xc000005b;
export const STATUS_INVALID_ACL: u32 = 0xc0000077;
export const STATUS_INVALID_SID: u32 = 0xc0000078;
export const STATUS_INVALID_SECURITY_DESCR: u32 = 0xc0000079;

// A parsed descriptor ("view", SD_VIEW_SIZE bytes the caller provides): u16 control, then
// absolute pointers (0 = absent) to the owner SID, group SID, SACL and DACL. A present ACL
// pointer of 0 means a NULL ACL.
export const SD_VIEW_SIZE: usize = 20;
@inline export function vControl(v: usize): u16 { return load<u16>(v, 0); }
@inline export function vOwner(v: usize): usize { return <usize>load<u32>(v, 4); }
@inline export function vGroup(v: usize): usize { return <usize>load<u32>(v, 8); }
@inline export function vSacl(v: usize): usize { return <usize>load<u32>(v, 12); }
@inline export function vDacl(v: usize): usize { return <usize>load<u32>(v, 16); }

/** Fills a view from parts (pointers to validated SIDs / ACLs, or 0). */
export function viewSet(v: usize, control: u16, owner: usize, group: usize, sacl: usize, dacl: usize): void {
  store<u16>(v, control, 0);
  store<u16>(v, 0, 2);
  store<u32>(v, <u32>owner, 4);
  store<u32>(v, <u32>group, 8);
  store<u32>(v, <u32>sacl, 12);
  store<u32>(v, <u32>dacl, 16);
}

// ACE accessors (valid after aclValidate)
@inline export function aceType(a: usize): u8 { return load<u8>(a, 0); }
@inline export function aceFlags(a: usize): u8 { return load<u8>(a, 1); }
@inline export function aceSize(a: usize): u32 { return <u32>load<u16>(a, 2); }
@inline export function aceMask(a: usize): u32 { return load<u32>(a, 4); }
@inline export function aclCount(acl: usize): u32 { return <u32>load<u16>(acl, 4); }
/** Total size of a validated ACL: header plus its ACEs (ignoring slack after them). */
export function aclUsed(acl: usize): u32 {
  let n = ACL_HEADER_SIZE;
  let a = acl + <usize>ACL_HEADER_SIZE;
  const count = aclCount(acl);
  for (let i: u32 = 0; i < count; i++) {
    const s = aceSize(a);
    n += s;
    a += <usize>s;
  }
  return n;
}

/** Object ACE types (an 8-byte header, Flags, optional GUIDs, then the SID). */
export function isObjectAce(t: u8): bool {
  return t == ACCESS_ALLOWED_OBJECT_ACE_TYPE || t == ACCESS_DENIED_OBJECT_ACE_TYPE || t == SYSTEM_AUDIT_OBJECT_ACE_TYPE ||
    t == SYSTEM_ALARM_OBJECT_ACE_TYPE || t == ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE ||
    t == ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE || t == SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE ||
    t == SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE;
}

/** ACE types with a mask and a SID right after the header (the others are skipped). */
function hasPlainSid(t: u8): bool {
  return t <= SYSTEM_ALARM_ACE_TYPE || t == ACCESS_ALLOWED_CALLBACK_ACE_TYPE || t == ACCESS_DENIED_CALLBACK_ACE_TYPE ||
    t == SYSTEM_AUDIT_CALLBACK_ACE_TYPE || t == SYSTEM_ALARM_CALLBACK_ACE_TYPE || t == SYSTEM_MANDATORY_LABEL_ACE_TYPE ||
    t == SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE || t == SYSTEM_SCOPED_POLICY_ID_ACE_TYPE;
}

/** Offset of the SID inside a validated ACE, or 0 when the ACE type has none we know. */
export function aceSidOffset(a: usize): u32 {
  const t = aceType(a);
  if (hasPlainSid(t)) return 8;
  if (!isObjectAce(t)) return 0;
  const f = load<u32>(a, 8);
  return 12 + ((f & 1) != 0 ? 16 : 0) + ((f & 2) != 0 ? 16 : 0);
}

/** The SID of a validated ACE, or 0. */
@inline export function aceSid(a: usize): usize {
  const o = aceSidOffset(a);
  return o == 0 ? 0 : a + <usize>o;
}

/** Validates one ACE of size s at a (s already known to lie inside the ACL). */
function aceValid(a: usize, s: u32): bool {
  if (s < 4) return false;
  const t = load<u8>(a);
  if (hasPlainSid(t)) {
    if (s < 8) return false;
    return W.sidLength(a + 8, s - 8) > 0;
  }
  if (isObjectAce(t)) {
    if (s < 12) return false;
    const f = load<u32>(a, 8);
    const off: u32 = 12 + ((f & 1) != 0 ? 16 : 0) + ((f & 2) != 0 ? 16 : 0);
    if (off > s) return false;
    return W.sidLength(a + <usize>off, s - off) > 0;
  }
  return true; // unknown types are kept and never match anyone
}

/**
 * Validates the ACL at p within avail bytes: revision 2..4, AclSize between 8 and avail, and
 * AceCount ACEs that each lie inside AclSize and carry a valid SID. STATUS_SUCCESS or
 * STATUS_INVALID_ACL.
 */
export function aclValidate(p: usize, avail: u32): u32 {
  if (avail < ACL_HEADER_SIZE) return STATUS_INVALID_ACL;
  const rev = load<u8>(p);
  if (rev < ACL_REVISION || rev > ACL_REVISION_DS) return STATUS_INVALID_ACL;
  const size = <u32>load<u16>(p, 2);
  if (size < ACL_HEADER_SIZE || size > avail) return STATUS_INVALID_ACL;
  const count = <u32>load<u16>(p, 4);
  let off = ACL_HEADER_SIZE;
  for (let i: u32 = 0; i < count; i++) {
    if (off + 4 > size) return STATUS_INVALID_ACL;
    const s = <u32>load<u16>(p + <usize>off, 2);
    if (s < 4 || off + s > size) return STATUS_INVALID_ACL;
    if (!aceValid(p + <usize>off, s)) return STATUS_INVALID_ACL;
    off += s;
  }
  return 0;
}

/**
 * Checks the owner or group SID at offset off (from the descriptor's base): 0 when valid,
 * STATUS_INVALID_SECURITY_DESCR when it lies outside, STATUS_INVALID_SID when malformed.
 */
function partSid(base: usize, len: u32, minOff: u32, off: u32): u32 {
  if (off < minOff || off >= len) return STATUS_INVALID_SECURITY_DESCR;
  if (W.sidLength(base + <usize>off, len - off) > 0) return 0;
  if (len - off < 8) return STATUS_INVALID_SECURITY_DESCR;
  const p = base + <usize>off;
  const n = <u32>load<u8>(p, 1);
  if (load<u8>(p) != 1 || n > W.SID_MAX_SUB_AUTHORITIES) return STATUS_INVALID_SID;
  return STATUS_INVALID_SECURITY_DESCR; // sub-authorities run past the buffer
}

/**
 * Parses the self-relative descriptor whose header is at base + hdr, with offsets counted from
 * base (hdr is 0 for a wire descriptor; Samba's NTACL blobs count from the blob's start),
 * within len bytes, into view v. Returns STATUS_SUCCESS, STATUS_INVALID_SECURITY_DESCR (header,
 * offsets, revision, SE_SELF_RELATIVE missing when strict), STATUS_INVALID_SID or
 * STATUS_INVALID_ACL.
 */
export function sdParseAt(base: usize, len: u32, hdr: u32, v: usize, strict: bool): u32 {
  if (<u64>hdr + <u64>SD_HEADER_SIZE > <u64>len) return STATUS_INVALID_SECURITY_DESCR;
  const h = base + <usize>hdr;
  if (load<u8>(h) != 1) return STATUS_INVALID_SECURITY_DESCR;
  const control = load<u16>(h, 2);
  if (strict && (control & SE_SELF_RELATIVE) == 0) return STATUS_INVALID_SECURITY_DESCR;
  const minOff = hdr + SD_HEADER_SIZE;
  const oOwner = load<u32>(h, 4);
  const oGroup = load<u32>(h, 8);
  const oSacl = load<u32>(h, 12);
  const oDacl = load<u32>(h, 16);
  let owner: usize = 0;
  let group: usize = 0;
  let sacl: usize = 0;
  let dacl: usize = 0;
  if (oOwner != 0) {
    const st = partSid(base, len, minOff, oOwner);
    if (st != 0) return st;
    owner = base + <usize>oOwner;
  }
  if (oGroup != 0) {
    const st = partSid(base, len, minOff, oGroup);
    if (st != 0) return st;
    group = base + <usize>oGroup;
  }
  if ((control & SE_SACL_PRESENT) != 0 && oSacl != 0) {
    if (oSacl < minOff || oSacl >= len) return STATUS_INVALID_SECURITY_DESCR;
    const st = aclValidate(base + <usize>oSacl, len - oSacl);
    if (st != 0) return st;
    sacl = base + <usize>oSacl;
  }
  if ((control & SE_DACL_PRESENT) != 0 && oDacl != 0) {
    if (oDacl < minOff || oDacl >= len) return STATUS_INVALID_SECURITY_DESCR;
    const st = aclValidate(base + <usize>oDacl, len - oDacl);
    if (st != 0) return st;
    dacl = base + <usize>oDacl;
  }
  viewSet(v, control, owner, group, sacl, dacl);
  return 0;
}

/** Parses a wire descriptor [p, p+len) (strict: SE_SELF_RELATIVE required). */
@inline export function sdParse(p: usize, len: u32, v: usize): u32 {
  return sdParseAt(p, len, 0, v, true);
}

/** Bytes sdWrite needs for a view's parts. */
export function sdSize(v: usize): u32 {
  let n = SD_HEADER_SIZE;
  if (vOwner(v) != 0) n += W.sidSize(vOwner(v));
  if (vGroup(v) != 0) n += W.sidSize(vGroup(v));
  const c = vControl(v);
  if ((c & SE_SACL_PRESENT) != 0 && vSacl(v) != 0) n += aclUsed(vSacl(v));
  if ((c & SE_DACL_PRESENT) != 0 && vDacl(v) != 0) n += aclUsed(vDacl(v));
  return n;
}

/** Copies a validated ACL to out with a normalised header (Sbz1/Sbz2 0, AclSize exact); returns its size. */
export function aclCopy(out: usize, acl: usize): u32 {
  const n = aclUsed(acl);
  memory.copy(out + 8, acl + 8, <usize>(n - 8));
  store<u8>(out, load<u8>(acl), 0);
  store<u8>(out, 0, 1);
  store<u16>(out, <u16>n, 2);
  store<u16>(out, load<u16>(acl, 4), 4);
  store<u16>(out, 0, 6);
  return n;
}

/**
 * Writes the self-relative descriptor of view v at out (cap bytes) in Samba's layout: header,
 * owner, group, SACL, DACL. SE_SELF_RELATIVE is set. Returns its length, or 0 if cap is too
 * small. The parts may not overlap out.
 */
export function sdWrite(out: usize, cap: u32, v: usize): u32 {
  const need = sdSize(v);
  if (need > cap) return 0;
  const c = vControl(v) | SE_SELF_RELATIVE;
  store<u8>(out, 1, 0);
  store<u8>(out, 0, 1);
  store<u16>(out, c, 2);
  let off = SD_HEADER_SIZE;
  let oo: u32 = 0, og: u32 = 0, os: u32 = 0, od: u32 = 0;
  if (vOwner(v) != 0) {
    oo = off;
    const n = W.sidSize(vOwner(v));
    memory.copy(out + <usize>off, vOwner(v), <usize>n);
    off += n;
  }
  if (vGroup(v) != 0) {
    og = off;
    const n = W.sidSize(vGroup(v));
    memory.copy(out + <usize>off, vGroup(v), <usize>n);
    off += n;
  }
  if ((c & SE_SACL_PRESENT) != 0 && vSacl(v) != 0) {
    os = off;
    off += aclCopy(out + <usize>off, vSacl(v));
  }
  if ((c & SE_DACL_PRESENT) != 0 && vDacl(v) != 0) {
    od = off;
    off += aclCopy(out + <usize>off, vDacl(v));
  }
  store<u32>(out, oo, 4);
  store<u32>(out, og, 8);
  store<u32>(out, os, 12);
  store<u32>(out, od, 16);
  return off;
}

/** Writes an ACE (type, flags, mask, SID) at out; returns its size (8 + SID). */
export function aceWrite(out: usize, type: u8, flags: u8, mask: u32, sid: usize): u32 {
  const n = W.sidSize(sid);
  store<u8>(out, type, 0);
  store<u8>(out, flags, 1);
  store<u16>(out, <u16>(8 + n), 2);
  store<u32>(out, mask, 4);
  memory.copy(out + 8, sid, <usize>n);
  return 8 + n;
}

/** Writes an empty ACL header (revision 2) at out. Fix the size and count with aclFinish. */
export function aclStart(out: usize): void {
  store<u64>(out, 0);
  store<u8>(out, ACL_REVISION, 0);
}

/** Sets AclSize and AceCount of an ACL built at out; bumps the revision for object ACEs. */
export function aclFinish(out: usize, size: u32, count: u32, hasObjectAces: bool): void {
  store<u16>(out, <u16>size, 2);
  store<u16>(out, <u16>count, 4);
  if (hasObjectAces) store<u8>(out, ACL_REVISION_DS, 0);
}

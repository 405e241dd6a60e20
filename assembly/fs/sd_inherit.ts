// Security of new files and directories (MS-DTYP 2.5.3.4.1 CreateSecurityDescriptor, 2.5.3.4.2
// ComputeACL, 2.5.3.4.3 ComputeInheritedACLFromParent): owner and group from the creator's
// descriptor or the token, DACL/SACL from the creator's explicit ACL and/or the inheritable ACEs
// of the parent (CREATOR OWNER/GROUP substituted, generic rights mapped on effective copies),
// else the token's default DACL (the user and SYSTEM: full control). Cold path: managed buffers.
import * as D from "./sd";
import * as W from "./sid";
import { mapGeneric, FILE_ALL_ACCESS } from "./acl_check";
import { Token, PRIV_RESTORE, PRIV_SECURITY } from "./token";

/** Why the last createSecurityDescriptor / normalizeAcl returned null. */
export let inheritStatus: u32 = 0;

const STATUS_PRIVILEGE_NOT_HELD: u32 = 0xc0000061;
const MAX_ACL: u32 = 0xfffc;
const AUDIT_FLAGS: u8 = D.SUCCESSFUL_ACCESS_ACE_FLAG | D.FAILED_ACCESS_ACE_FLAG;
const VIEW = memory.data(20);
const ALLOW_ACE = memory.data<u8>([0, 0, 0, 0]);

/** An ACL being built: bytes after an 8-byte header. */
class AclBuf {
  buf: StaticArray<u8>;
  used: u32 = D.ACL_HEADER_SIZE;
  count: u32 = 0;
  objects: bool = false;
  ok: bool = true;

  constructor(cap: u32) {
    this.buf = new StaticArray<u8>(<i32>(cap < MAX_ACL ? cap : MAX_ACL) + 8);
    D.aclStart(changetype<usize>(this.buf));
  }

  @inline get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  /** Room for n more bytes (else the ACL is marked too large). */
  room(n: u32): bool {
    if (this.used + n > <u32>this.buf.length || this.used + n > MAX_ACL) this.ok = false;
    return this.ok;
  }

  /** Appends a copy of ACE a with new flags (and mask, for plain ACEs). */
  copy(a: usize, flags: u8, mask: u32): void {
    const n = D.aceSize(a);
    if (!this.room(n)) return;
    const p = this.ptr + <usize>this.used;
    memory.copy(p, a, <usize>n);
    store<u8>(p, flags, 1);
    store<u32>(p, mask, 4);
    if (D.isObjectAce(D.aceType(a))) this.objects = true;
    this.used += n;
    this.count++;
  }

  /** Appends a plain ACE of a's type for sid. */
  plain(a: usize, flags: u8, mask: u32, sid: usize): void {
    if (!this.room(8 + W.sidSize(sid))) return;
    this.used += D.aceWrite(this.ptr + <usize>this.used, D.aceType(a), flags, mask, sid);
    this.count++;
  }

  finish(): usize {
    D.aclFinish(this.ptr, this.used, this.count, this.objects);
    return this.ptr;
  }
}

@inline function hasGeneric(mask: u32): bool {
  return (mask & 0xf0000000) != 0;
}

/**
 * Appends to out the ACEs a child inherits from parent ACL acl (MS-DTYP 2.5.3.4.3): files take
 * OBJECT_INHERIT ACEs; directories take CONTAINER_INHERIT ACEs as effective (and inheritable
 * unless NO_PROPAGATE) and OBJECT_INHERIT-only ACEs as inherit-only. CREATOR OWNER/GROUP
 * become owner/group on the effective copy, which also gets generic rights mapped; an ACE both
 * effective and inheritable is split in two when that changes it. INHERITED_ACE is set when
 * the parent's ACL is auto-inherited.
 */
function inheritAces(out: AclBuf, acl: usize, isDir: bool, owner: usize, group: usize, auto: bool): void {
  let a = acl + <usize>D.ACL_HEADER_SIZE;
  const n = D.aclCount(acl);
  const mark: u8 = auto ? D.INHERITED_ACE : 0;
  for (let i: u32 = 0; i < n; i++) {
    const ace = a;
    a += <usize>D.aceSize(ace);
    const f = D.aceFlags(ace);
    let effective = false;
    let inheritable = false;
    if (isDir) {
      if ((f & D.CONTAINER_INHERIT_ACE) != 0) {
        effective = true;
        inheritable = (f & D.NO_PROPAGATE_INHERIT_ACE) == 0;
      } else if ((f & D.OBJECT_INHERIT_ACE) != 0) {
        inheritable = (f & D.NO_PROPAGATE_INHERIT_ACE) == 0;
      }
    } else {
      effective = (f & D.OBJECT_INHERIT_ACE) != 0;
    }
    if (!effective && !inheritable) continue;
    const sid = D.aceSid(ace);
    const plain = D.aceSidOffset(ace) == 8;
    let subst: usize = 0;
    if (plain && sid != 0) {
      if (W.sidEqual(sid, W.SID_CREATOR_OWNER)) subst = owner;
      else if (W.sidEqual(sid, W.SID_CREATOR_GROUP)) subst = group;
    }
    const mask = D.aceMask(ace);
    const audit = f & AUDIT_FLAGS;
    const keep = f & (D.OBJECT_INHERIT_ACE | D.CONTAINER_INHERIT_ACE);
    if (effective && inheritable && subst == 0 && !hasGeneric(mask)) {
      out.copy(ace, keep | audit | mark, mask);
      continue;
    }
    if (effective) {
      if (subst != 0) out.plain(ace, audit | mark, mapGeneric(mask), subst);
      else out.copy(ace, audit | mark, mapGeneric(mask));
    }
    if (inheritable) out.copy(ace, keep | D.INHERIT_ONLY_ACE | audit | mark, mask);
  }
}

/** Appends the ACEs of an explicit ACL; with auto-inheritance, ACEs marked inherited are dropped. */
function explicitAces(out: AclBuf, acl: usize, dropInherited: bool): void {
  let a = acl + <usize>D.ACL_HEADER_SIZE;
  const n = D.aclCount(acl);
  for (let i: u32 = 0; i < n; i++) {
    const ace = a;
    a += <usize>D.aceSize(ace);
    const f = D.aceFlags(ace);
    if (dropInherited && (f & D.INHERITED_ACE) != 0) continue;
    const m = D.aceMask(ace);
    out.copy(ace, f, (f & D.INHERIT_ONLY_ACE) != 0 ? m : mapGeneric(m));
  }
}

/**
 * An ACL as stored after SET_INFO or a creator's descriptor: generic rights mapped in every ACE
 * that is not inherit-only (MS-DTYP 2.5.3.4.2, as Windows and Samba store them). Null when it
 * would grow too large (inheritStatus = STATUS_INVALID_ACL).
 */
export function normalizeAcl(acl: usize): StaticArray<u8> | null {
  const out = new AclBuf(D.aclUsed(acl));
  explicitAces(out, acl, false);
  if (!out.ok) {
    inheritStatus = D.STATUS_INVALID_ACL;
    return null;
  }
  out.finish();
  return out.buf;
}

/** The token's default DACL: the user and SYSTEM get full control. */
function defaultDacl(out: AclBuf, tok: Token): void {
  out.plain(ALLOW_ACE, 0, FILE_ALL_ACCESS, tok.user());
  out.plain(ALLOW_ACE, 0, FILE_ALL_ACCESS, W.SID_SYSTEM);
}

/**
 * ComputeACL for one ACL (isSacl selects the SACL parts of both descriptors): builds the ACL in
 * out (left unfinished for a NULL ACL) and returns its control bits (PRESENT, PROTECTED,
 * AUTO_INHERITED), or -1 when neither the creator nor the parent contributes anything.
 */
function computeAcl(out: AclBuf, parent: usize, creator: usize, isSacl: bool, isDir: bool, owner: usize, group: usize): i32 {
  const present = isSacl ? D.SE_SACL_PRESENT : D.SE_DACL_PRESENT;
  const protect = isSacl ? D.SE_SACL_PROTECTED : D.SE_DACL_PROTECTED;
  const defaulted = isSacl ? D.SE_SACL_DEFAULTED : D.SE_DACL_DEFAULTED;
  const autoBit = isSacl ? D.SE_SACL_AUTO_INHERITED : D.SE_DACL_AUTO_INHERITED;
  const pc = parent != 0 ? D.vControl(parent) : <u16>0;
  const pacl = parent != 0 && (pc & present) != 0 ? (isSacl ? D.vSacl(parent) : D.vDacl(parent)) : 0;
  const cc = creator != 0 ? D.vControl(creator) : <u16>0;
  const hasExplicit = (cc & present) != 0;
  const eacl = hasExplicit ? (isSacl ? D.vSacl(creator) : D.vDacl(creator)) : 0;
  const isProtected = (cc & protect) != 0;
  const auto = (pc & autoBit) != 0;
  const inh = new AclBuf(pacl != 0 ? 5 * D.aclUsed(pacl) : 8);
  if (pacl != 0 && !isProtected) inheritAces(inh, pacl, isDir, owner, group, auto);
  let control: u16 = 0;
  if (hasExplicit && !((cc & defaulted) != 0 && inh.count > 0)) {
    control = present | (isProtected ? protect : 0);
    if (eacl == 0) return <i32>control; // NULL ACL
    explicitAces(out, eacl, auto && !isProtected);
    if (auto && !isProtected) {
      control |= autoBit;
      let a = inh.ptr + <usize>D.ACL_HEADER_SIZE;
      for (let i: u32 = 0; i < inh.count; i++) {
        out.copy(a, D.aceFlags(a), D.aceMask(a));
        a += <usize>D.aceSize(a);
      }
    }
    out.finish();
    return <i32>control;
  }
  if (inh.count > 0) {
    let a = inh.ptr + <usize>D.ACL_HEADER_SIZE;
    for (let i: u32 = 0; i < inh.count; i++) {
      out.copy(a, D.aceFlags(a), D.aceMask(a));
      a += <usize>D.aceSize(a);
    }
    out.finish();
    return <i32>(present | (auto ? autoBit : 0));
  }
  return -1;
}

/**
 * CreateSecurityDescriptor: the self-relative descriptor of a new object, from the parent's
 * descriptor (view, or 0) and the creator's (view of a validated SD_BUFFER create context, or
 * 0). The creator's owner must be one of the token's SIDs unless it holds SeRestorePrivilege
 * (STATUS_INVALID_OWNER); a creator SACL needs SeSecurityPrivilege. Null on error (inheritStatus).
 */
export function createSecurityDescriptor(parent: usize, creator: usize, tok: Token, isDir: bool): StaticArray<u8> | null {
  inheritStatus = 0;
  let owner = creator != 0 ? D.vOwner(creator) : 0;
  if (owner != 0 && !tok.has(owner) && !tok.hasPrivilege(PRIV_RESTORE)) {
    inheritStatus = D.STATUS_INVALID_OWNER;
    return null;
  }
  if (owner == 0) owner = tok.user();
  let group = creator != 0 ? D.vGroup(creator) : 0;
  if (group == 0) group = tok.group();
  const cc = creator != 0 ? D.vControl(creator) : <u16>0;
  if ((cc & D.SE_SACL_PRESENT) != 0 && D.vSacl(creator) != 0 && !tok.hasPrivilege(PRIV_SECURITY)) {
    inheritStatus = STATUS_PRIVILEGE_NOT_HELD;
    return null;
  }
  const pd = parent != 0 && D.vDacl(parent) != 0 ? D.aclUsed(D.vDacl(parent)) : 0;
  const ps = parent != 0 && D.vSacl(parent) != 0 ? D.aclUsed(D.vSacl(parent)) : 0;
  const ed = creator != 0 && D.vDacl(creator) != 0 ? D.aclUsed(D.vDacl(creator)) : 0;
  const es = creator != 0 && D.vSacl(creator) != 0 ? D.aclUsed(D.vSacl(creator)) : 0;
  // an inherited ACE can become two, and CREATOR OWNER/GROUP can grow to the longest SID
  const dacl = new AclBuf(5 * pd + ed + 2 * W.SID_MAX_SIZE + 32);
  const sacl = new AclBuf(5 * ps + es + 8);
  let control: u16 = 0;
  let daclPtr: usize = 0;
  const dc = computeAcl(dacl, parent, creator, false, isDir, owner, group);
  if (dc < 0) {
    defaultDacl(dacl, tok);
    daclPtr = dacl.finish();
    control |= D.SE_DACL_PRESENT;
  } else {
    control |= <u16>dc;
    if (isBuilt(dacl)) daclPtr = dacl.ptr;
  }
  let saclPtr: usize = 0;
  const sc = computeAcl(sacl, parent, creator, true, isDir, owner, group);
  if (sc >= 0) {
    control |= <u16>sc;
    if (isBuilt(sacl)) saclPtr = sacl.ptr;
  }
  if (!dacl.ok || !sacl.ok) {
    inheritStatus = D.STATUS_INVALID_ACL;
    return null;
  }
  const v = VIEW;
  D.viewSet(v, control | D.SE_SELF_RELATIVE, owner, group, saclPtr, daclPtr);
  const out = new StaticArray<u8>(<i32>D.sdSize(v));
  D.sdWrite(changetype<usize>(out), <u32>out.length, v);
  return out;
}

/** The AclBuf was finished (its size field is set), i.e. it holds a real (maybe empty) ACL. */
function isBuilt(b: AclBuf): bool {
  return load<u16>(b.ptr, 2) != 0;
}

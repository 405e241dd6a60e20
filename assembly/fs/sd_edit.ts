// Reading and changing parts of a file's security descriptor: the descriptor of a file that has
// none stored (synthesized), the parts a query asks for (MS-SMB2 2.2.37 AdditionalInformation,
// MS-FSA 2.1.5.14) and the merge of a SET_INFO descriptor into the current one (MS-FSA 2.1.5.17,
// MS-DTYP 2.4.7 SECURITY_INFORMATION).
import * as D from "./sd";
import * as W from "./sid";
import { FILE_ALL_ACCESS } from "./acl_check";
import { normalizeAcl, inheritStatus } from "./sd_inherit";
import { Token, PRIV_RESTORE } from "./token";

// SECURITY_INFORMATION (MS-DTYP 2.4.7)
export const OWNER_SECURITY_INFORMATION: u32 = 0x00000001;
export const GROUP_SECURITY_INFORMATION: u32 = 0x00000002;
export const DACL_SECURITY_INFORMATION: u32 = 0x00000004;
export const SACL_SECURITY_INFORMATION: u32 = 0x00000008;
export const LABEL_SECURITY_INFORMATION: u32 = 0x00000010;
export const ATTRIBUTE_SECURITY_INFORMATION: u32 = 0x00000020;
export const SCOPE_SECURITY_INFORMATION: u32 = 0x00000040;
export const BACKUP_SECURITY_INFORMATION: u32 = 0x00010000;
/** Parts stored in the SACL without being "the SACL" (label, attributes, scope). */
const SACL_SUBPARTS: u32 = LABEL_SECURITY_INFORMATION | ATTRIBUTE_SECURITY_INFORMATION | SCOPE_SECURITY_INFORMATION;

/** Why the last mergeSd returned null. */
export let mergeStatus: u32 = 0;

const VIEW = memory.data(20);

/**
 * The descriptor of a file or directory with none stored: owned by the asking token's user and
 * primary group, DACL "Everyone: full control" (inherited by children — OBJECT_INHERIT and
 * CONTAINER_INHERIT — on directories), so that a child created in it gets the same descriptor
 * by inheritance as the one synthesized for it (it need not be stored).
 */
export function defaultSd(tok: Token, isDir: bool): StaticArray<u8> {
  const acl = new StaticArray<u8>(8 + 8 + 12);
  const p = changetype<usize>(acl);
  D.aclStart(p);
  const n = D.aceWrite(p + 8, D.ACCESS_ALLOWED_ACE_TYPE, isDir ? D.OBJECT_INHERIT_ACE | D.CONTAINER_INHERIT_ACE : 0, FILE_ALL_ACCESS, W.SID_WORLD);
  D.aclFinish(p, 8 + n, 1, false);
  D.viewSet(VIEW, D.SE_DACL_PRESENT | D.SE_SELF_RELATIVE, tok.user(), tok.group(), 0, p);
  const out = new StaticArray<u8>(<i32>D.sdSize(VIEW));
  D.sdWrite(changetype<usize>(out), <u32>out.length, VIEW);
  return out;
}

/** ACE types a SACL sub-part selects. */
function subpartWants(t: u8, info: u32): bool {
  if (t == D.SYSTEM_MANDATORY_LABEL_ACE_TYPE) return (info & LABEL_SECURITY_INFORMATION) != 0;
  if (t == D.SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE) return (info & ATTRIBUTE_SECURITY_INFORMATION) != 0;
  if (t == D.SYSTEM_SCOPED_POLICY_ID_ACE_TYPE) return (info & SCOPE_SECURITY_INFORMATION) != 0;
  return false;
}

/** A copy of acl with only the ACEs whose selection equals keep (for label/attribute/scope parts). */
function filterAcl(acl: usize, info: u32, keep: bool): StaticArray<u8> {
  const out = new StaticArray<u8>(<i32>D.aclUsed(acl));
  const o = changetype<usize>(out);
  D.aclStart(o);
  store<u8>(o, load<u8>(acl), 0);
  let used = D.ACL_HEADER_SIZE;
  let count: u32 = 0;
  let a = acl + <usize>D.ACL_HEADER_SIZE;
  const n = D.aclCount(acl);
  for (let i: u32 = 0; i < n; i++) {
    const s = D.aceSize(a);
    if (subpartWants(D.aceType(a), info) == keep) {
      memory.copy(o + <usize>used, a, <usize>s);
      used += s;
      count++;
    }
    a += <usize>s;
  }
  D.aclFinish(o, used, count, false);
  return out;
}

/**
 * The descriptor a query for `info` returns, from view v, written at out (cap bytes). Returns
 * the size it needs (nothing is written when that is more than cap). Parts not asked for are
 * left out and their PRESENT bits cleared; an asked-for DACL or SACL that is NULL is reported
 * present (as Windows and Samba do). BACKUP asks for everything.
 */
export function querySd(v: usize, info: u32, out: usize, cap: u32): u32 {
  if ((info & BACKUP_SECURITY_INFORMATION) != 0) info |= 0x7f;
  let c = D.vControl(v);
  const owner = (info & OWNER_SECURITY_INFORMATION) != 0 ? D.vOwner(v) : 0;
  const group = (info & GROUP_SECURITY_INFORMATION) != 0 ? D.vGroup(v) : 0;
  let dacl: usize = 0;
  if ((info & DACL_SECURITY_INFORMATION) != 0) {
    dacl = (c & D.SE_DACL_PRESENT) != 0 ? D.vDacl(v) : 0;
    c |= D.SE_DACL_PRESENT;
  } else {
    c &= ~D.SE_DACL_PRESENT;
  }
  let sacl: usize = 0;
  let kept: StaticArray<u8> | null = null;
  if ((info & SACL_SECURITY_INFORMATION) != 0) {
    sacl = (c & D.SE_SACL_PRESENT) != 0 ? D.vSacl(v) : 0;
    c |= D.SE_SACL_PRESENT;
  } else if ((info & SACL_SUBPARTS) != 0 && (c & D.SE_SACL_PRESENT) != 0 && D.vSacl(v) != 0) {
    kept = filterAcl(D.vSacl(v), info, true);
    sacl = changetype<usize>(kept);
  } else {
    c &= ~D.SE_SACL_PRESENT;
  }
  D.viewSet(VIEW, c | D.SE_SELF_RELATIVE, owner, group, sacl, dacl);
  const need = D.sdSize(VIEW);
  if (need <= cap) D.sdWrite(out, cap, VIEW);
  return need;
}

/** Control bits of an ACL part after SET_INFO: AUTO_INHERITED only with AUTO_INHERIT_REQ, REQ dropped. */
function setBits(c: u16, present: u16, req: u16, auto: u16, all: u16): u16 {
  let b = (c & all) | present;
  if ((c & req) == 0) b &= ~auto;
  return b & ~req;
}

/**
 * Applies the parts `info` names from the new descriptor nv to the current one cv (MS-FSA
 * 2.1.5.17); the open's rights were checked by the caller. The owner must be one of the token's
 * SIDs (or stay unchanged, or the token holds SeRestorePrivilege): else STATUS_INVALID_OWNER; a
 * missing owner or group is STATUS_INVALID_OWNER / STATUS_INVALID_PRIMARY_GROUP. A DACL part
 * without SE_DACL_PRESENT sets a NULL DACL. Generic rights are mapped in effective ACEs. Returns
 * the new self-relative descriptor, or null (mergeStatus).
 */
export function mergeSd(cv: usize, nv: usize, info: u32, tok: Token): StaticArray<u8> | null {
  mergeStatus = 0;
  if ((info & BACKUP_SECURITY_INFORMATION) != 0) info |= 0x7f;
  const nc = D.vControl(nv);
  let c = D.vControl(cv);
  let owner = D.vOwner(cv);
  let group = D.vGroup(cv);
  let sacl = (c & D.SE_SACL_PRESENT) != 0 ? D.vSacl(cv) : 0;
  let dacl = (c & D.SE_DACL_PRESENT) != 0 ? D.vDacl(cv) : 0;
  if ((info & OWNER_SECURITY_INFORMATION) != 0) {
    const no = D.vOwner(nv);
    if (no == 0) return fail(D.STATUS_INVALID_OWNER);
    const same = owner != 0 && W.sidEqual(no, owner);
    if (!same && !tok.has(no) && !tok.hasPrivilege(PRIV_RESTORE)) return fail(D.STATUS_INVALID_OWNER);
    owner = no;
    c = (c & ~D.SE_OWNER_DEFAULTED) | (nc & D.SE_OWNER_DEFAULTED);
  }
  if ((info & GROUP_SECURITY_INFORMATION) != 0) {
    const ng = D.vGroup(nv);
    if (ng == 0) return fail(D.STATUS_INVALID_PRIMARY_GROUP);
    group = ng;
    c = (c & ~D.SE_GROUP_DEFAULTED) | (nc & D.SE_GROUP_DEFAULTED);
  }
  let newDacl: StaticArray<u8> | null = null;
  if ((info & DACL_SECURITY_INFORMATION) != 0) {
    dacl = 0;
    if ((nc & D.SE_DACL_PRESENT) != 0 && D.vDacl(nv) != 0) {
      newDacl = normalizeAcl(D.vDacl(nv));
      if (newDacl === null) return fail(inheritStatus);
      dacl = changetype<usize>(newDacl);
    }
    c = (c & ~D.DACL_BITS) | setBits(nc, D.SE_DACL_PRESENT, D.SE_DACL_AUTO_INHERIT_REQ, D.SE_DACL_AUTO_INHERITED, D.DACL_BITS);
  }
  let newSacl: StaticArray<u8> | null = null;
  if ((info & SACL_SECURITY_INFORMATION) != 0) {
    sacl = 0;
    if ((nc & D.SE_SACL_PRESENT) != 0 && D.vSacl(nv) != 0) {
      newSacl = normalizeAcl(D.vSacl(nv));
      if (newSacl === null) return fail(inheritStatus);
      sacl = changetype<usize>(newSacl);
    }
    c = (c & ~D.SACL_BITS) | setBits(nc, D.SE_SACL_PRESENT, D.SE_SACL_AUTO_INHERIT_REQ, D.SE_SACL_AUTO_INHERITED, D.SACL_BITS);
  } else if ((info & SACL_SUBPARTS) != 0) {
    newSacl = mergeSubparts(sacl, (nc & D.SE_SACL_PRESENT) != 0 ? D.vSacl(nv) : 0, info);
    sacl = changetype<usize>(newSacl);
    c |= D.SE_SACL_PRESENT;
  }
  D.viewSet(VIEW, c | D.SE_SELF_RELATIVE, owner, group, sacl, dacl);
  const out = new StaticArray<u8>(<i32>D.sdSize(VIEW));
  D.sdWrite(changetype<usize>(out), <u32>out.length, VIEW);
  return out;
}

/** The SACL with its label/attribute/scope ACEs (those info selects) replaced by the new ones. */
function mergeSubparts(cur: usize, add: usize, info: u32): StaticArray<u8> {
  const a = cur != 0 ? filterAcl(cur, info, false) : null;
  const b = add != 0 ? filterAcl(add, info, true) : null;
  const na = a !== null ? D.aclUsed(changetype<usize>(a)) : 8;
  const nb = b !== null ? D.aclUsed(changetype<usize>(b)) : 8;
  const out = new StaticArray<u8>(<i32>(na + nb));
  const o = changetype<usize>(out);
  D.aclStart(o);
  let count: u32 = 0;
  if (a !== null) {
    memory.copy(o + 8, changetype<usize>(a) + 8, <usize>(na - 8));
    count += D.aclCount(changetype<usize>(a));
  }
  if (b !== null) {
    memory.copy(o + <usize>na, changetype<usize>(b) + 8, <usize>(nb - 8));
    count += D.aclCount(changetype<usize>(b));
  }
  D.aclFinish(o, na + nb - 8, count, false);
  return out;
}

function fail(st: u32): StaticArray<u8> | null {
  mergeStatus = st;
  return null;
}

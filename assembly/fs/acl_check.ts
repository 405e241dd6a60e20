// Access checks: MS-DTYP 2.5.3.2 AccessCheck (DACL walk with deny/allow order, MAXIMUM_ALLOWED,
// implicit owner rights and OWNER RIGHTS S-1-3-4, NULL DACL = everyone, empty DACL = nobody),
// the file generic mapping (MS-SMB2 2.2.13.1.1), and the open-time rules of MS-FSA 2.1.5.1.2.1:
// DELETE through FILE_DELETE_CHILD on the parent, FILE_READ_ATTRIBUTES always (as Samba).
import * as D from "./sd";
import * as W from "./sid";
import { Token, PRIV_SECURITY, PRIV_TAKE_OWNERSHIP } from "./token";

// access masks (MS-DTYP 2.4.3) and statuses, re-exported for the descriptor code
import { FILE_READ_DATA, FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_EXECUTE, FILE_DELETE_CHILD, FILE_READ_ATTRIBUTES, DELETE, READ_CONTROL, WRITE_DAC, WRITE_OWNER, SYNCHRONIZE, ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, GENERIC_ALL, GENERIC_EXECUTE, GENERIC_WRITE, GENERIC_READ, FILE_ALL_ACCESS, FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE } from "./access";
export { FILE_READ_DATA, FILE_WRITE_DATA, FILE_APPEND_DATA, FILE_EXECUTE, FILE_DELETE_CHILD, FILE_READ_ATTRIBUTES, DELETE, READ_CONTROL, WRITE_DAC, WRITE_OWNER, SYNCHRONIZE, ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, GENERIC_ALL, GENERIC_EXECUTE, GENERIC_WRITE, GENERIC_READ, FILE_ALL_ACCESS, FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE };
import { STATUS_ACCESS_DENIED, STATUS_PRIVILEGE_NOT_HELD } from "../smb2/status";
export { STATUS_ACCESS_DENIED, STATUS_PRIVILEGE_NOT_HELD };

/** Maps GENERIC_* bits to file rights (the same for directories); other bits are kept. */
export function mapGeneric(mask: u32): u32 {
  let m = mask & 0x0fffffff;
  if ((mask & GENERIC_READ) != 0) m |= FILE_GENERIC_READ;
  if ((mask & GENERIC_WRITE) != 0) m |= FILE_GENERIC_WRITE;
  if ((mask & GENERIC_EXECUTE) != 0) m |= FILE_GENERIC_EXECUTE;
  if ((mask & GENERIC_ALL) != 0) m |= FILE_ALL_ACCESS;
  return m;
}

/**
 * How an ACE takes part in a check: 1 allow, 2 deny, 0 not at all. Object ACEs count only
 * without an ObjectType (files have no object types); conditional (callback) allow ACEs never
 * grant, conditional deny ACEs always deny (their condition cannot be evaluated here).
 */
function aceKind(a: usize): i32 {
  switch (D.aceType(a)) {
    case D.ACCESS_ALLOWED_ACE_TYPE: return 1;
    case D.ACCESS_DENIED_ACE_TYPE: return 2;
    case D.ACCESS_ALLOWED_OBJECT_ACE_TYPE: return (load<u32>(a, 8) & 1) == 0 ? 1 : 0;
    case D.ACCESS_DENIED_OBJECT_ACE_TYPE: return (load<u32>(a, 8) & 1) == 0 ? 2 : 0;
    case D.ACCESS_DENIED_CALLBACK_ACE_TYPE: return 2;
    case D.ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE: return (load<u32>(a, 8) & 1) == 0 ? 2 : 0;
  }
  return 0;
}

/** The DACL has an effective (not inherit-only) ACE for OWNER RIGHTS. */
function hasOwnerRightsAce(dacl: usize): bool {
  let a = dacl + <usize>D.ACL_HEADER_SIZE;
  const n = D.aclCount(dacl);
  for (let i: u32 = 0; i < n; i++) {
    if ((D.aceFlags(a) & D.INHERIT_ONLY_ACE) == 0) {
      const sid = D.aceSid(a);
      if (sid != 0 && W.sidEqual(sid, W.SID_OWNER_RIGHTS)) return true;
    }
    a += <usize>D.aceSize(a);
  }
  return false;
}

/**
 * MS-DTYP 2.5.3.2 with MAXIMUM_ALLOWED: the rights (within FILE_ALL_ACCESS) the token gets from
 * the descriptor of view v. No DACL or a NULL DACL grants everything; the owner gets READ_CONTROL
 * and WRITE_DAC unless the DACL has an OWNER RIGHTS ACE; SeTakeOwnershipPrivilege adds
 * WRITE_OWNER. A right is granted when the first applicable ACE naming it allows it.
 */
export function maximalAccess(v: usize, tok: Token): u32 {
  const control = D.vControl(v);
  const dacl = D.vDacl(v);
  let granted: u32 = 0;
  if (tok.hasPrivilege(PRIV_TAKE_OWNERSHIP)) granted |= WRITE_OWNER;
  if ((control & D.SE_DACL_PRESENT) == 0 || dacl == 0) return FILE_ALL_ACCESS;
  const owner = D.vOwner(v);
  const isOwner = owner != 0 && tok.has(owner);
  if (isOwner && !hasOwnerRightsAce(dacl)) granted |= READ_CONTROL | WRITE_DAC;
  let denied: u32 = 0;
  let a = dacl + <usize>D.ACL_HEADER_SIZE;
  const n = D.aclCount(dacl);
  for (let i: u32 = 0; i < n; i++) {
    const here = a;
    a += <usize>D.aceSize(here);
    if ((D.aceFlags(here) & D.INHERIT_ONLY_ACE) != 0) continue;
    const kind = aceKind(here);
    if (kind == 0) continue;
    const sid = D.aceSid(here);
    if (sid == 0) continue;
    const applies = W.sidEqual(sid, W.SID_OWNER_RIGHTS) ? isOwner : tok.has(sid);
    if (!applies) continue;
    const mask = mapGeneric(D.aceMask(here)) & FILE_ALL_ACCESS;
    if (kind == 1) granted |= mask & ~denied;
    else denied |= mask & ~granted;
  }
  return granted & FILE_ALL_ACCESS;
}

/** Rights granted by the last accessCheck / fileOpenAccess (when it succeeded). */
export let lastGranted: u32 = 0;
/** Rights the last failed check could not grant. */
export let lastMissing: u32 = 0;
/** The maximal access fileOpenAccess computed (for the MxAc create context). */
export let lastMaximal: u32 = 0;

/**
 * MS-DTYP 2.5.3.2 AccessCheck of a DesiredAccess (generic bits mapped, MAXIMUM_ALLOWED adds the
 * maximal rights): STATUS_SUCCESS with lastGranted, STATUS_ACCESS_DENIED, or
 * STATUS_PRIVILEGE_NOT_HELD for ACCESS_SYSTEM_SECURITY without SeSecurityPrivilege.
 */
export function accessCheck(v: usize, tok: Token, desired: u32): u32 {
  const want = mapGeneric(desired) & ~MAXIMUM_ALLOWED;
  lastGranted = 0;
  lastMissing = 0;
  if ((want & ACCESS_SYSTEM_SECURITY) != 0 && !tok.hasPrivilege(PRIV_SECURITY)) {
    lastMissing = ACCESS_SYSTEM_SECURITY;
    return STATUS_PRIVILEGE_NOT_HELD;
  }
  const max = maximalAccess(v, tok);
  const missing = want & ~max & ~ACCESS_SYSTEM_SECURITY;
  if (missing != 0) {
    lastMissing = missing;
    return STATUS_ACCESS_DENIED;
  }
  lastGranted = want | ((desired & MAXIMUM_ALLOWED) != 0 ? max : 0);
  return 0;
}

/**
 * The rights a DesiredAccess needs from the parent directory for an existing file: DELETE when
 * the file's own descriptor does not grant it (FILE_DELETE_CHILD on the parent grants it, MS-FSA
 * 2.1.5.1.2.1). maxFile is maximalAccess of the file. Returns true when the parent must be asked.
 */
export function needsParentForDelete(maxFile: u32, desired: u32): bool {
  if ((maxFile & DELETE) != 0) return false;
  const want = mapGeneric(desired);
  return (want & (DELETE | MAXIMUM_ALLOWED)) != 0;
}

/**
 * Access check for opening an existing file or directory (MS-FSA 2.1.5.1.2.1 as Samba applies
 * it): maxFile and maxParent are maximalAccess of the file and of its parent (maxParent is
 * only consulted for DELETE). FILE_READ_ATTRIBUTES is always granted; DELETE also when the parent
 * grants FILE_DELETE_CHILD. Returns a status; lastGranted is the granted access and
 * lastMaximal the maximal access (for the MxAc create context).
 */
export function fileOpenAccess(maxFile: u32, maxParent: u32, tok: Token, desired: u32): u32 {
  let max = maxFile | FILE_READ_ATTRIBUTES;
  if ((maxParent & FILE_DELETE_CHILD) != 0) max |= DELETE;
  const want = mapGeneric(desired) & ~MAXIMUM_ALLOWED;
  lastGranted = 0;
  lastMissing = 0;
  lastMaximal = max;
  if ((want & ACCESS_SYSTEM_SECURITY) != 0 && !tok.hasPrivilege(PRIV_SECURITY)) return STATUS_PRIVILEGE_NOT_HELD;
  if ((want & ~max & ~ACCESS_SYSTEM_SECURITY) != 0) {
    lastMissing = want & ~max & ~ACCESS_SYSTEM_SECURITY;
    return STATUS_ACCESS_DENIED;
  }
  lastGranted = want | ((desired & MAXIMUM_ALLOWED) != 0 ? max : 0);
  return 0;
}

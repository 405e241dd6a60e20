// Security in CREATE (MS-SMB2 3.3.5.9; MS-FSA 2.1.5.1): the SD_BUFFER ("SecD") and MxAc create
// contexts (2.2.13.2.2, 2.2.13.2.5, 2.2.14.2.5), the access check of an existing file against
// its descriptor (DELETE through the parent's FILE_DELETE_CHILD), the check of a new one against
// its parent (FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY), and the descriptor a new object gets
// (inherited, or the creator's) stored once the host created it. A new object whose parent has
// no stored descriptor and which comes without SecD gets none stored: its synthesized descriptor
// is exactly what inheritance would give (sd_edit.ts defaultSd).
import * as S from "../smb2/status";
import * as D from "./sd";
import * as C from "./acl_check";
import * as Io from "./sd_io";
import * as Cache from "./sd_cache";
import * as St from "./stat";
import { Request } from "../smb2/request";
import { Session, Tree } from "../smb2/session";
import { Open } from "./open";
import { findCreateContext } from "./ea";
import { statArea } from "./ops";
import { parentPath, leafName } from "./path";
import { detachAndDelete } from "./handles";
import { defaultSd } from "./sd_edit";
import { createSecurityDescriptor, inheritStatus } from "./sd_inherit";
import { Token, anonymousToken, PRIV_SECURITY } from "./token";

export const SD_STEP: i32 = Io.SD_IO_STEP;
const SECD_TAG: u32 = 0x44636553; // "SecD"
const MXAC_TAG: u32 = 0x6341784d; // "MxAc"
const F_SECD: u32 = 1 << 8;
const F_MXAC: u32 = 1 << 9;
const F_STORE: u32 = 1 << 10;
const PH_TARGET: u32 = 1;
const PH_PARENT_DELETE: u32 = 2;
const PH_PARENT_NEW: u32 = 3;
const PH_STORE: u32 = 4;
const FILE_CREATED: u64 = 2;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_DELETE_ON_CLOSE: u32 = 0x1000;
const FILE_ADD_FILE: u32 = 0x2;
const FILE_ADD_SUBDIRECTORY: u32 = 0x4;

const VT = memory.data(20);
const VP = memory.data(20);
const VN = memory.data(20);
const VC = memory.data(20);

@inline function desiredAccess(r: Request): u32 { return load<u32>(r.body, 24); }
@inline function createOptions(r: Request): u32 { return load<u32>(r.body, 40); }
/** CreateDisposition FILE_SUPERSEDE, FILE_OVERWRITE or FILE_OVERWRITE_IF. */
@inline function isOverwrite(r: Request): bool {
  const d = load<u32>(r.body, 36);
  return d == 0 || d == 4 || d == 5;
}

/** The session's token (anonymous when it has none). */
export function tokenOf(r: Request): Token {
  const s = r.session;
  if (s === null) return anonymousToken();
  const t = (s as Session).token;
  return t !== null ? t : anonymousToken();
}

/**
 * First CREATE step on a file share: sets up the arena, validates a SecD context (a self-relative
 * descriptor: STATUS_INVALID_SECURITY_DESCR / _ACL / _SID otherwise) and notes MxAc. A request
 * for ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege (STATUS_PRIVILEGE_NOT_HELD).
 */
export function createSdStart(r: Request): u32 {
  if (!Io.arenaInit(r)) return S.STATUS_INSUFFICIENT_RESOURCES;
  if ((desiredAccess(r) & C.ACCESS_SYSTEM_SECURITY) != 0 && !tokenOf(r).hasPrivilege(PRIV_SECURITY)) return S.STATUS_PRIVILEGE_NOT_HELD;
  const secd = findCreateContext(r.hdr, r.cmdLen, r.body, SECD_TAG);
  if (secd == -2) return S.STATUS_INVALID_PARAMETER;
  let flags: u32 = 0;
  if (secd >= 0) {
    const off = <u32>(secd >>> 32);
    const len = <u32>(secd & 0xffffffff);
    const st = D.sdParse(r.hdr + <usize>off, len, VC);
    if (st != 0) return st;
    Io.arenaSet(r, Io.A_SECD, off);
    Io.arenaSet(r, Io.A_SECD + 4, len);
    flags |= F_SECD;
  }
  const mxac = findCreateContext(r.hdr, r.cmdLen, r.body, MXAC_TAG);
  if (mxac >= 0) {
    const len = <u32>(mxac & 0xffffffff);
    if (len != 0 && len != 8) return S.STATUS_INVALID_PARAMETER;
    flags |= F_MXAC;
  }
  Io.arenaSet(r, Io.A_FLAGS, flags);
  return S.STATUS_SUCCESS;
}

@inline function flags(r: Request): u32 {
  return Io.arenaGet(r, Io.A_FLAGS);
}

/** View of a slot's descriptor, or of the one synthesized for the token when none is stored. */
function slotView(r: Request, slot: u32, v: usize, tok: Token, isDir: bool): void {
  if ((flags(r) & Io.storedBit(slot)) != 0 && D.sdParseAt(Io.slotPtr(r, slot), Io.slotLen(r, slot), 0, v, false) == 0) return;
  const sd = defaultSd(tok, isDir);
  D.sdParseAt(changetype<usize>(sd), <u32>sd.length, 0, v, false);
}

/**
 * An existing file or directory (r.s0, r.u1 = is a directory, r.n0 = access so far): checks
 * DesiredAccess against its descriptor (read from the cache, or from the host), then continues
 * with next. r.n0 becomes the granted access.
 */
export function checkExisting(r: Request, next: (r: Request) => u32): u32 {
  if (!Io.arenaValid(r)) return S.STATUS_INTERNAL_ERROR;
  const t = r.tree as Tree;
  if (!Cache.slotFromCache(r, Io.SLOT_TARGET, Cache.nodeOf(t.share.index, r.s0))) {
    if (Io.metaSaysNone(statArea(r))) Io.slotSet(r, Io.SLOT_TARGET, 0, 0);
    else {
      Io.arenaSet(r, Io.A_PHASE, PH_TARGET);
      return Io.readPath(r, t.share.index, r.s0, r.u1 != 0, Io.SLOT_TARGET);
    }
  }
  return afterTarget(r, next);
}

function afterTarget(r: Request, next: (r: Request) => u32): u32 {
  const tok = tokenOf(r);
  slotView(r, Io.SLOT_TARGET, VT, tok, r.u1 != 0);
  const maxFile = C.maximalAccess(VT, tok);
  Io.arenaSet(r, Io.A_USER, maxFile);
  const wantParent = C.needsParentForDelete(maxFile, desiredAccess(r)) || ((flags(r) & F_MXAC) != 0 && (maxFile & C.DELETE) == 0);
  if (wantParent && r.s0.length > 0) {
    const t = r.tree as Tree;
    const parent = parentPath(r.s0);
    if (!Cache.slotFromCache(r, Io.SLOT_PARENT, Cache.nodeOf(t.share.index, parent))) {
      Io.arenaSet(r, Io.A_PHASE, PH_PARENT_DELETE);
      return Io.readPath(r, t.share.index, parent, true, Io.SLOT_PARENT);
    }
  }
  return finishExisting(r, next);
}

function finishExisting(r: Request, next: (r: Request) => u32): u32 {
  const tok = tokenOf(r);
  const t = r.tree as Tree;
  let maxParent: u32 = 0;
  if ((flags(r) & Io.knownBit(Io.SLOT_PARENT)) != 0) {
    slotView(r, Io.SLOT_PARENT, VP, tok, true);
    maxParent = C.maximalAccess(VP, tok);
  }
  const st = C.fileOpenAccess(Io.arenaGet(r, Io.A_USER), maxParent, tok, desiredAccess(r));
  if (st != 0) return st;
  const granted = C.lastGranted;
  // Overwriting or superseding destroys the data: it needs FILE_WRITE_DATA even when not asked
  // for (MS-FSA 2.1.5.1.2; Samba's smb2.acls.OVERWRITE_READ_ONLY_FILE).
  if (r.u1 == 0 && isOverwrite(r) && (C.lastMaximal & C.FILE_WRITE_DATA) == 0) return S.STATUS_ACCESS_DENIED;
  r.n0 &= granted;
  if ((createOptions(r) & FILE_DELETE_ON_CLOSE) != 0 && (r.n0 & C.DELETE) == 0) return S.STATUS_ACCESS_DENIED;
  let mx = C.lastMaximal & t.maximalAccess;
  if ((St.fileAttributes(statArea(r), leafName(r.s0)) & St.FILE_ATTRIBUTE_READONLY) != 0) {
    mx &= ~(C.FILE_WRITE_DATA | C.FILE_APPEND_DATA | C.FILE_DELETE_CHILD);
  }
  Io.arenaSet(r, Io.A_MXAC, mx);
  return next(r);
}

/**
 * A new file or directory (r.s0): the parent must grant FILE_ADD_FILE or FILE_ADD_SUBDIRECTORY;
 * computes the new descriptor (to be stored by storeNew when it differs from the synthesized
 * one), then continues with next (which creates it on the host).
 */
export function checkNew(r: Request, next: (r: Request) => u32): u32 {
  if (!Io.arenaValid(r)) return S.STATUS_INTERNAL_ERROR;
  const t = r.tree as Tree;
  const parent = parentPath(r.s0);
  if (!Cache.slotFromCache(r, Io.SLOT_PARENT, Cache.nodeOf(t.share.index, parent))) {
    Io.arenaSet(r, Io.A_PHASE, PH_PARENT_NEW);
    return Io.readPath(r, t.share.index, parent, true, Io.SLOT_PARENT);
  }
  return finishNew(r, next);
}

function finishNew(r: Request, next: (r: Request) => u32): u32 {
  const tok = tokenOf(r);
  const t = r.tree as Tree;
  const isDir = (createOptions(r) & FILE_DIRECTORY_FILE) != 0;
  slotView(r, Io.SLOT_PARENT, VP, tok, true);
  const maxParent = C.maximalAccess(VP, tok);
  if ((maxParent & (isDir ? FILE_ADD_SUBDIRECTORY : FILE_ADD_FILE)) == 0) return S.STATUS_ACCESS_DENIED;
  const f = flags(r);
  if ((f & (F_SECD | Io.storedBit(Io.SLOT_PARENT))) != 0) {
    let cv: usize = 0;
    if ((f & F_SECD) != 0) {
      D.sdParse(r.hdr + <usize>Io.arenaGet(r, Io.A_SECD), Io.arenaGet(r, Io.A_SECD + 4), VC);
      cv = VC;
    }
    const sd = createSecurityDescriptor(VP, cv, tok, isDir);
    if (sd === null) return inheritStatus;
    if (!Io.slotSet(r, Io.SLOT_NEW, changetype<usize>(sd), <u32>sd.length)) return S.STATUS_INSUFFICIENT_RESOURCES;
    Io.arenaSet(r, Io.A_FLAGS, flags(r) | F_STORE);
  } else {
    Io.slotSet(r, Io.SLOT_NEW, 0, 0);
  }
  slotView(r, Io.SLOT_NEW, VN, tok, isDir);
  slotView(r, Io.SLOT_PARENT, VP, tok, true); // the arena may have moved
  let mx = C.maximalAccess(VN, tok) | C.FILE_READ_ATTRIBUTES;
  if ((C.maximalAccess(VP, tok) & C.FILE_DELETE_CHILD) != 0) mx |= C.DELETE;
  Io.arenaSet(r, Io.A_MXAC, mx & t.maximalAccess);
  return next(r);
}

/** After the host created the object (open o): stores its descriptor if it needs one, then next. */
export function storeNew(r: Request, o: Open, next: (r: Request, o: Open) => u32): u32 {
  if (!Io.arenaValid(r) || r.u0 != FILE_CREATED || (flags(r) & F_STORE) == 0) return next(r, o);
  Io.arenaSet(r, Io.A_PHASE, PH_STORE);
  r.o0 = o;
  const st = Io.writeOpen(r, o, Io.slotPtr(r, Io.SLOT_NEW), Io.slotLen(r, Io.SLOT_NEW), false);
  if (st != S.STATUS_INTERNAL_WAIT) return dropNew(r, o, st);
  return st;
}

/** The new object could not get its descriptor: it must not stay with a more open one. */
function dropNew(r: Request, o: Open, st: u32): u32 {
  o.deleteOnClose = true;
  r.open = null;
  detachAndDelete(o);
  return st;
}

/**
 * Re-entry at SD_STEP after the host completed an operation of this module; continues with
 * checkOpen (existing file), createNew (new object) or stored (after storing).
 */
export function createSdResume(r: Request, checkOpen: (r: Request) => u32, createNew: (r: Request) => u32, stored: (r: Request, o: Open) => u32): u32 {
  const st = Io.sdIoResume(r);
  if (st == S.STATUS_INTERNAL_WAIT) return st;
  const phase = Io.arenaValid(r) ? Io.arenaGet(r, Io.A_PHASE) : 0;
  if (phase == PH_STORE) {
    const o = r.o0 as Open;
    return st == Io.SD_IO_DONE ? stored(r, o) : dropNew(r, o, st);
  }
  if (st != Io.SD_IO_DONE) return st;
  if (phase == PH_TARGET) return afterTarget(r, checkOpen);
  if (phase == PH_PARENT_DELETE) return finishExisting(r, checkOpen);
  if (phase == PH_PARENT_NEW) return finishNew(r, createNew);
  return S.STATUS_INTERNAL_ERROR;
}

/** Size of the MxAc response context for this CREATE (0 when not asked for). */
export function mxacResponseSize(r: Request): u32 {
  return Io.arenaValid(r) && (flags(r) & F_MXAC) != 0 ? 32 : 0;
}

/** Writes the MxAc response context at p (Next = next); returns its size. */
export function writeMxacResponse(r: Request, p: usize, next: u32): u32 {
  store<u32>(p, next, 0); // Next
  store<u16>(p, 16, 4); // NameOffset
  store<u16>(p, 4, 6); // NameLength
  store<u16>(p, 0, 8);
  store<u16>(p, 24, 10); // DataOffset
  store<u32>(p, 8, 12); // DataLength
  store<u32>(p, MXAC_TAG, 16);
  store<u32>(p, 0, 20);
  store<u32>(p, 0, 24); // QueryStatus
  store<u32>(p, Io.arenaGet(r, Io.A_MXAC), 28); // MaximalAccess
  return 32;
}

/** The CREATE succeeded with open o: remember the file's descriptor while it is open. */
export function createdOpen(r: Request, o: Open): void {
  if (!Io.arenaValid(r) || o.node === null) return;
  const slot = r.u0 == FILE_CREATED ? Io.SLOT_NEW : Io.SLOT_TARGET;
  if ((flags(r) & Io.knownBit(slot)) == 0) return;
  Cache.cacheSet(o.node, Io.slotPtr(r, slot), Io.slotLen(r, slot));
}

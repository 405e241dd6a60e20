// QUERY_INFO and SET_INFO of SMB2_0_INFO_SECURITY (MS-SMB2 3.3.5.20.3, 3.3.5.21.3; MS-FSA
// 2.1.5.14, 2.1.5.17): the rights the open needs for each part, the descriptor read from the
// cache or the NTACL xattr (synthesized when none is stored), STATUS_BUFFER_TOO_SMALL with the
// size needed, and the merge of a new descriptor stored back as NTACL.
import * as S from "../smb2/status";
import * as D from "./sd";
import * as C from "./acl_check";
import * as Io from "./sd_io";
import * as Cache from "./sd_cache";
import * as E from "./sd_edit";
import { Request } from "../smb2/request";
import { Conn } from "../smb2/conn";
import { Tree } from "../smb2/session";
import { Open } from "./open";
import { tokenOf } from "./sd_create";
import { DIALECT_311 } from "../config";
import { notifyChange, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_SECURITY } from "./notify";

export const SMB2_0_INFO_SECURITY: u8 = 3;
/** The step QUERY_INFO / SET_INFO re-enter at for this module's I/O. */
export const SD_INFO_STEP: i32 = Io.SD_IO_STEP;
const KNOWN_INFO: u32 = 0x7f | E.BACKUP_SECURITY_INFORMATION;
const READ_PARTS: u32 = E.OWNER_SECURITY_INFORMATION | E.GROUP_SECURITY_INFORMATION | E.DACL_SECURITY_INFORMATION |
  E.LABEL_SECURITY_INFORMATION | E.ATTRIBUTE_SECURITY_INFORMATION | E.SCOPE_SECURITY_INFORMATION | E.BACKUP_SECURITY_INFORMATION;
const PH_QUERY: u32 = 10;
const PH_SET_READ: u32 = 11;
const PH_SET_WRITE: u32 = 12;
const OUT_OFFSET: u16 = 64 + 8;
const VC = memory.data(20);
const VN = memory.data(20);

@inline function queryInfoFlags(r: Request): u32 { return load<u32>(r.body, 16); }
@inline function queryOutputLength(r: Request): u32 { return load<u32>(r.body, 4); }
@inline function setInfoFlags(r: Request): u32 { return load<u32>(r.body, 12); }
@inline function setBufferLength(r: Request): u32 { return load<u32>(r.body, 4); }
@inline function setBufferOffset(r: Request): u32 { return <u32>load<u16>(r.body, 8); }

/**
 * View of the open's current descriptor: the slot, or the one synthesized for the session's
 * token (managed bytes: the heap is only collected between events).
 */
function currentView(r: Request, o: Open, v: usize): void {
  if ((Io.arenaGet(r, Io.A_FLAGS) & Io.storedBit(Io.SLOT_TARGET)) != 0) {
    if (D.sdParseAt(Io.slotPtr(r, Io.SLOT_TARGET), Io.slotLen(r, Io.SLOT_TARGET), 0, v, false) == 0) return;
  }
  const sd = E.defaultSd(tokenOf(r), o.isDir);
  D.sdParseAt(changetype<usize>(sd), <u32>sd.length, 0, v, false);
}

/** Reads the open's descriptor into the target slot (cache first); continues at phase. */
function loadCurrent(r: Request, o: Open, phase: u32): u32 {
  Io.arenaSet(r, Io.A_PHASE, phase);
  if (Cache.slotFromCache(r, Io.SLOT_TARGET, o.node)) return Io.SD_IO_DONE;
  return Io.readOpen(r, o, Io.SLOT_TARGET);
}

/** QUERY_INFO SMB2_0_INFO_SECURITY on open o. */
export function querySecurity(r: Request, o: Open): u32 {
  if (o.pipe !== null) return S.STATUS_NOT_SUPPORTED;
  const info = queryInfoFlags(r) & KNOWN_INFO;
  if ((info & READ_PARTS) != 0 && (o.grantedAccess & C.READ_CONTROL) == 0) return S.STATUS_ACCESS_DENIED;
  const sys = E.SACL_SECURITY_INFORMATION | E.BACKUP_SECURITY_INFORMATION;
  if ((info & sys) != 0 && (o.grantedAccess & C.ACCESS_SYSTEM_SECURITY) == 0) return S.STATUS_ACCESS_DENIED;
  if (!Io.arenaInit(r)) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.o0 = o;
  const st = loadCurrent(r, o, PH_QUERY);
  return st == Io.SD_IO_DONE ? queryFinish(r, o) : st;
}

/** QUERY_INFO re-entry at SD_INFO_STEP. */
export function queryResume(r: Request): u32 {
  const st = Io.sdIoResume(r);
  if (st != Io.SD_IO_DONE) return st;
  const o = r.o0 as Open;
  cacheTarget(r, o);
  return queryFinish(r, o);
}

function cacheTarget(r: Request, o: Open): void {
  Cache.cacheSet(o.node, Io.slotPtr(r, Io.SLOT_TARGET), Io.slotLen(r, Io.SLOT_TARGET));
}

function queryFinish(r: Request, o: Open): u32 {
  const info = queryInfoFlags(r) & KNOWN_INFO;
  currentView(r, o, VC);
  const need = E.querySd(VC, info, 0, 0);
  const cap = queryOutputLength(r);
  if (need > cap) return tooSmall(r, need);
  if (!r.reserve(8 + need + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u16>(out, OUT_OFFSET, 2);
  store<u32>(out, need, 4);
  E.querySd(VC, info, out + 8, need);
  r.outLen = 8 + need;
  return S.STATUS_SUCCESS;
}

/**
 * STATUS_BUFFER_TOO_SMALL with the size needed (MS-SMB2 3.3.5.20.3): in an error context for
 * 3.1.1, else as 4 bytes of ErrorData.
 */
function tooSmall(r: Request, need: u32): u32 {
  const ctx = (r.conn as Conn).dialect == DIALECT_311;
  if (!r.reserve(8 + 12 + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u8>(out, ctx ? 1 : 0, 2); // ErrorContextCount
  store<u8>(out, 0, 3);
  if (ctx) {
    store<u32>(out, 12, 4); // ByteCount
    store<u32>(out, 4, 8); // ErrorDataLength
    store<u32>(out, 0, 12); // ErrorId: SMB2_ERROR_ID_DEFAULT
    store<u32>(out, need, 16);
    r.outLen = 20;
  } else {
    store<u32>(out, 4, 4);
    store<u32>(out, need, 8);
    r.outLen = 12;
  }
  r.bodyReady = true;
  return S.STATUS_BUFFER_TOO_SMALL;
}

/** SET_INFO SMB2_0_INFO_SECURITY on open o. */
export function setSecurity(r: Request, o: Open): u32 {
  if (o.pipe !== null) return S.STATUS_NOT_SUPPORTED;
  const info = setInfoFlags(r) & KNOWN_INFO;
  const g = o.grantedAccess;
  const backup = (info & E.BACKUP_SECURITY_INFORMATION) != 0;
  if ((backup || (info & (E.SACL_SECURITY_INFORMATION | E.SCOPE_SECURITY_INFORMATION)) != 0) && (g & C.ACCESS_SYSTEM_SECURITY) == 0) return S.STATUS_ACCESS_DENIED;
  if ((backup || (info & (E.DACL_SECURITY_INFORMATION | E.ATTRIBUTE_SECURITY_INFORMATION)) != 0) && (g & C.WRITE_DAC) == 0) return S.STATUS_ACCESS_DENIED;
  const ownerParts = E.OWNER_SECURITY_INFORMATION | E.GROUP_SECURITY_INFORMATION | E.LABEL_SECURITY_INFORMATION;
  if ((backup || (info & ownerParts) != 0) && (g & C.WRITE_OWNER) == 0) return S.STATUS_ACCESS_DENIED;
  if ((r.tree as Tree).readOnly) return S.STATUS_ACCESS_DENIED;
  const st = D.sdParse(r.hdr + <usize>setBufferOffset(r), setBufferLength(r), VN);
  if (st != 0) return st;
  if (info == 0) return ok(r);
  if (!Io.arenaInit(r)) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.o0 = o;
  const ld = loadCurrent(r, o, PH_SET_READ);
  return ld == Io.SD_IO_DONE ? setMerge(r, o) : ld;
}

function setMerge(r: Request, o: Open): u32 {
  currentView(r, o, VC);
  D.sdParse(r.hdr + <usize>setBufferOffset(r), setBufferLength(r), VN);
  const sd = E.mergeSd(VC, VN, setInfoFlags(r) & KNOWN_INFO, tokenOf(r));
  if (sd === null) return E.mergeStatus;
  if (!Io.slotSet(r, Io.SLOT_NEW, changetype<usize>(sd), <u32>sd.length)) return S.STATUS_INSUFFICIENT_RESOURCES;
  Io.arenaSet(r, Io.A_PHASE, PH_SET_WRITE);
  return Io.writeOpen(r, o, Io.slotPtr(r, Io.SLOT_NEW), Io.slotLen(r, Io.SLOT_NEW), true);
}

/** SET_INFO re-entry at SD_INFO_STEP. */
export function setResume(r: Request): u32 {
  const st = Io.sdIoResume(r);
  if (st != Io.SD_IO_DONE) return st;
  const o = r.o0 as Open;
  if (Io.arenaGet(r, Io.A_PHASE) == PH_SET_READ) {
    cacheTarget(r, o);
    return setMerge(r, o);
  }
  Cache.cacheSet(o.node, Io.slotPtr(r, Io.SLOT_NEW), Io.slotLen(r, Io.SLOT_NEW));
  notifyChange(o.tree.share.index, o.path, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_SECURITY);
  return ok(r);
}

function ok(r: Request): u32 {
  store<u16>(r.out, 2, 0);
  r.outLen = 2;
  return S.STATUS_SUCCESS;
}

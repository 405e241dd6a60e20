// MS-SRVS server service (srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0): NetrShareEnum (3.1.4.8),
// NetrShareGetInfo (3.1.4.10) and NetrServerGetInfo (3.1.4.17), with the NDR layouts of 2.2.4.
// Requests are parsed with the bounds-checked NdrReader; a malformed stub is a nca_s_fault_ndr fault.

import { NdrReader, NdrWriter } from "../wire/ndr";
import { NCA_S_FAULT_NDR, NCA_S_OP_RNG_ERROR, RpcInterface } from "./dcerpc";

export const STYPE_DISKTREE: u32 = 0x00000000;
export const STYPE_PRINTQ: u32 = 0x00000001;
export const STYPE_IPC: u32 = 0x00000003;
export const STYPE_SPECIAL: u32 = 0x80000000;
export const STYPE_IPC_HIDDEN: u32 = STYPE_IPC | STYPE_SPECIAL;

export const WERR_OK: u32 = 0x00000000;
export const WERR_INVALID_LEVEL: u32 = 0x0000007c;
/** NERR_NetNameNotFound. */
export const WERR_NET_NAME_NOT_FOUND: u32 = 0x00000906;

export const OPNUM_NETR_SHARE_ENUM: u16 = 15;
export const OPNUM_NETR_SHARE_GET_INFO: u16 = 16;
export const OPNUM_NETR_SERVER_GET_INFO: u16 = 21;

const SHI_USES_UNLIMITED: u32 = 0xffffffff;
const PLATFORM_ID_NT: u32 = 500;
/** SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT | SV_TYPE_SERVER_NT. */
const SERVER_TYPE: u32 = 0x00009003;
const SERVER_VERSION_MAJOR: u32 = 10;
const SERVER_VERSION_MINOR: u32 = 0;

/** The srvsvc abstract syntax uuid in wire order. */
const SRVSVC_UUID: usize = memory.data<u8>([
  0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88,
]);

/** A share as srvsvc reports it. */
export class RpcShare {
  name: string;
  comment: string;
  /** STYPE_* value. */
  type: u32;
  /** False: left out of NetrShareEnum (still found by NetrShareGetInfo). */
  browseable: bool;
  constructor(name: string, comment: string, type: u32, browseable: bool) {
    this.name = name;
    this.comment = comment;
    this.type = type;
    this.browseable = browseable;
  }
}

let serverName = "";
let serverComment = "";
/** Configured shares followed by IPC$ (which is there even before srvsvcConfigure). */
let allShares: Array<RpcShare> = [new RpcShare("IPC$", "IPC Service ()", STYPE_IPC_HIDDEN, true)];

/** Sets the server name/comment and shares; IPC$ is appended (a configured IPC$ is ignored). */
export function srvsvcConfigure(netbiosName: string, serverString: string, shares: RpcShare[]): void {
  serverName = netbiosName;
  serverComment = serverString;
  const list = new Array<RpcShare>(0);
  for (let i = 0; i < shares.length; i++) {
    const s = unchecked(shares[i]);
    if (s.name.toUpperCase() != "IPC$") list.push(new RpcShare(s.name, s.comment, s.type, s.browseable));
  }
  list.push(new RpcShare("IPC$", "IPC Service (" + serverString + ")", STYPE_IPC_HIDDEN, true));
  allShares = list;
}

let iface: RpcInterface | null = null;

/** The srvsvc interface (singleton). */
export function srvsvcInterface(): RpcInterface {
  let i = iface;
  if (i === null) {
    i = new RpcInterface(SRVSVC_UUID, 3, 0, srvsvcInvoke);
    iface = i;
  }
  return i;
}

/** Dispatches one srvsvc call; unknown opnums are nca_s_op_rng_error. */
export function srvsvcInvoke(opnum: u16, r: NdrReader, w: NdrWriter): u32 {
  if (opnum == OPNUM_NETR_SHARE_ENUM) return netrShareEnum(r, w);
  if (opnum == OPNUM_NETR_SHARE_GET_INFO) return netrShareGetInfo(r, w);
  if (opnum == OPNUM_NETR_SERVER_GET_INFO) return netrServerGetInfo(r, w);
  return NCA_S_OP_RNG_ERROR;
}

/**
 * Wire layout of each SHARE_INFO_* level that is an arm of SHARE_INFO / SHARE_ENUM_UNION
 * (MS-SRVS and Samba's IDL combined): 's' string pointer, 'b' byte-array pointer sized by the
 * preceding DWORD, '4' DWORD. Null for levels without an arm.
 */
function shareLayout(level: u32): string | null {
  switch (level) {
    case 0: return "s";
    case 1: return "s4s";
    case 2: return "s4s444ss";
    case 501: return "s4s4";
    case 502: return "s4s444ss4b";
    case 503: return "s4s444sss4b";
    case 1004: return "s";
    case 1005: return "4";
    case 1006: return "4";
    case 1007: return "4s";
    case 1501: return "4b";
  }
  return null;
}

function enumLevelSupported(level: u32): bool {
  return level <= 2 || (level >= 501 && level <= 503);
}

function getInfoLevelSupported(level: u32): bool {
  return enumLevelSupported(level) || (level >= 1004 && level <= 1006);
}

/** Levels that are arms (pointers) of the SERVER_INFO union. */
function isServerInfoArm(level: u32): bool {
  if (level >= 100 && level <= 103) return true;
  if (level == 402 || level == 403 || level == 502 || level == 503 || level == 599) return true;
  if (level == 1005 || level == 1010 || level == 1107 || (level >= 1016 && level <= 1018)) return true;
  if (level < 1501 || level > 1556) return false;
  return level != 1504 && level != 1505 && level != 1507 && level != 1508 && level != 1517 &&
    level != 1519 && level != 1526 && level != 1527 && level != 1531 && level != 1532 && level != 1551;
}

/** Skips the [in, string, unique] SRVSVC_HANDLE ServerName. */
function skipServerName(r: NdrReader): void {
  if (r.pointer() != 0) r.skipWstring();
}

/** Skips a client-sent SHARE_INFO_* array (conformant, structs then their deferred referents). */
function skipShareArray(r: NdrReader, level: u32, count: u32): void {
  const layout = shareLayout(level);
  if (layout === null) {
    r.fail();
    return;
  }
  const fields = <u32>layout.length;
  if (r.u32() != count || count > r.remaining() / (fields * 4)) {
    r.fail();
    return;
  }
  const fixed = r.base + <usize>r.pos;
  r.skip(count * fields * 4);
  for (let i: u32 = 0; i < count && !r.failed; i++) {
    for (let j: u32 = 0; j < fields; j++) {
      const kind = layout.charCodeAt(<i32>j);
      if (kind == 0x34 /* '4' */) continue;
      if (load<u32>(fixed + (<usize>(i * fields + j) << 2)) == 0) continue;
      if (kind == 0x73 /* 's' */) r.skipWstring();
      else r.skipConformantArray(1);
    }
  }
}

/** Finds a share by name, case-insensitively. */
function findShare(name: string): RpcShare | null {
  const key = name.toUpperCase();
  for (let i = 0; i < allShares.length; i++) {
    const s = unchecked(allShares[i]);
    if (s.name.toUpperCase() == key) return s;
  }
  return null;
}

/** The fixed part of SHARE_INFO_<level> (pointers as referent IDs; passwords and SDs null). */
function writeShareFixed(w: NdrWriter, level: u32, s: RpcShare): void {
  if (level == 1005) {
    w.u32(0); // shi1005_flags: no DFS, manual caching
    return;
  }
  if (level == 1006) {
    w.u32(SHI_USES_UNLIMITED);
    return;
  }
  w.refPtr(); // netname (shi1004: remark)
  if (level == 0 || level == 1004) return;
  w.u32(s.type);
  w.refPtr(); // remark
  if (level == 1) return;
  if (level == 501) {
    w.u32(0); // shi501_flags
    return;
  }
  w.u32(0); // permissions (ignored with user-level security)
  w.u32(SHI_USES_UNLIMITED); // max_uses
  w.u32(0); // current_uses
  w.refPtr(); // path
  w.u32(0); // passwd: null
  if (level == 2) return;
  if (level == 503) w.refPtr(); // servername
  w.u32(0); // reserved: security descriptor length
  w.u32(0); // security_descriptor: null
}

/** The deferred strings of SHARE_INFO_<level>, in pointer order. */
function writeShareDeferred(w: NdrWriter, level: u32, s: RpcShare): void {
  if (level == 1005 || level == 1006) return;
  if (level == 1004) {
    w.wstring(s.comment);
    return;
  }
  w.wstring(s.name);
  if (level == 0) return;
  w.wstring(s.comment);
  if (level == 1 || level == 501) return;
  w.wstring(""); // path: host paths never reach the core
  if (level == 503) w.wstring("*"); // servername: default scope
}

/** NetrShareEnum (opnum 15): every browseable share from the resume index on, in one response. */
function netrShareEnum(r: NdrReader, w: NdrWriter): u32 {
  skipServerName(r);
  const level = r.u32();
  if (r.u32() != level) r.fail(); // union discriminant
  const hasArm = shareLayout(level) !== null;
  if (hasArm && r.pointer() != 0) {
    const count = r.u32();
    if (r.pointer() != 0) skipShareArray(r, level, count);
  }
  r.u32(); // PreferedMaximumLength: everything is returned at once
  const hasResume = r.pointer() != 0;
  const resume = hasResume ? r.u32() : 0;
  if (r.failed) return NCA_S_FAULT_NDR;

  const visible = new Array<RpcShare>(0);
  for (let i = 0; i < allShares.length; i++) {
    const s = unchecked(allShares[i]);
    if (s.browseable) visible.push(s);
  }
  const first = min(resume, <u32>visible.length);
  const count = <u32>visible.length - first;
  const ok = enumLevelSupported(level);

  w.u32(level);
  w.u32(level);
  if (ok) {
    w.refPtr(); // container
    w.u32(count); // EntriesRead
    w.uniquePtr(count > 0);
    if (count > 0) {
      w.conformance(count);
      for (let i = first; i < <u32>visible.length; i++) writeShareFixed(w, level, unchecked(visible[i]));
      for (let i = first; i < <u32>visible.length; i++) writeShareDeferred(w, level, unchecked(visible[i]));
    }
  } else if (hasArm) {
    w.u32(0);
  }
  w.u32(ok ? count : 0); // TotalEntries
  if (hasResume) {
    w.refPtr();
    w.u32(ok ? 0 : resume); // enumeration complete
  } else {
    w.u32(0);
  }
  w.u32(ok ? WERR_OK : WERR_INVALID_LEVEL);
  return 0;
}

/** NetrShareGetInfo (opnum 16): any share, hidden or not. */
function netrShareGetInfo(r: NdrReader, w: NdrWriter): u32 {
  skipServerName(r);
  const name = r.wstring();
  const level = r.u32();
  if (r.failed) return NCA_S_FAULT_NDR;
  w.u32(level);
  if (!getInfoLevelSupported(level)) {
    if (shareLayout(level) !== null) w.u32(0);
    w.u32(WERR_INVALID_LEVEL);
    return 0;
  }
  const s = findShare(name);
  if (s === null) {
    w.u32(0);
    w.u32(WERR_NET_NAME_NOT_FOUND);
    return 0;
  }
  w.refPtr();
  writeShareFixed(w, level, s);
  writeShareDeferred(w, level, s);
  w.u32(WERR_OK);
  return 0;
}

/** NetrServerGetInfo (opnum 21): levels 100, 101 and 102. */
function netrServerGetInfo(r: NdrReader, w: NdrWriter): u32 {
  skipServerName(r);
  const level = r.u32();
  if (r.failed) return NCA_S_FAULT_NDR;
  w.u32(level);
  if (level < 100 || level > 102) {
    if (isServerInfoArm(level)) w.u32(0);
    w.u32(WERR_INVALID_LEVEL);
    return 0;
  }
  w.refPtr();
  w.u32(PLATFORM_ID_NT);
  w.refPtr(); // name
  if (level >= 101) {
    w.u32(SERVER_VERSION_MAJOR);
    w.u32(SERVER_VERSION_MINOR);
    w.u32(SERVER_TYPE);
    w.refPtr(); // comment
  }
  if (level == 102) {
    w.u32(0xffffffff); // users: no limit
    w.u32(15); // disc: auto-disconnect minutes
    w.u32(0); // hidden: SV_VISIBLE
    w.u32(240); // announce (seconds)
    w.u32(3000); // anndelta (milliseconds)
    w.u32(0); // licenses
    w.refPtr(); // userpath
  }
  w.wstring(serverName);
  if (level >= 101) w.wstring(serverComment);
  if (level == 102) w.wstring("C:\\");
  w.u32(WERR_OK);
  return 0;
}

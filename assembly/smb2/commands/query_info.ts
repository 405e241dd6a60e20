// MS-SMB2 2.2.37/2.2.38 QUERY_INFO (3.3.5.20): file classes (MS-FSCC 2.4; FileFullEaInformation
// in query_ea.ts), filesystem classes (MS-FSCC 2.5) and security (fs/sd_info.ts). Quota
// information is not supported yet.
import * as S from "../status";
import { Request } from "../request";
import { Conn } from "../conn";
import { Tree } from "../session";
import { Open } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioFstat, ioStatfs, statArea, statfsArea } from "../../fs/ops";
import { errnoToStatus } from "../../fs/errno";
import { encodeFileInfo, fileInfoMinSize, INFO_EMPTY, INFO_UNAVAILABLE } from "../../fs/info";
import { encodeFsInfo, fsInfoMinSize, fsInfoNeedsStatfs } from "../../fs/fsinfo";
import * as A from "../../fs/access";
import { FileFullEaInformation } from "../../fs/info";
import { STAT_EX_SIZE } from "../../fs/stat";
import { queryFullEa, queryFullEaResume, STEP_EA_LIST, STEP_EA_GET } from "./query_ea";
import { queryStreams, queryStreamsDone, STEP_STREAM_LIST } from "../../fs/stream_info";
import { querySecurity, queryResume as querySecurityResume, SD_INFO_STEP } from "../../fs/sd_info";

const SMB2_0_INFO_FILE: u8 = 1;
const SMB2_0_INFO_FILESYSTEM: u8 = 2;
const SMB2_0_INFO_SECURITY: u8 = 3;
const SMB2_0_INFO_QUOTA: u8 = 4;
const OUT_OFFSET: u16 = 64 + 8;

@inline function InfoType(b: usize): u8 { return load<u8>(b, 2); }
@inline function FileInfoClass(b: usize): u8 { return load<u8>(b, 3); }
@inline function OutputBufferLength(b: usize): u32 { return load<u32>(b, 4); }

export function smb2QueryInfo(r: Request): u32 {
  const b = r.body;
  const type = InfoType(b);
  const cls = FileInfoClass(b);
  if (r.step == 0) {
    const c = r.conn as Conn;
    const o = lookupOpen(r, b + 24);
    if (o === null) return S.STATUS_FILE_CLOSED;
    if (OutputBufferLength(b) > c.maxTransactSize) return S.STATUS_INVALID_PARAMETER;
    r.o0 = o;
    if (type == SMB2_0_INFO_FILE) {
      if (cls == FileFullEaInformation) {
        if (o.pipe !== null) return S.STATUS_INVALID_PARAMETER;
        if (!A.granted(o, A.FILE_READ_EA)) return S.STATUS_ACCESS_DENIED;
        return queryFullEa(r, o);
      }
      const min = fileInfoMinSize(cls);
      if (min == 0) return S.STATUS_INVALID_INFO_CLASS;
      if (OutputBufferLength(b) < min) return S.STATUS_INFO_LENGTH_MISMATCH;
      // MS-FSA 2.1.5.11: only these classes need FILE_READ_ATTRIBUTES
      if (!A.granted(o, A.FILE_READ_ATTRIBUTES) && (cls == 4 /* Basic */ || cls == 18 /* All */ || cls == 34 /* NetworkOpen */ || cls == 35 /* AttributeTag */)) {
        return S.STATUS_ACCESS_DENIED;
      }
      if (o.pipe !== null) {
        memory.fill(statArea(r), 0, STAT_EX_SIZE);
        return finishFile(r, o, cls);
      }
      if (cls == 22 /* FileStreamInformation */) return queryStreams(r, o); // fs/stream_info.ts
      r.step = 1;
      return ioFstat(r, o);
    }
    if (type == SMB2_0_INFO_FILESYSTEM) {
      const min = fsInfoMinSize(cls);
      if (min == 0) return S.STATUS_INVALID_INFO_CLASS;
      if (OutputBufferLength(b) < min) return S.STATUS_INFO_LENGTH_MISMATCH;
      const t = r.tree as Tree;
      if (t.share.isIpc) return S.STATUS_INVALID_PARAMETER;
      if (!fsInfoNeedsStatfs(cls)) return finishFs(r, cls);
      r.step = 2;
      return ioStatfs(r, t.share.index);
    }
    if (type == SMB2_0_INFO_SECURITY) return querySecurity(r, o); // fs/sd_info.ts
    if (type == SMB2_0_INFO_QUOTA) return S.STATUS_NOT_SUPPORTED;
    return S.STATUS_INVALID_PARAMETER;
  }
  if (r.step == SD_INFO_STEP) return querySecurityResume(r);
  if (r.step == STEP_EA_LIST || r.step == STEP_EA_GET) return queryFullEaResume(r);
  if (r.step == STEP_STREAM_LIST) return queryStreamsDone(r);
  const o = r.o0 as Open;
  if (r.step == 1) {
    if (r.ioResult < 0) return errnoToStatus(r.ioResult);
    return finishFile(r, o, cls);
  }
  if (r.ioResult < 0) return errnoToStatus(r.ioResult);
  return finishFs(r, cls);
}

function header(r: Request, n: u32): void {
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u16>(out, OUT_OFFSET, 2);
  store<u32>(out, n, 4);
  if (n == 0) store<u8>(out, 0, 8);
  r.outLen = 8 + (n == 0 ? 1 : n);
}

/**
 * Sends min(need, room) bytes, where room (<= OutputBufferLength) is what was encoded;
 * STATUS_BUFFER_OVERFLOW if truncated.
 */
function complete(r: Request, need: i32, cap: u32): u32 {
  // 8.3 short names are not generated (so none can be opened by): say so rather than invent one
  if (need == INFO_UNAVAILABLE) return S.STATUS_NOT_SUPPORTED;
  if (need == INFO_EMPTY) {
    header(r, 0);
    return S.STATUS_SUCCESS;
  }
  if (need == 0) return S.STATUS_INVALID_INFO_CLASS;
  if (<u32>need > cap) {
    header(r, cap);
    r.bodyReady = true;
    return S.STATUS_BUFFER_OVERFLOW;
  }
  header(r, <u32>need);
  return S.STATUS_SUCCESS;
}

function finishFile(r: Request, o: Open, cls: u8): u32 {
  const cap = OutputBufferLength(r.body);
  // Encode at most what the client accepts (plus room to learn the full length).
  if (!r.reserve(8 + (cap < 65536 ? cap : 65536) + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const room = cap < 65536 ? cap : 65536;
  const need = encodeFileInfo(cls, r.out + 8, room, statArea(r), o, r.scratch + 256);
  return complete(r, need, room);
}

function finishFs(r: Request, cls: u8): u32 {
  const cap = OutputBufferLength(r.body);
  const room = cap < 4096 ? cap : 4096;
  if (!r.reserve(8 + room + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  const t = r.tree as Tree;
  const need = encodeFsInfo(cls, r.out + 8, room, statfsArea(r), t.share, r.scratch + 256);
  return complete(r, need, room);
}

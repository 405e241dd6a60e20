// MS-SMB2 2.2.39/2.2.40 SET_INFO (3.3.5.21) for file classes: Basic (times), Rename,
// Disposition, Position, Mode, Allocation and EndOfFile (MS-FSCC 2.4).
import * as S from "../status";
import { Request } from "../request";
import { Tree } from "../session";
import { Open, opens, fileNodes, FileNode } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioTruncate, ioUtimes, ioRename, ioFstat, ioReaddir, statArea } from "../../fs/ops";
import { RENAME_NOREPLACE } from "../../fs/io";
import { errnoToStatus, EEXIST, ENOTEMPTY } from "../../fs/errno";
import { parseSmbPath } from "../../fs/path";
import { filetimeToMs, stSize } from "../../fs/stat";
import * as I from "../../fs/info";
import * as A from "../../fs/access";

const SMB2_0_INFO_FILE: u8 = 1;
const STEP_DONE = 1;
const STEP_RENAMED = 2;
const STEP_ALLOC_STAT = 3;
const STEP_EMPTY_CHECK = 4;

@inline function InfoType(b: usize): u8 { return load<u8>(b, 2); }
@inline function FileInfoClass(b: usize): u8 { return load<u8>(b, 3); }
@inline function BufferLength(b: usize): u32 { return load<u32>(b, 4); }
@inline function BufferOffset(b: usize): u32 { return <u32>load<u16>(b, 8); }

function ok(r: Request): u32 {
  store<u16>(r.out, 2, 0);
  r.outLen = 2;
  return S.STATUS_SUCCESS;
}

export function smb2SetInfo(r: Request): u32 {
  const b = r.body;
  if (r.step != 0) return resume(r);
  const o = lookupOpen(r, b + 16);
  if (o === null) return S.STATUS_FILE_CLOSED;
  r.o0 = o;
  if (InfoType(b) != SMB2_0_INFO_FILE) return S.STATUS_NOT_SUPPORTED;
  if (o.pipe !== null) return S.STATUS_NOT_SUPPORTED;
  if ((r.tree as Tree).readOnly) return S.STATUS_ACCESS_DENIED;
  const buf = r.hdr + <usize>BufferOffset(b);
  const len = BufferLength(b);
  const cls = FileInfoClass(b);
  switch (cls) {
    case I.FileBasicInformation: {
      if (len < 36) return S.STATUS_INFO_LENGTH_MISMATCH;
      if (!A.granted(o, A.FILE_WRITE_ATTRIBUTES)) return S.STATUS_ACCESS_DENIED;
      const atime = load<i64>(buf, 8);
      const mtime = load<i64>(buf, 16);
      // 0 = leave unchanged; -1/-2 (stop/resume automatic updates) also leave the value alone
      const a = atime > 0 ? filetimeToMs(<u64>atime) : NaN;
      const m = mtime > 0 ? filetimeToMs(<u64>mtime) : NaN;
      if (isNaN(a) && isNaN(m)) return ok(r);
      if (o.hostHandle == 0) return ok(r);
      r.step = STEP_DONE;
      return ioUtimes(r, o, a, m);
    }
    case I.FileRenameInformation: return rename(r, o, buf, len);
    case I.FileDispositionInformation: {
      if (len < 1) return S.STATUS_INFO_LENGTH_MISMATCH;
      if (!A.granted(o, A.DELETE)) return S.STATUS_ACCESS_DENIED;
      const n = o.node;
      if (n === null) return S.STATUS_INVALID_HANDLE;
      const del = load<u8>(buf) != 0;
      if (!del) {
        n.deletePending = false;
        o.deleteOnClose = false;
        return ok(r);
      }
      if (o.path.length == 0) return S.STATUS_CANNOT_DELETE;
      if (o.isDir) {
        // Windows refuses to mark a non-empty directory: look for one entry.
        r.p0 = r.scratch + 1024;
        r.step = STEP_EMPTY_CHECK;
        return ioReaddir(r, o, 0, r.p0, 1024, 1);
      }
      n.deletePending = true;
      return ok(r);
    }
    case I.FilePositionInformation:
      if (len < 8) return S.STATUS_INFO_LENGTH_MISMATCH;
      o.position = load<u64>(buf);
      return ok(r);
    case I.FileModeInformation: {
      if (len < 4) return S.STATUS_INFO_LENGTH_MISMATCH;
      const mode = load<u32>(buf);
      if ((mode & ~0x0000003e) != 0) return S.STATUS_INVALID_PARAMETER;
      return ok(r);
    }
    case I.FileEndOfFileInformation: {
      if (len < 8) return S.STATUS_INFO_LENGTH_MISMATCH;
      if (!A.granted(o, A.FILE_WRITE_DATA)) return S.STATUS_ACCESS_DENIED;
      if (o.isDir) return S.STATUS_INVALID_PARAMETER;
      const size = load<u64>(buf);
      if (size > 0x1f_ffff_ffff_ffff) return S.STATUS_INVALID_PARAMETER;
      r.step = STEP_DONE;
      return ioTruncate(r, o, size);
    }
    case I.FileAllocationInformation: {
      if (len < 8) return S.STATUS_INFO_LENGTH_MISMATCH;
      if (!A.granted(o, A.FILE_WRITE_DATA)) return S.STATUS_ACCESS_DENIED;
      if (o.isDir) return S.STATUS_INVALID_PARAMETER;
      r.u0 = load<u64>(buf);
      r.step = STEP_ALLOC_STAT;
      return ioFstat(r, o);
    }
    case I.FileFullEaInformation: return S.STATUS_EAS_NOT_SUPPORTED;
  }
  return S.STATUS_INVALID_INFO_CLASS;
}

function resume(r: Request): u32 {
  const o = r.o0 as Open;
  const res = r.ioResult;
  switch (r.step) {
    case STEP_DONE:
      return res < 0 ? errnoToStatus(res) : ok(r);
    case STEP_ALLOC_STAT: {
      if (res < 0) return errnoToStatus(res);
      // Allocation below the end of file truncates (MS-FSA 2.1.5.15.1); above it we cannot
      // reserve space on every host filesystem, so the request is a no-op there.
      if (r.u0 >= stSize(statArea(r))) return ok(r);
      r.step = STEP_DONE;
      return ioTruncate(r, o, r.u0);
    }
    case STEP_EMPTY_CHECK: {
      if (res < 0) return errnoToStatus(res);
      if (res > 0) return S.STATUS_DIRECTORY_NOT_EMPTY;
      const n = o.node;
      if (n !== null) n.deletePending = true;
      return ok(r);
    }
    case STEP_RENAMED: {
      if (res < 0) return res == -EEXIST || res == -ENOTEMPTY ? S.STATUS_OBJECT_NAME_COLLISION : errnoToStatus(res);
      renamed(o, r.s0, r.s1);
      return ok(r);
    }
  }
  return S.STATUS_INTERNAL_ERROR;
}

function rename(r: Request, o: Open, buf: usize, len: u32): u32 {
  if (len < 20) return S.STATUS_INFO_LENGTH_MISMATCH;
  if (!A.granted(o, A.DELETE)) return S.STATUS_ACCESS_DENIED;
  const replace = load<u8>(buf) != 0;
  const nameLen = load<u32>(buf, 16);
  if (load<u64>(buf, 8) != 0) return S.STATUS_INVALID_PARAMETER; // RootDirectory must be 0 for SMB2
  if (<u64>nameLen + 20 > <u64>len) return S.STATUS_INFO_LENGTH_MISMATCH;
  const parsed = parseSmbPath(buf + 20, nameLen);
  if (parsed.status != S.STATUS_SUCCESS) return parsed.status;
  if (parsed.path.length == 0 || o.path.length == 0) return S.STATUS_ACCESS_DENIED;
  if (parsed.path == o.path) return ok(r);
  // Other opens of the file must allow delete sharing (MS-FSA 2.1.5.15.11).
  const n = o.node;
  if (n !== null) {
    for (let i = 0; i < n.opens.length; i++) {
      const other = unchecked(n.opens[i]);
      if (other !== o && (other.shareAccess & A.FILE_SHARE_DELETE) == 0) return S.STATUS_SHARING_VIOLATION;
    }
  }
  r.s0 = o.path;
  r.s1 = parsed.path;
  r.step = STEP_RENAMED;
  return ioRename(r, (r.tree as Tree).share.index, o.path, parsed.path, replace ? 0 : RENAME_NOREPLACE);
}

/** After a successful rename, re-key every open at or below the old path. */
function renamed(o: Open, from: string, to: string): void {
  const share = o.tree.share.index;
  const prefix = from + "/";
  const list = opens.values();
  for (let i = 0; i < list.length; i++) {
    const x = unchecked(list[i]);
    if (x.tree.share.index != share) continue;
    if (x.path == from) x.path = to;
    else if (x.path.startsWith(prefix)) x.path = to + x.path.substring(from.length);
  }
  const nodes = fileNodes.values();
  for (let i = 0; i < nodes.length; i++) {
    const nd = unchecked(nodes[i]);
    const sep = nd.key.indexOf(":");
    if (sep < 0 || nd.key.substring(0, sep) != share.toString()) continue;
    const p = nd.key.substring(sep + 1);
    let np = "";
    if (p == from) np = to;
    else if (p.startsWith(prefix)) np = to + p.substring(from.length);
    else continue;
    rekey(nd, share.toString() + ":" + np);
  }
}

function rekey(n: FileNode, key: string): void {
  if (fileNodes.has(n.key)) fileNodes.delete(n.key);
  n.key = key;
  fileNodes.set(key, n);
}

// MS-SMB2 2.2.39/2.2.40 SET_INFO (3.3.5.21) for file classes: Basic (times, attributes and
// create time in user.DOSATTRIB), Rename, Link (hard links, set_info_link.ts), Disposition,
// Position, Mode, Allocation, EndOfFile and FullEa (MS-FSCC 2.4, MS-FSA 2.1.5.14).
import { pathVetoed } from "../../fs/veto";
import * as S from "../status";
import { Request } from "../request";
import { Tree } from "../session";
import { Open, opens, fileNodes, FileNode, nodeKey } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioTruncate, ioUtimes, ioRename, ioFstat, ioReaddir, ioXattrSet, ioXattrDel, ioXattrList, statArea } from "../../fs/ops";
import { RENAME_NOREPLACE } from "../../fs/io";
import { errnoToStatus, EEXIST, ENOTEMPTY, ENODATA, ENOTSUP } from "../../fs/errno";
import { parseSmbPath, leafName, parentPath } from "../../fs/path";
import { filetimeToMs, stSize } from "../../fs/stat";
import * as St from "../../fs/stat";
import { dosattribEncode, DOSATTRIB_NAME } from "../../fs/dosattrib";
import { setStickyChangeTime } from "../../fs/changetime";
import * as Ea from "../../fs/ea";
import * as I from "../../fs/info";
import * as N from "../../fs/notify";
import * as A from "../../fs/access";
import { canGoAsync, STATUS_INTERNAL_ASYNC } from "../async";
import { breakForWrite, breakForHandle, breakDirectoryLeases } from "../../oplock/state";
import { renameStream, streamRenamed, STEP_STREAM_RENAMED } from "./rename_stream";
import { setLink, linkResume, FileLinkInformation, STEP_LINK_STAT, STEP_LINKED } from "./set_info_link";
import { streamOpenCount } from "../../fs/streams";
import { setSecurity, setResume as setSecurityResume, SD_INFO_STEP, SMB2_0_INFO_SECURITY } from "../../fs/sd_info";

const SMB2_0_INFO_FILE: u8 = 1;
const STEP_DONE = 1;
const STEP_RENAMED = 2;
const STEP_ALLOC_STAT = 3;
const STEP_EMPTY_CHECK = 4;
const STEP_BASIC_STAT = 5;
const STEP_BASIC_DOS = 6;
const STEP_DISP_STAT = 7;
const STEP_EA_LIST = 8;
const STEP_EA_APPLY = 9;
const STEP_BREAK_WAIT = 10; // woken after handle-caching breaks: the request runs again (oplock/state.ts)

const DOS_AREA: usize = 1024; // scratch: the DOSATTRIB value being written
const EA_STATE: usize = 1056; // scratch: u32 cursor in the EA list, u32 names length, u32 1 = a delete is pending
const EA_LIST_CAP: u32 = 65536;
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
  const st = setInfo(r);
  if (st == S.STATUS_SUCCESS) notifySetInfo(r);
  return st;
}

/** Tells watchers what a successful SET_INFO changed (MS-FSA 2.1.5.14 notifications). */
function notifySetInfo(r: Request): void {
  const o = r.o0;
  if (o === null || InfoType(r.body) != SMB2_0_INFO_FILE) return;
  const share = o.tree.share.index;
  const nameBits = o.isDir ? N.FILE_NOTIFY_CHANGE_DIR_NAME : N.FILE_NOTIFY_CHANGE_FILE_NAME;
  switch (FileInfoClass(r.body)) {
    case I.FileRenameInformation: {
      const from = r.s0;
      const to = r.s1;
      if (from.length == 0 || to.length == 0 || from == to) return;
      if (parentPath(from) == parentPath(to)) {
        N.notifyChange(share, from, N.FILE_ACTION_RENAMED_OLD_NAME, nameBits);
        N.notifyChange(share, to, N.FILE_ACTION_RENAMED_NEW_NAME, nameBits);
      } else {
        N.notifyChange(share, from, N.FILE_ACTION_REMOVED, nameBits);
        N.notifyChange(share, to, N.FILE_ACTION_ADDED, nameBits);
      }
      // Windows also reports a renamed file's attributes as modified (it sets ARCHIVE)
      if (!o.isDir) N.notifyChange(share, to, N.FILE_ACTION_MODIFIED, N.FILE_NOTIFY_CHANGE_ATTRIBUTES);
      return;
    }
    case I.FileBasicInformation: {
      const buf = r.hdr + <usize>BufferOffset(r.body);
      let bits: u32 = 0;
      if (load<i64>(buf, 0) > 0) bits |= N.FILE_NOTIFY_CHANGE_CREATION;
      if (load<i64>(buf, 8) > 0) bits |= N.FILE_NOTIFY_CHANGE_LAST_ACCESS;
      if (load<i64>(buf, 16) > 0) bits |= N.FILE_NOTIFY_CHANGE_LAST_WRITE;
      if (load<u32>(buf, 32) != 0) bits |= N.FILE_NOTIFY_CHANGE_ATTRIBUTES;
      if (bits != 0) N.notifyChange(share, o.path, N.FILE_ACTION_MODIFIED, bits);
      return;
    }
    case I.FileEndOfFileInformation:
    case I.FileAllocationInformation:
      N.notifyChange(share, o.path, N.FILE_ACTION_MODIFIED, N.FILE_NOTIFY_CHANGE_SIZE);
      return;
    case I.FileFullEaInformation:
      N.notifyChange(share, o.path, N.FILE_ACTION_MODIFIED, N.FILE_NOTIFY_CHANGE_EA);
      return;
  }
}

function setInfo(r: Request): u32 {
  const b = r.body;
  if (r.step == SD_INFO_STEP) return setSecurityResume(r);
  if (r.step != 0 && r.step != STEP_BREAK_WAIT) return resume(r);
  const o = lookupOpen(r, b + 16);
  if (o === null) return S.STATUS_FILE_CLOSED;
  r.o0 = o;
  if (InfoType(b) == SMB2_0_INFO_SECURITY) return setSecurity(r, o); // fs/sd_info.ts
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
      o.modified = true; // its close breaks the parent's directory leases
      const created = load<i64>(buf, 0);
      const changed = load<i64>(buf, 24);
      const attrs = load<u32>(buf, 32);
      if (attrs != 0) {
        // MS-FSA 2.1.5.14.2: DIRECTORY only on directories, TEMPORARY never on them
        if ((attrs & St.FILE_ATTRIBUTE_DIRECTORY) != 0 && !o.isDir) return S.STATUS_INVALID_PARAMETER;
        if ((attrs & St.FILE_ATTRIBUTE_TEMPORARY) != 0 && o.isDir) return S.STATUS_INVALID_PARAMETER;
      }
      if (changed > 0) setStickyChangeTime(o, <u64>changed);
      if (o.hostHandle == 0) return ok(r);
      if (attrs != 0 || created > 0) {
        r.step = STEP_BASIC_STAT;
        return ioFstat(r, o);
      }
      return basicTimes(r, o, buf);
    }
    case I.FileRenameInformation: return rename(r, o, buf, len);
    case FileLinkInformation: return setLink(r, o, buf, len); // set_info_link.ts
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
      if (o.path.length == 0 && o.stream.length == 0) return S.STATUS_CANNOT_DELETE; // a root stream may go
      if (o.hostHandle == 0) return S.STATUS_INVALID_HANDLE;
      if (breakForHandle(o, canGoAsync(r))) return waitBreaks(r, n);
      r.step = STEP_DISP_STAT; // a READONLY file cannot be deleted
      return ioFstat(r, o);
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
      breakForWrite(o); // Level II oplocks and others' read caching (MS-FSA 2.1.5.14.4)
      r.step = STEP_DONE;
      return ioTruncate(r, o, size);
    }
    case I.FileAllocationInformation: {
      if (len < 8) return S.STATUS_INFO_LENGTH_MISMATCH;
      if (!A.granted(o, A.FILE_WRITE_DATA)) return S.STATUS_ACCESS_DENIED;
      if (o.isDir) return S.STATUS_INVALID_PARAMETER;
      r.u0 = load<u64>(buf);
      breakForWrite(o);
      r.step = STEP_ALLOC_STAT;
      return ioFstat(r, o);
    }
    case I.FileFullEaInformation: return setEas(r, o, buf, len);
  }
  return S.STATUS_INVALID_INFO_CLASS;
}

/** Sets LastAccessTime/LastWriteTime (0, -1, -2: unchanged) of a FileBasicInformation. */
function basicTimes(r: Request, o: Open, buf: usize): u32 {
  const atime = load<i64>(buf, 8);
  const mtime = load<i64>(buf, 16);
  const a = atime > 0 ? filetimeToMs(<u64>atime) : NaN;
  const m = mtime > 0 ? filetimeToMs(<u64>mtime) : NaN;
  if (isNaN(a) && isNaN(m)) return ok(r);
  r.step = STEP_DONE;
  return ioUtimes(r, o, a, m);
}

/**
 * Writes user.DOSATTRIB for a FileBasicInformation: the given attributes (0 = the current ones;
 * FILE_ATTRIBUTE_NORMAL alone clears them; a directory keeps DIRECTORY) and CreationTime
 * (0, -1, -2 = the current one).
 */
function basicDosattrib(r: Request, o: Open, buf: usize): u32 {
  const st = statArea(r);
  const attrs = load<u32>(buf, 32);
  const created = load<i64>(buf, 0);
  let stored: u32;
  if (attrs != 0) stored = attrs & St.STORED_ATTRIBUTES;
  else stored = St.fileAttributes(st, leafName(o.path)) & St.STORED_ATTRIBUTES;
  if (o.isDir) stored |= St.FILE_ATTRIBUTE_DIRECTORY;
  const ft = created > 0 ? <u64>created : St.createTime(st);
  const p = r.scratch + DOS_AREA;
  const n = dosattribEncode(p, stored, ft);
  r.step = STEP_BASIC_DOS;
  return ioXattrSet(r, o, DOSATTRIB_NAME, p, n, 0);
}

/** SET_INFO FileFullEaInformation (MS-FSA 2.1.5.14.4): EaValueLength 0 removes an EA. */
function setEas(r: Request, o: Open, buf: usize, len: u32): u32 {
  if (!A.granted(o, A.FILE_WRITE_EA)) return S.STATUS_ACCESS_DENIED;
  o.modified = true;
  if (o.hostHandle == 0) return S.STATUS_INVALID_HANDLE;
  const v = Ea.validateFullEaList(buf, len);
  if (v != S.STATUS_SUCCESS) return v;
  // Samba's own xattrs are not EAs a client may write.
  let off: u32 = 0;
  while (true) {
    const e = buf + <usize>off;
    if (Ea.isInternalEa(e + 8, <u32>load<u8>(e, 5))) return S.STATUS_ACCESS_DENIED;
    const next = load<u32>(e);
    if (next == 0) break;
    off += next;
  }
  const list = r.takeTmp(<usize>EA_LIST_CAP);
  if (list == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.p0 = list;
  r.step = STEP_EA_LIST;
  return ioXattrList(r, o, list, EA_LIST_CAP);
}

/** Applies the next EA of the request (the existing name's case is kept, as Samba does). */
function nextEa(r: Request, o: Open): u32 {
  const buf = r.hdr + <usize>BufferOffset(r.body);
  const len = BufferLength(r.body);
  const state = r.scratch + EA_STATE;
  const off = load<u32>(state);
  if (off >= len) return ok(r);
  const e = buf + <usize>off;
  const next = load<u32>(e);
  store<u32>(state, next == 0 ? len : off + next);
  const nameLen = <u32>load<u8>(e, 5);
  const valueLen = <u32>load<u16>(e, 6);
  const existing = findXattr(r.p0, load<u32>(state, 4), e + 8, nameLen);
  const name = existing != 0
    ? String.UTF8.decodeUnsafe(existing, <usize>(5 + nameLen))
    : Ea.EA_PREFIX + String.UTF8.decodeUnsafe(e + 8, <usize>nameLen);
  r.step = STEP_EA_APPLY;
  store<u32>(state, valueLen == 0 ? 1 : 0, 8);
  if (valueLen == 0) return ioXattrDel(r, o, name);
  return ioXattrSet(r, o, name, e + 9 + <usize>nameLen, valueLen, 0);
}

/** The user.* xattr in the name list whose EA name equals [p, p+n) ignoring case; address or 0. */
function findXattr(list: usize, len: u32, p: usize, n: u32): usize {
  let i: u32 = 0;
  while (i < len) {
    const q = list + <usize>i;
    let k: u32 = 0;
    while (i + k < len && load<u8>(q + <usize>k) != 0) k++;
    if (k == 5 + n && load<u32>(q) == 0x72657375 && load<u8>(q, 4) == 0x2e && Ea.bytesEqualCI(q + 5, n, p, n)) return q;
    i += k + 1;
  }
  return 0;
}

function eaStatus(res: i32): u32 {
  if (res == -ENOTSUP) return S.STATUS_EAS_NOT_SUPPORTED;
  if (res == -7 || res == -34 || res == -28) return Ea.STATUS_EA_TOO_LARGE; // E2BIG, ERANGE, ENOSPC
  return errnoToStatus(res);
}

function resume(r: Request): u32 {
  const o = r.o0 as Open;
  const res = r.ioResult;
  switch (r.step) {
    case STEP_DONE:
      return res < 0 ? errnoToStatus(res) : ok(r);
    case STEP_BASIC_STAT:
      if (res < 0) return errnoToStatus(res);
      return basicDosattrib(r, o, r.hdr + <usize>BufferOffset(r.body));
    case STEP_BASIC_DOS:
      // A share that cannot store xattrs keeps its derived attributes.
      if (res < 0 && res != -ENOTSUP) return errnoToStatus(res);
      return basicTimes(r, o, r.hdr + <usize>BufferOffset(r.body));
    case STEP_DISP_STAT: {
      if (res < 0) return errnoToStatus(res);
      if ((St.fileAttributes(statArea(r), leafName(o.path)) & St.FILE_ATTRIBUTE_READONLY) != 0) return S.STATUS_CANNOT_DELETE;
      if (o.isDir) {
        // Windows refuses to mark a non-empty directory: look for one entry.
        r.p0 = r.scratch + 1024;
        r.step = STEP_EMPTY_CHECK;
        return ioReaddir(r, o, 0, r.p0, 1024, 1);
      }
      const n = o.node;
      if (n === null) return S.STATUS_INVALID_HANDLE;
      n.deletePending = true;
      return ok(r);
    }
    case STEP_EA_LIST: {
      let n: u32 = 0;
      if (res >= 0) n = <u32>res <= EA_LIST_CAP ? <u32>res : EA_LIST_CAP;
      else if (res != -ENOTSUP) return errnoToStatus(res);
      store<u32>(r.scratch + EA_STATE, 0);
      store<u32>(r.scratch + EA_STATE, n, 4);
      return nextEa(r, o);
    }
    case STEP_EA_APPLY:
      if (res < 0 && !(res == -ENODATA && load<u32>(r.scratch + EA_STATE, 8) != 0)) return eaStatus(res);
      return nextEa(r, o);
    case STEP_ALLOC_STAT: {
      if (res < 0) return errnoToStatus(res);
      // Allocation below the end of file truncates (MS-FSA 2.1.5.15.1); above it, space is not
      // reserved on the host (no portable fallocate) but the file reports the allocation while
      // it is open, as Windows does until the last handle closes (fs/info.ts openAllocation)
      const n = o.node;
      if (n !== null && o.stream.length == 0) n.allocation = r.u0;
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
    case STEP_STREAM_RENAMED: return streamRenamed(r, o);
    case STEP_LINK_STAT:
    case STEP_LINKED: return linkResume(r, o);
    case STEP_RENAMED: {
      if (res < 0) return res == -EEXIST || res == -ENOTEMPTY ? S.STATUS_OBJECT_NAME_COLLISION : errnoToStatus(res);
      renamed(o, r.s0, r.s1);
      // both directories changed: their leases break (oplock/state.ts)
      breakDirectoryLeases(o.tree.share.index, r.s0, o.leaseParent);
      breakDirectoryLeases(o.tree.share.index, r.s1, o.leaseParent);
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
  // a stream's rename, or a rename to ":stream" (rename_stream.ts)
  if (o.stream.length > 0 || (nameLen >= 2 && load<u16>(buf, 20) == 0x3a)) return renameStream(r, o, buf + 20, nameLen, replace);
  const parsed = parseSmbPath(buf + 20, nameLen);
  if (parsed.status != S.STATUS_SUCCESS) return parsed.status;
  if (parsed.path.length == 0 || o.path.length == 0) return S.STATUS_ACCESS_DENIED;
  if (pathVetoed(o.tree.share, parsed.path)) return S.STATUS_ACCESS_DENIED; // `veto files`
  if (parsed.path == o.path) return ok(r);
  const n = o.node;
  if (n !== null && streamOpenCount(n) > 0) return S.STATUS_ACCESS_DENIED; // its streams are open (fs/streams.ts)
  // Other holders lose handle caching first; the rename waits for their acknowledgments.
  if (n !== null && breakForHandle(o, canGoAsync(r))) return waitBreaks(r, n);
  // Other opens of the file must allow delete sharing (MS-FSA 2.1.5.15.11).
  if (n !== null) {
    for (let i = 0; i < n.opens.length; i++) {
      const other = unchecked(n.opens[i]);
      if (other !== o && (other.shareAccess & A.FILE_SHARE_DELETE) == 0) return S.STATUS_SHARING_VIOLATION;
    }
  }
  const share = o.tree.share.index;
  if (!parentAllowsRename(share, parentPath(o.path)) || !parentAllowsRename(share, parentPath(parsed.path))) {
    return S.STATUS_SHARING_VIOLATION;
  }
  r.s0 = o.path;
  r.s1 = parsed.path;
  r.step = STEP_RENAMED;
  return ioRename(r, (r.tree as Tree).share.index, o.path, parsed.path, replace ? 0 : RENAME_NOREPLACE);
}

/**
 * A rename opens the parent directories to add or remove an entry (FILE_ADD_FILE, sharing read
 * and write, as Windows does): an open of a parent that holds DELETE access, or that does not
 * share writing, makes it a sharing violation (smbtorture smb2.rename.*delete_access*).
 */
function parentAllowsRename(share: u32, dir: string): bool {
  const key = nodeKey(share, dir);
  if (!fileNodes.has(key)) return true;
  return A.shareAccessOk(fileNodes.get(key), A.FILE_ADD_FILE, A.FILE_SHARE_READ | A.FILE_SHARE_WRITE);
}

/** The request waits for oplock/lease breaks on node n, then runs again from the start. */
function waitBreaks(r: Request, n: FileNode): u32 {
  r.step = STEP_BREAK_WAIT;
  n.oplockWaiters.add(r);
  return STATUS_INTERNAL_ASYNC;
}

/** After a successful rename, re-key every open at or below the old path. */
function renamed(o: Open, from: string, to: string): void {
  const share = o.tree.share.index;
  // names compare case-insensitively: opens and nodes below `from` in any spelling move
  const fromUp = from.toUpperCase();
  const prefix = fromUp + "/";
  const list = opens.values();
  for (let i = 0; i < list.length; i++) {
    const x = unchecked(list[i]);
    if (x.tree.share.index != share) continue;
    const up = x.path.toUpperCase();
    if (up == fromUp) x.path = to;
    else if (up.startsWith(prefix)) x.path = to + x.path.substring(from.length);
  }
  const nodes = fileNodes.values();
  for (let i = 0; i < nodes.length; i++) {
    const nd = unchecked(nodes[i]);
    const sep = nd.key.indexOf(":");
    if (sep < 0 || nd.key.substring(0, sep) != share.toString()) continue;
    const p = nd.key.substring(sep + 1); // upper-cased already
    let np = "";
    if (p == fromUp) np = to;
    else if (p.startsWith(prefix)) np = to + p.substring(fromUp.length);
    else continue;
    rekey(nd, nodeKey(share, np));
  }
}

function rekey(n: FileNode, key: string): void {
  if (fileNodes.has(n.key)) fileNodes.delete(n.key);
  n.key = key;
  fileNodes.set(key, n);
}

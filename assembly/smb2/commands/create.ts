// MS-SMB2 2.2.13/2.2.14 CREATE (3.3.5.9): open or create files and directories in a share,
// named pipes on IPC$, with dispositions, directory options, share modes and delete-on-close.
import * as S from "../status";
import { Request } from "../request";
import { Session, Tree } from "../session";
import { Open, opens, newVolatileId, getFileNode, releaseFileNode } from "../../fs/open";
import { parseSmbPath } from "../../fs/path";
import { ioStat, ioOpen, ioMkdir, statArea } from "../../fs/ops";
import { OPEN_READ, OPEN_WRITE, OPEN_CREATE, OPEN_EXCL, OPEN_TRUNC, OPEN_DIRECTORY } from "../../fs/io";
import { errnoToStatus, ENOENT, EEXIST, ENOTDIR } from "../../fs/errno";
import * as A from "../../fs/access";
import { stType, S_TYPE_DIR, S_TYPE_FILE } from "../../fs/stat";
import { writeOpenInfo } from "../../fs/info";
import { detachOpen } from "../../fs/handles";
import { rpcPipeOpen } from "../../rpc/pipe";

const FILE_SUPERSEDE: u32 = 0;
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_OPEN_IF: u32 = 3;
const FILE_OVERWRITE: u32 = 4;
const FILE_OVERWRITE_IF: u32 = 5;

const FILE_SUPERSEDED: u32 = 0;
const FILE_OPENED: u32 = 1;
const FILE_CREATED: u32 = 2;
const FILE_OVERWRITTEN: u32 = 3;

export const FILE_DIRECTORY_FILE: u32 = 0x00000001;
export const FILE_NON_DIRECTORY_FILE: u32 = 0x00000040;
export const FILE_DELETE_ON_CLOSE: u32 = 0x00001000;
const FILE_OPEN_BY_FILE_ID: u32 = 0x00002000;
const FILE_RESERVE_OPFILTER: u32 = 0x00100000;
const CREATE_OPTIONS_VALID: u32 = 0x00ffffff;

const MAX_OPENS_PER_SESSION: i32 = 16384;
const STEP_STAT = 1;
const STEP_OPENED = 2;
const STEP_MKDIR = 3;

// Request fields
@inline function DesiredAccess(b: usize): u32 { return load<u32>(b, 24); }
@inline function FileAttributes(b: usize): u32 { return load<u32>(b, 28); }
@inline function ShareAccess(b: usize): u32 { return load<u32>(b, 32); }
@inline function CreateDisposition(b: usize): u32 { return load<u32>(b, 36); }
@inline function CreateOptions(b: usize): u32 { return load<u32>(b, 40); }
@inline function NameOffset(b: usize): u32 { return <u32>load<u16>(b, 44); }
@inline function NameLength(b: usize): u32 { return <u32>load<u16>(b, 46); }
@inline function ImpersonationLevel(b: usize): u32 { return load<u32>(b, 4); }

export function smb2Create(r: Request): u32 {
  switch (r.step) {
    case 0: return start(r);
    case STEP_STAT: return afterStat(r);
    case STEP_MKDIR: return afterMkdir(r);
    case STEP_OPENED: return afterOpen(r);
  }
  return S.STATUS_INTERNAL_ERROR;
}

function start(r: Request): u32 {
  const b = r.body;
  const t = r.tree as Tree;
  const s = r.session as Session;
  const disp = CreateDisposition(b);
  const opts = CreateOptions(b);
  const desired = DesiredAccess(b);
  if (disp > FILE_OVERWRITE_IF) return S.STATUS_INVALID_PARAMETER;
  if (ImpersonationLevel(b) > 3) return S.STATUS_BAD_IMPERSONATION_LEVEL;
  if ((opts & ~CREATE_OPTIONS_VALID) != 0 || (opts & FILE_RESERVE_OPFILTER) != 0) return S.STATUS_NOT_SUPPORTED;
  if ((opts & FILE_DIRECTORY_FILE) != 0 && (opts & FILE_NON_DIRECTORY_FILE) != 0) return S.STATUS_INVALID_PARAMETER;
  if ((opts & FILE_OPEN_BY_FILE_ID) != 0) return S.STATUS_NOT_SUPPORTED;
  if ((desired & ~A.VALID_ACCESS) != 0) return S.STATUS_ACCESS_DENIED;
  if (s.openCount >= MAX_OPENS_PER_SESSION) return S.STATUS_TOO_MANY_OPENED_FILES;

  const parsed = parseSmbPath(r.hdr + <usize>NameOffset(b), NameLength(b));
  if (parsed.status != S.STATUS_SUCCESS) return parsed.status;

  if (t.share.isIpc) return openPipe(r, parsed.path);

  let access = A.mapAccess(desired, t.maximalAccess);
  if (t.readOnly) {
    if ((access & A.WRITE_RIGHTS) != 0 || (opts & FILE_DELETE_ON_CLOSE) != 0) return S.STATUS_ACCESS_DENIED;
    if (disp != FILE_OPEN && disp != FILE_OPEN_IF) return S.STATUS_ACCESS_DENIED;
  }
  if ((opts & FILE_DELETE_ON_CLOSE) != 0 && (access & A.DELETE) == 0) return S.STATUS_ACCESS_DENIED;
  r.n0 = access;
  r.s0 = parsed.path;
  r.step = STEP_STAT;
  return ioStat(r, t.share.index, parsed.path);
}

function openPipe(r: Request, name: string): u32 {
  const pipe = rpcPipeOpen(name);
  if (pipe === null) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const o = new Open(newVolatileId(), r.session as Session, r.tree as Tree, name);
  o.pipe = pipe;
  o.grantedAccess = A.mapAccess(DesiredAccess(r.body), A.FILE_ALL_ACCESS);
  o.shareAccess = ShareAccess(r.body);
  register(r, o);
  memory.fill(statArea(r), 0, 80);
  writeResponse(r, o, FILE_OPENED, true);
  return S.STATUS_SUCCESS;
}

function afterStat(r: Request): u32 {
  const b = r.body;
  const t = r.tree as Tree;
  const disp = CreateDisposition(b);
  const opts = CreateOptions(b);
  const res = r.ioResult;
  const path = r.s0;
  if (res == 0) {
    const isDir = stType(statArea(r)) == S_TYPE_DIR;
    if (!isDir && stType(statArea(r)) != S_TYPE_FILE) return S.STATUS_ACCESS_DENIED; // devices, fifos
    if (disp == FILE_CREATE) return S.STATUS_OBJECT_NAME_COLLISION;
    if (isDir && (opts & FILE_NON_DIRECTORY_FILE) != 0) return S.STATUS_FILE_IS_A_DIRECTORY;
    if (!isDir && (opts & FILE_DIRECTORY_FILE) != 0) return S.STATUS_NOT_A_DIRECTORY;
    if (path.length == 0 && (opts & FILE_DELETE_ON_CLOSE) != 0) return S.STATUS_CANNOT_DELETE;
    const overwrite = disp == FILE_OVERWRITE || disp == FILE_OVERWRITE_IF || disp == FILE_SUPERSEDE;
    if (isDir && overwrite) return S.STATUS_INVALID_PARAMETER;
    const node = getFileNode(t.share.index, path);
    if (node.deletePending) {
      releaseFileNode(node);
      return S.STATUS_DELETE_PENDING;
    }
    if (!A.shareAccessOk(node, r.n0, ShareAccess(b))) {
      releaseFileNode(node);
      return S.STATUS_SHARING_VIOLATION;
    }
    releaseFileNode(node);
    let flags = isDir ? OPEN_DIRECTORY | OPEN_READ : hostFlags(r.n0);
    if (overwrite) {
      if (t.readOnly) return S.STATUS_ACCESS_DENIED;
      flags |= OPEN_TRUNC | OPEN_WRITE;
    }
    r.u0 = overwrite ? (disp == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN) : FILE_OPENED;
    r.u1 = isDir ? 1 : 0;
    r.step = STEP_OPENED;
    return ioOpen(r, t.share.index, path, flags, 0o644);
  }
  if (res != -ENOENT) return res == -ENOTDIR ? S.STATUS_OBJECT_PATH_NOT_FOUND : errnoToStatus(res);
  if (disp == FILE_OPEN || disp == FILE_OVERWRITE) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  if (t.readOnly) return S.STATUS_ACCESS_DENIED;
  r.u0 = FILE_CREATED;
  if ((opts & FILE_DIRECTORY_FILE) != 0) {
    r.u1 = 1;
    r.step = STEP_MKDIR;
    return ioMkdir(r, t.share.index, path, 0o755);
  }
  r.u1 = 0;
  r.step = STEP_OPENED;
  return ioOpen(r, t.share.index, path, hostFlags(r.n0) | OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, 0o644);
}

function afterMkdir(r: Request): u32 {
  const res = r.ioResult;
  if (res < 0) return res == -ENOENT ? S.STATUS_OBJECT_PATH_NOT_FOUND : errnoToStatus(res);
  r.step = STEP_OPENED;
  return ioOpen(r, (r.tree as Tree).share.index, r.s0, OPEN_DIRECTORY | OPEN_READ, 0);
}

function hostFlags(access: u32): u32 {
  let f: u32 = OPEN_READ;
  if ((access & (A.FILE_WRITE_DATA | A.FILE_APPEND_DATA)) != 0) f |= OPEN_WRITE;
  return f;
}

function afterOpen(r: Request): u32 {
  const res = r.ioResult;
  if (res <= 0) {
    if (res == -EEXIST) return S.STATUS_OBJECT_NAME_COLLISION;
    if (res == -ENOENT) return r.u0 == FILE_CREATED ? S.STATUS_OBJECT_PATH_NOT_FOUND : S.STATUS_OBJECT_NAME_NOT_FOUND;
    return res == 0 ? S.STATUS_INTERNAL_ERROR : errnoToStatus(res);
  }
  const t = r.tree as Tree;
  const b = r.body;
  const o = new Open(newVolatileId(), r.session as Session, t, r.s0);
  o.hostHandle = res;
  o.isDir = r.u1 != 0;
  o.grantedAccess = r.n0;
  o.shareAccess = ShareAccess(b);
  o.createOptions = CreateOptions(b);
  o.deleteOnClose = (o.createOptions & FILE_DELETE_ON_CLOSE) != 0;
  const node = getFileNode(t.share.index, r.s0);
  // Re-check: another open may have arrived while the host was opening.
  if (!A.shareAccessOk(node, o.grantedAccess, o.shareAccess) || node.deletePending) {
    const st = node.deletePending ? S.STATUS_DELETE_PENDING : S.STATUS_SHARING_VIOLATION;
    releaseFileNode(node);
    o.node = null;
    register(r, o);
    detachOpen(o); // undo: closes the host handle we just got (the node was not joined)
    return st;
  }
  node.opens.push(o);
  o.node = node;
  register(r, o);
  writeResponse(r, o, <u32>r.u0, false);
  return S.STATUS_SUCCESS;
}

function register(r: Request, o: Open): void {
  opens.set(o.volatileId, o);
  o.session.openCount++;
  r.open = o;
}

/** CREATE response (2.2.14) from the stat record in the request's scratch. */
function writeResponse(r: Request, o: Open, action: u32, isPipe: bool): void {
  r.reserve(88 + 8);
  const out = r.out;
  store<u16>(out, 89, 0);
  store<u8>(out, 0, 2); // OplockLevel: none granted
  store<u8>(out, 0, 3);
  store<u32>(out, action, 4);
  writeOpenInfo(out + 8, statArea(r), o, isPipe); // times, sizes, attributes (48 + 8)
  store<u64>(out, o.persistentId, 64);
  store<u64>(out, o.volatileId, 72);
  store<u32>(out, 0, 80);
  store<u32>(out, 0, 84);
  store<u8>(out, 0, 88);
  r.outLen = 89;
}

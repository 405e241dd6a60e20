// MS-SMB2 2.2.13/2.2.14 CREATE (3.3.5.9): open or create files and directories in a share,
// named pipes on IPC$, with dispositions, directory options, share modes and delete-on-close;
// DOS attributes and create time (MS-FSA 2.1.5.1.1, 2.1.5.1.2) kept in user.DOSATTRIB, and the
// ExtA create context (SMB2_CREATE_EA_BUFFER) applied to created and overwritten files. Durable
// handle contexts: create_durable.ts; the response: create_reply.ts.
import { nodeKey } from "../../fs/open";
import { nameVetoed, pathVetoed } from "../../fs/veto";
import { pipeAllowed } from "../../auth/share_acl";
import * as S from "../status";
import { Request } from "../request";
import { Session, Tree } from "../session";
import { Open, opens, newVolatileId, getFileNode, releaseFileNode } from "../../fs/open";
import { parseSmbPath, leafName } from "../../fs/path";
import { ioStat, ioOpen, ioMkdir, ioFstat, ioXattrSet, statArea } from "../../fs/ops";
import { OPEN_READ, OPEN_WRITE, OPEN_CREATE, OPEN_EXCL, OPEN_TRUNC, OPEN_DIRECTORY } from "../../fs/io";
import { errnoToStatus, ENOENT, EEXIST, ENOTDIR } from "../../fs/errno";
import * as A from "../../fs/access";
import * as St from "../../fs/stat";
import { stType, S_TYPE_DIR, S_TYPE_FILE } from "../../fs/stat";
import { dosattribEncode, DOSATTRIB_NAME } from "../../fs/dosattrib";
import * as Ea from "../../fs/ea";
import { detachOpen } from "../../fs/handles";
import { rpcPipeOpen } from "../../rpc/pipe";
import { logDebug, logWarn, logEnabled, LOG_DEBUG } from "../../util/log";
import { globalCfg } from "../../config";
import { notifyChange, FILE_ACTION_ADDED, FILE_NOTIFY_CHANGE_DIR_NAME, FILE_NOTIFY_CHANGE_FILE_NAME } from "../../fs/notify";
import * as SdC from "../../fs/sd_create";
import { leaseRequest, leaseRequestStatus, checkLeaseKey, createBreaks, grantCreate } from "../../oplock/grant";
import { childChanged } from "../../oplock/state";
import { allocationRequest, applyAllocation } from "./create_alloc";
import * as CS from "./create_stream";
import { DEFAULT_STREAM } from "../../fs/stream_name";
import { streamOpenStatus } from "../../fs/streams";
import * as CD from "./create_durable";
import { writeCreateResponse } from "./create_reply";
import { heapAdmit } from "../../util/heap";
import { waitForDeletion } from "../../fs/pending_delete";

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

const STEP_STAT = 1;
const STEP_OPENED = 2;
const STEP_MKDIR = 3;
const STEP_DOSATTRIB = 4;
const STEP_EA = 5;
const STEP_REFRESH = 6;
const STEP_BREAK_WAIT = 7; // woken after oplock/lease breaks (oplock/grant.ts)
const STEP_DELETED = 8; // woken after a background deletion of the name (fs/pending_delete.ts)

/** FileAttributes a CREATE may carry (others, e.g. VOLUME and DEVICE: STATUS_INVALID_PARAMETER). */
const VALID_CREATE_ATTRIBUTES: u32 = 0x00007fb7;
const WRITE_DATA_RIGHTS: u32 = A.FILE_WRITE_DATA | A.FILE_APPEND_DATA;

// Request temporaries: n0 = granted access, s0 = path, u0 = create action, u1 = 1 for a
// directory, p0/u2 = the ExtA list (0 = none); scratch + DOS_AREA = the new DOSATTRIB value,
// scratch + EA_CURSOR = offset of the next ExtA entry to apply.
const DOS_AREA: usize = 1024;
const EA_CURSOR: usize = 1056;
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
  if (r.step == SdC.SD_STEP) return SdC.createSdResume(r, checkOpen, createNew, writeDosattrib);
  switch (r.step) {
    case 0: return start(r);
    case STEP_STAT: return afterStat(r);
    case STEP_MKDIR: return afterMkdir(r);
    case STEP_OPENED: return afterOpen(r);
    case STEP_DOSATTRIB: return afterDosattrib(r);
    case STEP_EA: return applyEas(r);
    case STEP_REFRESH: return afterRefresh(r);
    case STEP_BREAK_WAIT: return checkOpen(r);
    case STEP_DELETED: return statName(r);
    case CS.STEP_STREAM_STAT: return CS.streamAfterStat(r, checkOpen, existingFileChecks);
    case CD.STEP_DURABLE_REPLY: return CD.durableReply(r);
  }
  return S.STATUS_INTERNAL_ERROR;
}

function start(r: Request): u32 {
  // durable handle contexts (create_durable.ts): a reconnect or replay ends there
  const dh = CD.durableStart(r);
  if (dh != S.STATUS_SUCCESS) return dh;
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
  if (s.openCount >= globalCfg.maxOpenFiles) {
    logWarn("CREATE from " + s.conn.peer + " refused: the session has " + s.openCount.toString() + " open files (max open files)");
    return S.STATUS_TOO_MANY_OPENED_FILES;
  }
  if (!heapAdmit("open", s.conn.peer)) return S.STATUS_INSUFFICIENT_RESOURCES;

  // MS-SMB2 3.3.5.9: names are relative to the share; a leading separator is invalid
  if (NameLength(b) >= 2 && load<u16>(r.hdr + <usize>NameOffset(b)) == 0x5c) return S.STATUS_INVALID_PARAMETER;
  const parsed = parseSmbPath(r.hdr + <usize>NameOffset(b), NameLength(b), true);
  if (parsed.status != S.STATUS_SUCCESS) {
    if (logEnabled(LOG_DEBUG)) logDebug("CREATE refuses name \"" + String.UTF16.decodeUnsafe(r.hdr + <usize>NameOffset(b), <usize>NameLength(b)) + "\": 0x" + parsed.status.toString(16));
    return parsed.status;
  }
  if (pathVetoed(t.share, parsed.path)) {
    // `veto files`: as if the name did not exist (a vetoed directory on the way: its path)
    return nameVetoed(t.share, parsed.leaf) ? S.STATUS_OBJECT_NAME_NOT_FOUND : S.STATUS_OBJECT_PATH_NOT_FOUND;
  }
  const sst = CS.streamCreateStart(r, parsed); // r.s1 = the named stream (create_stream.ts)
  if (sst != S.STATUS_SUCCESS) return sst;

  if (!Ea.createContextsValid(r.hdr, r.cmdLen, b)) return S.STATUS_INVALID_PARAMETER;
  if (allocationRequest(r) == -2) return S.STATUS_INVALID_PARAMETER; // AlSi (create_alloc.ts)
  if (t.share.isIpc) return openPipe(r, parsed.path);
  const lq = leaseRequest(r);
  if (leaseRequestStatus != S.STATUS_SUCCESS) return leaseRequestStatus;
  const lk = checkLeaseKey(lq, CS.createNodeKey(t.share.index, parsed.path, parsed.stream));
  if (lk != S.STATUS_SUCCESS) return lk;
  if ((FileAttributes(b) & ~VALID_CREATE_ATTRIBUTES) != 0) return S.STATUS_INVALID_PARAMETER;
  const ea = Ea.findCreateContext(r.hdr, r.cmdLen, b, Ea.CREATE_EA_BUFFER);
  if (ea == -2) return S.STATUS_INVALID_PARAMETER;
  r.p0 = 0;
  r.u2 = 0;
  if (ea >= 0) {
    const eaPtr = r.hdr + <usize>(ea >>> 32);
    const eaLen = <u32>(ea & 0xffffffff);
    const v = Ea.validateFullEaList(eaPtr, eaLen);
    if (v != S.STATUS_SUCCESS) return v;
    r.p0 = eaPtr;
    r.u2 = eaLen;
  }
  const sd = SdC.createSdStart(r); // SecD and MxAc contexts (fs/sd_create.ts)
  if (sd != S.STATUS_SUCCESS) return sd;

  let access = A.mapAccess(desired, t.maximalAccess);
  if (t.readOnly) {
    if ((access & A.WRITE_RIGHTS) != 0 || (opts & FILE_DELETE_ON_CLOSE) != 0) return S.STATUS_ACCESS_DENIED;
    if (disp != FILE_OPEN && disp != FILE_OPEN_IF) return S.STATUS_ACCESS_DENIED;
  }
  if ((opts & FILE_DELETE_ON_CLOSE) != 0 && (access & A.DELETE) == 0) return S.STATUS_ACCESS_DENIED;
  r.n0 = access;
  r.s0 = parsed.path;
  return statName(r);
}

/** Stats the name (r.s0), once a background deletion of it is done (fs/pending_delete.ts). */
function statName(r: Request): u32 {
  const t = r.tree as Tree;
  if (waitForDeletion(r, nodeKey(t.share.index, r.s0), STEP_DELETED)) return S.STATUS_INTERNAL_WAIT;
  r.step = STEP_STAT;
  return ioStat(r, t.share.index, r.s0);
}

function openPipe(r: Request, name: string): u32 {
  if (!pipeAllowed(r.session as Session)) return S.STATUS_ACCESS_DENIED; // restrict anonymous
  const pipe = rpcPipeOpen(name);
  if (pipe === null) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const o = new Open(newVolatileId(), r.session as Session, r.tree as Tree, name);
  o.pipe = pipe;
  o.grantedAccess = A.mapAccess(DesiredAccess(r.body), A.FILE_ALL_ACCESS);
  o.shareAccess = ShareAccess(r.body);
  register(r, o);
  memory.fill(statArea(r), 0, 80);
  writeCreateResponse(r, o, FILE_OPENED, true);
  return S.STATUS_SUCCESS;
}

function afterStat(r: Request): u32 {
  const b = r.body;
  const t = r.tree as Tree;
  const disp = CreateDisposition(b);
  const opts = CreateOptions(b);
  const res = r.ioResult;
  const path = r.s0;
  if (r.s1.length > 0) {
    // a named stream (create_stream.ts); "name::$DATA" is the file itself, never a directory
    if (r.s1 != DEFAULT_STREAM) return CS.streamAfterBaseStat(r, createNew);
    if (res == 0 && stType(statArea(r)) == S_TYPE_DIR) return S.STATUS_FILE_IS_A_DIRECTORY;
    r.s1 = "";
  }
  if (res == 0) {
    const isDir = stType(statArea(r)) == S_TYPE_DIR;
    if (!isDir && stType(statArea(r)) != S_TYPE_FILE) return S.STATUS_ACCESS_DENIED; // devices, fifos
    if (disp == FILE_CREATE) return S.STATUS_OBJECT_NAME_COLLISION;
    if (isDir && (opts & FILE_NON_DIRECTORY_FILE) != 0) return S.STATUS_FILE_IS_A_DIRECTORY;
    if (!isDir && (opts & FILE_DIRECTORY_FILE) != 0) return S.STATUS_NOT_A_DIRECTORY;
    if (path.length == 0 && (opts & FILE_DELETE_ON_CLOSE) != 0) return S.STATUS_CANNOT_DELETE;
    const overwrite = disp == FILE_OVERWRITE || disp == FILE_OVERWRITE_IF || disp == FILE_SUPERSEDE;
    if (isDir && overwrite) return S.STATUS_INVALID_PARAMETER;
    if (!isDir) {
      const st = existingFileChecks(r, path, overwrite);
      if (st != S.STATUS_SUCCESS) return st;
    }
    r.u1 = isDir ? 1 : 0;
    return SdC.checkExisting(r, checkOpen); // access check against its security descriptor
  }
  if (res != -ENOENT) return res == -ENOTDIR ? S.STATUS_OBJECT_PATH_NOT_FOUND : errnoToStatus(res);
  if (disp == FILE_OPEN || disp == FILE_OVERWRITE) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  if (t.readOnly) return S.STATUS_ACCESS_DENIED;
  r.u0 = FILE_CREATED;
  if ((opts & FILE_DIRECTORY_FILE) != 0 && (FileAttributes(b) & St.FILE_ATTRIBUTE_TEMPORARY) != 0) {
    return S.STATUS_INVALID_PARAMETER;
  }
  if ((opts & FILE_DELETE_ON_CLOSE) != 0 && (FileAttributes(b) & St.FILE_ATTRIBUTE_READONLY) != 0) {
    return S.STATUS_CANNOT_DELETE;
  }
  return SdC.checkNew(r, createNew); // the parent's access check and the new descriptor
}

/** Creates the new file or directory r.s0 on the host. */
function createNew(r: Request): u32 {
  const t = r.tree as Tree;
  const path = r.s0;
  if (r.s1.length > 0) return CS.streamCreateNew(r, hostFlags(r.n0), STEP_OPENED);
  if ((CreateOptions(r.body) & FILE_DIRECTORY_FILE) != 0) {
    r.u1 = 1;
    r.step = STEP_MKDIR;
    return ioMkdir(r, t.share.index, path, 0o755);
  }
  r.u1 = 0;
  r.step = STEP_OPENED;
  return ioOpen(r, t.share.index, path, hostFlags(r.n0) | OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, 0o644);
}

/**
 * An existing file or directory: delete pending, share modes and the oplock/lease breaks the
 * open causes (it may wait for them and come back here), then the host open.
 */
function checkOpen(r: Request): u32 {
  const b = r.body;
  const t = r.tree as Tree;
  const path = r.s0;
  if (r.s1.length > 0) return CS.streamCheckOpen(r, hostFlags(r.n0), STEP_BREAK_WAIT, STEP_OPENED);
  const disp = CreateDisposition(b);
  const isDir = r.u1 != 0;
  const overwrite = !isDir && (disp == FILE_OVERWRITE || disp == FILE_OVERWRITE_IF || disp == FILE_SUPERSEDE);
  const node = getFileNode(t.share.index, path);
  if (node.deletePending) {
    releaseFileNode(node);
    return S.STATUS_DELETE_PENDING;
  }
  // opens of its streams that do not share delete (fs/streams.ts)
  const sst = streamOpenStatus(node, r.n0, overwrite);
  if (sst != S.STATUS_SUCCESS) {
    releaseFileNode(node);
    return sst;
  }
  const st = createBreaks(r, node, r.n0, ShareAccess(b), overwrite, STEP_BREAK_WAIT);
  releaseFileNode(node);
  if (st != S.STATUS_SUCCESS) return st;
  // a disconnected open those breaks closed may be deleting the file: look at the name again after
  if (waitForDeletion(r, nodeKey(t.share.index, path), STEP_DELETED)) return S.STATUS_INTERNAL_WAIT;
  let flags = isDir ? OPEN_DIRECTORY | OPEN_READ : hostFlags(r.n0);
  if (overwrite) {
    if (t.readOnly) return S.STATUS_ACCESS_DENIED;
    flags |= OPEN_TRUNC | OPEN_WRITE;
  }
  r.u0 = overwrite ? (disp == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN) : FILE_OPENED;
  r.step = STEP_OPENED;
  return ioOpen(r, t.share.index, path, flags, 0o644);
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
  const node = r.s1.length > 0 ? CS.attachStream(r, o) : getFileNode(t.share.index, r.s0);
  // Re-check: another open may have arrived while the host was opening.
  const sst = streamOpenStatus(node, o.grantedAccess, r.u0 == FILE_OVERWRITTEN || r.u0 == FILE_SUPERSEDED);
  if (!A.shareAccessOk(node, o.grantedAccess, o.shareAccess) || node.deletePending || sst != S.STATUS_SUCCESS) {
    const st = node.deletePending ? S.STATUS_DELETE_PENDING : sst != S.STATUS_SUCCESS ? sst : S.STATUS_SHARING_VIOLATION;
    releaseFileNode(node);
    o.node = null;
    register(r, o);
    detachOpen(o); // undo: closes the host handle we just got (the node was not joined)
    return st;
  }
  node.opens.push(o);
  o.node = node;
  register(r, o);
  grantCreate(r, o, node, r.u0 == FILE_OVERWRITTEN || r.u0 == FILE_SUPERSEDED);
  CD.durableGrant(r, o); // DHnQ / DH2Q
  if (r.u0 != FILE_OPENED && o.stream.length == 0) applyAllocation(r, node); // AlSi
  if (r.u0 == FILE_OPENED || CS.keepsFileMeta(r)) return respond(r, o);
  return SdC.storeNew(r, o, writeDosattrib); // the new object's security descriptor, if it needs one
}

/**
 * MS-FSA 2.1.5.1.2 for an existing file: overwriting must keep HIDDEN and SYSTEM (else
 * STATUS_ACCESS_DENIED); a READONLY file cannot be opened for writing data, overwritten or
 * marked delete-on-close (MAXIMUM_ALLOWED then just grants no write rights).
 */
function existingFileChecks(r: Request, path: string, overwrite: bool): u32 {
  const b = r.body;
  const cur = St.fileAttributes(statArea(r), leafName(path));
  const fa = FileAttributes(b);
  if (overwrite) {
    if ((cur & St.FILE_ATTRIBUTE_HIDDEN) != 0 && (fa & St.FILE_ATTRIBUTE_HIDDEN) == 0) return S.STATUS_ACCESS_DENIED;
    if ((cur & St.FILE_ATTRIBUTE_SYSTEM) != 0 && (fa & St.FILE_ATTRIBUTE_SYSTEM) == 0) return S.STATUS_ACCESS_DENIED;
  }
  if ((cur & St.FILE_ATTRIBUTE_READONLY) == 0) return S.STATUS_SUCCESS;
  if ((CreateOptions(b) & FILE_DELETE_ON_CLOSE) != 0) return S.STATUS_CANNOT_DELETE;
  const explicit = A.mapAccess(DesiredAccess(b) & ~A.MAXIMUM_ALLOWED, A.FILE_ALL_ACCESS);
  if (overwrite || (explicit & WRITE_DATA_RIGHTS) != 0) return S.STATUS_ACCESS_DENIED;
  r.n0 &= ~WRITE_DATA_RIGHTS;
  return S.STATUS_SUCCESS;
}

/**
 * Stores the attributes and create time of a created, superseded or overwritten file in
 * user.DOSATTRIB (MS-FSA: new files get ARCHIVE, directories DIRECTORY; supersede replaces the
 * attributes, overwrite adds to them; the create time of an existing file stays).
 */
function writeDosattrib(r: Request, o: Open): u32 {
  const st = statArea(r);
  const fa = FileAttributes(r.body) & St.STORED_ATTRIBUTES;
  let attrs: u32;
  let created: u64;
  if (r.u0 == FILE_CREATED) {
    attrs = o.isDir ? (fa & ~St.FILE_ATTRIBUTE_TEMPORARY) | St.FILE_ATTRIBUTE_DIRECTORY : fa | St.FILE_ATTRIBUTE_ARCHIVE;
    created = St.fsCreateTime(st);
  } else {
    const cur = St.fileAttributes(st, leafName(o.path)) & St.STORED_ATTRIBUTES;
    attrs = (r.u0 == FILE_SUPERSEDED ? fa : cur | fa) | St.FILE_ATTRIBUTE_ARCHIVE;
    created = St.createTime(st);
  }
  const p = r.scratch + DOS_AREA;
  const n = dosattribEncode(p, attrs, created);
  r.o0 = o;
  r.step = STEP_DOSATTRIB;
  return ioXattrSet(r, o, DOSATTRIB_NAME, p, n, 0);
}

function afterDosattrib(r: Request): u32 {
  const o = r.o0 as Open;
  if (r.ioResult == 0) {
    // the response reports what was stored (the stat came before it)
    const st = statArea(r);
    memory.copy(St.stDosPtr(st), r.scratch + DOS_AREA, 24);
    store<u32>(st + 84, 24);
    store<u32>(st + 80, load<u32>(st + 80) | St.META_VALID);
  }
  // A share that cannot store xattrs keeps the attributes derived from the mode.
  store<u32>(r.scratch + EA_CURSOR, 0);
  // EAs applied; writing DOSATTRIB changed the ctime, so the response needs a fresh stat too
  // (smbtorture smb2.create.open compares the ChangeTime with a later query, exactly)
  store<u32>(r.scratch + EA_CURSOR, r.ioResult == 0 ? 1 : 0, 4);
  return applyEas(r);
}

/** Applies the ExtA entries one by one (EAs with a value; internal names are skipped). */
function applyEas(r: Request): u32 {
  const o = r.o0 as Open;
  if (r.step == STEP_EA && r.ioResult < 0) return fail(r, o, eaStatus(r.ioResult));
  const list = r.p0;
  const len = <u32>r.u2;
  let off = load<u32>(r.scratch + EA_CURSOR);
  while (list != 0 && off < len) {
    const e = list + <usize>off;
    const next = load<u32>(e);
    const nameLen = <u32>load<u8>(e, 5);
    const valueLen = <u32>load<u16>(e, 6);
    off = next == 0 ? len : off + next;
    store<u32>(r.scratch + EA_CURSOR, off);
    if (valueLen == 0 || Ea.isInternalEa(e + 8, nameLen)) continue;
    store<u32>(r.scratch + EA_CURSOR, load<u32>(r.scratch + EA_CURSOR, 4) + 1, 4);
    const name = Ea.EA_PREFIX + String.UTF8.decodeUnsafe(e + 8, <usize>nameLen);
    r.step = STEP_EA;
    return ioXattrSet(r, o, name, e + 9 + <usize>nameLen, valueLen, 0);
  }
  if (load<u32>(r.scratch + EA_CURSOR, 4) == 0) return respond(r, o);
  r.step = STEP_REFRESH; // the EA size changed
  return ioFstat(r, o);
}

function afterRefresh(r: Request): u32 {
  const o = r.o0 as Open;
  if (r.ioResult < 0) return fail(r, o, errnoToStatus(r.ioResult));
  return respond(r, o);
}

function eaStatus(res: i32): u32 {
  if (res == -95) return S.STATUS_EAS_NOT_SUPPORTED; // ENOTSUP
  if (res == -7 || res == -34 || res == -28) return Ea.STATUS_EA_TOO_LARGE; // E2BIG, ERANGE, ENOSPC
  return errnoToStatus(res);
}

/** Undoes the open (the file stays) and fails the CREATE. */
function fail(r: Request, o: Open, st: u32): u32 {
  r.open = null;
  detachOpen(o);
  return st;
}

function respond(r: Request, o: Open): u32 {
  SdC.createdOpen(r, o);
  writeCreateResponse(r, o, <u32>r.u0, false);
  if (r.u0 != FILE_OPENED) childChanged(o); // directory leases of the parent (oplock/state.ts)
  if (r.u0 == FILE_CREATED) {
    if (o.stream.length > 0) CS.notifyStreamCreated(r, o);
    else notifyChange(o.tree.share.index, o.path, FILE_ACTION_ADDED, o.isDir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME);
  }
  return S.STATUS_SUCCESS;
}

function register(r: Request, o: Open): void {
  opens.set(o.volatileId, o);
  o.session.openCount++;
  r.open = o;
}

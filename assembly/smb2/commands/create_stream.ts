// CREATE of a named stream (MS-FSA 2.1.5.1 with a stream name; MS-FSCC 2.1.5.3): the file is
// stat'ed, then the stream; dispositions apply to the stream, and a stream of a file that does not
// exist creates the file too. Access is checked against the file's security descriptor; the open
// gets its own node (share modes, oplocks and leases per stream, fs/streams.ts) and a host handle
// on the stream (host-common/streams.ts). create.ts calls in here wherever r.s1 names a stream.
import * as S from "../status";
import { Request } from "../request";
import { Tree } from "../session";
import { FileNode, Open, releaseFileNode, nodeKey } from "../../fs/open";
import { ParsedPath } from "../../fs/path";
import { DEFAULT_STREAM } from "../../fs/stream_name";
import { ioStreamStat, ioStreamOpen } from "../../fs/stream_ops";
import { getStreamNode, streamNodeKey, FILE_ACTION_ADDED_STREAM } from "../../fs/streams";
import { OPEN_CREATE, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE } from "../../fs/io";
import { statArea } from "../../fs/ops";
import { errnoToStatus, ENOENT, ENOTDIR } from "../../fs/errno";
import { stType, S_TYPE_DIR, S_TYPE_FILE, FILE_ATTRIBUTE_READONLY } from "../../fs/stat";
import * as SdC from "../../fs/sd_create";
import { createBreaks } from "../../oplock/grant";
import { notifyChange, FILE_ACTION_ADDED, FILE_NOTIFY_CHANGE_FILE_NAME, FILE_NOTIFY_CHANGE_STREAM_NAME } from "../../fs/notify";

/** create.ts step: the stream's own stat completed. */
export const STEP_STREAM_STAT: i32 = 20;

const FILE_SUPERSEDE: u32 = 0;
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_OVERWRITE: u32 = 4;
const FILE_OVERWRITE_IF: u32 = 5;
const FILE_SUPERSEDED: u64 = 0;
const FILE_OPENED: u64 = 1;
const FILE_CREATED: u64 = 2;
const FILE_OVERWRITTEN: u64 = 3;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_DELETE_ON_CLOSE: u32 = 0x1000;

// scratch + STREAM_FLAGS (u32): what the file's stat said (create.ts keeps below 1100)
const STREAM_FLAGS: usize = 1600;
const F_BASE_EXISTS: u32 = 1;
const F_BASE_DIR: u32 = 2;

@inline function ShareAccess(b: usize): u32 { return load<u32>(b, 32); }
@inline function FileAttributes(b: usize): u32 { return load<u32>(b, 28); }
@inline function CreateDisposition(b: usize): u32 { return load<u32>(b, 36); }
@inline function CreateOptions(b: usize): u32 { return load<u32>(b, 40); }
@inline function flags(r: Request): u32 { return load<u32>(r.scratch + STREAM_FLAGS); }

/**
 * First CREATE step for a parsed name: r.s1 = its stream ("" none, ":" = "::$DATA"). A stream
 * cannot be a directory (STATUS_NOT_A_DIRECTORY) nor a pipe.
 */
export function streamCreateStart(r: Request, parsed: ParsedPath): u32 {
  r.s1 = parsed.stream;
  if (parsed.stream.length == 0) return S.STATUS_SUCCESS;
  if ((r.tree as Tree).share.isIpc) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  if ((CreateOptions(r.body) & FILE_DIRECTORY_FILE) != 0) return S.STATUS_NOT_A_DIRECTORY;
  return S.STATUS_SUCCESS;
}

/** The node key a CREATE of (path, stream) concerns (for the lease key check). */
export function createNodeKey(share: u32, path: string, stream: string): string {
  return stream.length > 0 && stream != DEFAULT_STREAM ? streamNodeKey(share, path, stream) : nodeKey(share, path);
}

/** After the file's stat: the stream's own stat, or (no file) the checks for creating both. */
export function streamAfterBaseStat(r: Request, createNew: (r: Request) => u32): u32 {
  const t = r.tree as Tree;
  const res = r.ioResult;
  const disp = CreateDisposition(r.body);
  if (res == 0) {
    const type = stType(statArea(r));
    if (type != S_TYPE_DIR && type != S_TYPE_FILE) return S.STATUS_ACCESS_DENIED; // devices, fifos
    store<u32>(r.scratch + STREAM_FLAGS, F_BASE_EXISTS | (type == S_TYPE_DIR ? F_BASE_DIR : 0));
    r.step = STEP_STREAM_STAT;
    return ioStreamStat(r, t.share.index, r.s0, r.s1);
  }
  store<u32>(r.scratch + STREAM_FLAGS, 0);
  if (res != -ENOENT) return res == -ENOTDIR ? S.STATUS_OBJECT_PATH_NOT_FOUND : errnoToStatus(res);
  if (disp == FILE_OPEN || disp == FILE_OVERWRITE) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  if (t.readOnly) return S.STATUS_ACCESS_DENIED;
  if ((CreateOptions(r.body) & FILE_DELETE_ON_CLOSE) != 0 && (FileAttributes(r.body) & FILE_ATTRIBUTE_READONLY) != 0) return S.STATUS_CANNOT_DELETE;
  r.u0 = FILE_CREATED;
  r.u1 = 0;
  return SdC.checkNew(r, createNew); // the parent must let a file be added
}

/**
 * After the stream's stat (STEP_STREAM_STAT): dispositions, the READONLY rules of the file
 * (existingChecks, create.ts), then the access check against the file's descriptor.
 */
export function streamAfterStat(r: Request, checkOpen: (r: Request) => u32, existingChecks: (r: Request, path: string, overwrite: bool) => u32): u32 {
  const t = r.tree as Tree;
  const res = r.ioResult;
  const disp = CreateDisposition(r.body);
  const baseDir = (flags(r) & F_BASE_DIR) != 0;
  if (res == 0) {
    if (disp == FILE_CREATE) return S.STATUS_OBJECT_NAME_COLLISION;
    const overwrite = disp == FILE_SUPERSEDE || disp == FILE_OVERWRITE || disp == FILE_OVERWRITE_IF;
    if (overwrite && t.readOnly) return S.STATUS_ACCESS_DENIED;
    const st = existingChecks(r, r.s0, overwrite);
    if (st != S.STATUS_SUCCESS) return st;
    r.u0 = overwrite ? (disp == FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN) : FILE_OPENED;
  } else {
    if (res != -ENOENT) return errnoToStatus(res);
    if (disp == FILE_OPEN || disp == FILE_OVERWRITE) return S.STATUS_OBJECT_NAME_NOT_FOUND;
    if (t.readOnly) return S.STATUS_ACCESS_DENIED;
    const st = existingChecks(r, r.s0, false);
    if (st != S.STATUS_SUCCESS) return st;
    r.u0 = FILE_CREATED;
  }
  r.u1 = baseDir ? 1 : 0; // the descriptor read is the file's
  return SdC.checkExisting(r, checkOpen);
}

/**
 * A stream of an existing file, access granted: delete pending (the stream's or the file's),
 * share modes and oplock/lease breaks on the stream's node, then the host open.
 */
export function streamCheckOpen(r: Request, hostFlags: u32, breakStep: i32, openedStep: i32): u32 {
  const t = r.tree as Tree;
  const node = getStreamNode(t.share.index, r.s0, r.s1);
  const base = node.base as FileNode;
  if (node.deletePending || base.deletePending) {
    releaseFileNode(node);
    return S.STATUS_DELETE_PENDING;
  }
  const overwrite = r.u0 == FILE_OVERWRITTEN || r.u0 == FILE_SUPERSEDED;
  const st = createBreaks(r, node, r.n0, ShareAccess(r.body), overwrite, breakStep);
  releaseFileNode(node);
  if (st != S.STATUS_SUCCESS) return st;
  let f = hostFlags;
  if (r.u0 == FILE_CREATED) f |= OPEN_CREATE | OPEN_EXCL | OPEN_WRITE;
  if (overwrite) f |= OPEN_TRUNC | OPEN_WRITE;
  r.u1 = 0; // the open is of a stream, not a directory
  r.step = openedStep;
  return ioStreamOpen(r, t.share.index, r.s0, r.s1, f, 0o644);
}

/** A stream of a file that does not exist yet: the host creates both. */
export function streamCreateNew(r: Request, hostFlags: u32, openedStep: i32): u32 {
  const t = r.tree as Tree;
  r.u1 = 0;
  r.step = openedStep;
  return ioStreamOpen(r, t.share.index, r.s0, r.s1, hostFlags | OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, 0o644);
}

/** The new stream open o joins its stream's node (returned; the caller re-checks it). */
export function attachStream(r: Request, o: Open): FileNode {
  o.stream = r.s1;
  o.streamBaseDir = (flags(r) & F_BASE_DIR) != 0;
  o.isDir = false;
  return getStreamNode(o.tree.share.index, o.path, o.stream);
}

/**
 * Whether the file's metadata stays as it is: a stream open of a file that existed (its
 * DOSATTRIB, descriptor and EAs are the file's; only a file created with its stream gets them).
 */
export function keepsFileMeta(r: Request): bool {
  return r.s1.length > 0 && (flags(r) & F_BASE_EXISTS) != 0;
}

/** Change notifications for a created stream (and its file, when it was created with it). */
export function notifyStreamCreated(r: Request, o: Open): void {
  const share = o.tree.share.index;
  if ((flags(r) & F_BASE_EXISTS) == 0) notifyChange(share, o.path, FILE_ACTION_ADDED, FILE_NOTIFY_CHANGE_FILE_NAME);
  notifyChange(share, o.path + ":" + o.stream, FILE_ACTION_ADDED_STREAM, FILE_NOTIFY_CHANGE_STREAM_NAME);
}

// MS-SMB2 3.3.5.2.7.2 compounded related requests: each related operation takes SessionId,
// TreeId and FileId from the previous one; what happens when the previous one failed.
import * as H from "./header";
import * as S from "./status";
import { Request } from "./request";
import { FILEID_OFFSET } from "./validate";

const FILE_NONE: i32 = 0;
const FILE_OK: i32 = 1;
const FILE_FAILED: i32 = 2;

/** What the previous operation of a chain left for the next related one. */
export class Related {
  sessionId: u64 = 0;
  sessionOk: bool = false;
  treeId: u32 = 0;
  treeOk: bool = false;
  fileState: i32 = FILE_NONE;
  filePersistent: u64 = 0xffffffffffffffff;
  fileVolatile: u64 = 0xffffffffffffffff;
  fileStatus: u32 = 0;
  /** Once set, this and every later related operation fails with it. */
  chainStatus: u32 = 0;

  reset(): void {
    this.sessionId = 0;
    this.sessionOk = false;
    this.treeId = 0;
    this.treeOk = false;
    this.fileState = FILE_NONE;
    this.filePersistent = 0xffffffffffffffff;
    this.fileVolatile = 0xffffffffffffffff;
    this.fileStatus = 0;
    this.chainStatus = 0;
  }
}

@inline function allOnes(p: usize): bool {
  return load<u64>(p) == 0xffffffffffffffff && load<u64>(p, 8) == 0xffffffffffffffff;
}

/**
 * Before the session and tree lookups: a related operation needs the previous one to have
 * had the ids it uses. Returns 0 if it may go on.
 */
export function relatedCheckIds(r: Request, needsSession: bool, needsTree: bool): u32 {
  if (!r.related) return 0;
  const rel = r.rel;
  if (rel.chainStatus != 0) return rel.chainStatus;
  if ((needsSession && !rel.sessionOk) || (needsTree && !rel.treeOk)) {
    rel.chainStatus = S.STATUS_INVALID_PARAMETER;
    return rel.chainStatus;
  }
  return 0;
}

/** After the lookups: a related operation that uses the previous FileId (all ones). */
export function relatedCheckFile(r: Request): u32 {
  if (!r.related) return 0;
  const rel = r.rel;
  const off = unchecked(FILEID_OFFSET[r.command]);
  if (off != 0 && <u32>off + 16 <= r.bodyLen && allOnes(r.body + <usize>off)) {
    if (rel.fileState == FILE_NONE) {
      rel.chainStatus = S.STATUS_INVALID_HANDLE;
      return rel.chainStatus;
    }
    if (rel.fileState == FILE_FAILED) return rel.fileStatus;
  }
  return 0;
}

/** Records what this operation leaves for the next one (after its response header is set). */
export function relatedUpdate(r: Request, st: u32): void {
  const rel = r.rel;
  const rh = r.rh;
  rel.sessionId = H.SessionId(rh);
  rel.sessionOk = r.session !== null && rel.sessionId != 0;
  rel.treeId = H.TreeId(rh);
  rel.treeOk = r.tree !== null;
  const o = r.open;
  const uses = r.command == H.SMB2_CREATE || unchecked(FILEID_OFFSET[r.command]) != 0;
  if (!uses) {
    rel.fileState = FILE_NONE;
  } else if (o !== null && (st == S.STATUS_SUCCESS || r.command != H.SMB2_CREATE) && !o.closed) {
    rel.fileState = FILE_OK;
    rel.filePersistent = o.persistentId;
    rel.fileVolatile = o.volatileId;
  } else if (o !== null && r.command == H.SMB2_CLOSE) {
    rel.fileState = FILE_FAILED; // the handle is gone
    rel.fileStatus = S.STATUS_FILE_CLOSED;
  } else {
    rel.fileState = st == S.STATUS_SUCCESS ? FILE_NONE : FILE_FAILED;
    rel.fileStatus = st;
  }
}

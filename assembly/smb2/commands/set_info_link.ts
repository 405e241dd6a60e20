// SET_INFO FileLinkInformation: a new name (hard link) for an open's file (MS-SMB2 3.3.5.21.1,
// MS-FSCC 2.4.27.2 FILE_LINK_INFORMATION_TYPE_2, MS-FSA 2.1.5.15.6). set_info.ts calls in here.
import * as S from "../status";
import { Request } from "../request";
import { Open, FileNode, fileNodes, nodeKey } from "../../fs/open";
import * as A from "../../fs/access";
import { pathVetoed } from "../../fs/veto";
import { parseSmbPath, parentPath, leafName } from "../../fs/path";
import { ioLink, ioStat, statArea } from "../../fs/ops";
import { LINK_REPLACE } from "../../fs/io";
import { errnoToStatus, EEXIST, EMLINK, ENOENT } from "../../fs/errno";
import * as St from "../../fs/stat";
import * as N from "../../fs/notify";
import { streamOpenCount } from "../../fs/streams";
import { breakHolders, breakDirectoryLeases } from "../../oplock/state";
import { E_HANDLE } from "../../oplock/table";
import { canGoAsync, STATUS_INTERNAL_ASYNC } from "../async";

/** MS-FSCC 2.4 FileLinkInformation. */
export const FileLinkInformation: u8 = 11;
/** SET_INFO steps: the replaced name was looked at; the host made the link. */
export const STEP_LINK_STAT: i32 = 45;
export const STEP_LINKED: i32 = 46;
/** SET_INFO step of set_info.ts: woken after breaks, the request runs again from the start. */
const STEP_BREAK_WAIT: i32 = 10;

const STATUS_TOO_MANY_LINKS: u32 = 0xc0000265;

function ok(r: Request): u32 {
  store<u16>(r.out, 2, 0);
  r.outLen = 2;
  return S.STATUS_SUCCESS;
}

/** Opens of node n and of its named streams. */
function openCount(n: FileNode): i32 {
  return n.opens.length + streamOpenCount(n);
}

/**
 * Starts FileLinkInformation for open o with the FILE_LINK_INFORMATION_TYPE_2 at [buf, buf+len).
 * Like FileRenameInformation, no access right on the open is needed (MS-FSA 2.1.5.15.6); the
 * read-only share check is done by the caller.
 */
export function setLink(r: Request, o: Open, buf: usize, len: u32): u32 {
  if (len < 20) return S.STATUS_INFO_LENGTH_MISMATCH;
  const replace = load<u8>(buf) != 0;
  const nameLen = load<u32>(buf, 16);
  if (load<u64>(buf, 8) != 0) return S.STATUS_INVALID_PARAMETER; // RootDirectory must be 0 for SMB2
  if (<u64>nameLen + 20 > <u64>len) return S.STATUS_INFO_LENGTH_MISMATCH;
  if (o.stream.length > 0) return S.STATUS_INVALID_PARAMETER; // a named stream has no links
  if (o.isDir || o.path.length == 0) return S.STATUS_FILE_IS_A_DIRECTORY;
  const n = o.node;
  if (n !== null && n.deletePending) return S.STATUS_ACCESS_DENIED; // Open.Link.IsDeleted
  const parsed = parseSmbPath(buf + 20, nameLen, true);
  if (parsed.status != S.STATUS_SUCCESS) return parsed.status;
  if (parsed.stream.length > 0) return S.STATUS_INVALID_PARAMETER; // nor can a stream be a link
  if (parsed.path.length == 0) return S.STATUS_ACCESS_DENIED; // the share root
  const share = o.tree.share;
  if (pathVetoed(share, parsed.path)) return S.STATUS_ACCESS_DENIED; // `veto files`
  const to = parsed.path;
  const key = nodeKey(share.index, to);
  if (n !== null && key == n.key) {
    // the file's own name (in any case): it exists, and is open (by o)
    return replace ? S.STATUS_ACCESS_DENIED : S.STATUS_OBJECT_NAME_COLLISION;
  }
  if (replace && fileNodes.has(key)) {
    // An open target cannot be replaced; holders that cache handles are asked to let go first.
    const t = fileNodes.get(key);
    if (openCount(t) > 0 && breakHolders(t, null, null, E_HANDLE, canGoAsync(r))) {
      r.step = STEP_BREAK_WAIT;
      t.oplockWaiters.add(r);
      return STATUS_INTERNAL_ASYNC;
    }
    if (openCount(t) > 0) return S.STATUS_ACCESS_DENIED;
  }
  // The new name's directory is opened to add an entry (FILE_ADD_FILE, sharing everything).
  const dirKey = nodeKey(share.index, parentPath(to));
  if (fileNodes.has(dirKey) && !A.shareAccessOk(fileNodes.get(dirKey), A.FILE_ADD_FILE, A.FILE_SHARE_READ | A.FILE_SHARE_WRITE | A.FILE_SHARE_DELETE)) {
    return S.STATUS_SHARING_VIOLATION;
  }
  r.s0 = o.path;
  r.s1 = to;
  r.u0 = replace ? 1 : 0;
  if (!replace) return link(r, o);
  // a name being replaced must be one a delete could remove: no directory, not read-only
  r.step = STEP_LINK_STAT;
  return ioStat(r, share.index, to);
}

function link(r: Request, o: Open): u32 {
  r.step = STEP_LINKED;
  return ioLink(r, o.tree.share.index, r.s0, r.s1, r.u0 != 0 ? LINK_REPLACE : 0);
}

/** Continues FileLinkInformation after a host operation (r.step STEP_LINK_STAT or STEP_LINKED). */
export function linkResume(r: Request, o: Open): u32 {
  const res = r.ioResult;
  if (r.step == STEP_LINK_STAT) {
    if (res == 0) {
      const st = statArea(r);
      if (St.stType(st) == St.S_TYPE_DIR) return S.STATUS_FILE_IS_A_DIRECTORY;
      if ((St.fileAttributes(st, leafName(r.s1)) & St.FILE_ATTRIBUTE_READONLY) != 0) return S.STATUS_ACCESS_DENIED;
    } else if (res != -ENOENT) {
      return errnoToStatus(res);
    }
    return link(r, o);
  }
  if (res < 0) {
    if (res == -EEXIST) return S.STATUS_OBJECT_NAME_COLLISION;
    if (res == -EMLINK) return STATUS_TOO_MANY_LINKS;
    return errnoToStatus(res);
  }
  const share = o.tree.share.index;
  breakDirectoryLeases(share, r.s1, o.leaseParent); // its directory changed
  N.notifyChange(share, r.s1, N.FILE_ACTION_ADDED, N.FILE_NOTIFY_CHANGE_FILE_NAME);
  return ok(r);
}

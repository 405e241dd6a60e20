// SET_INFO FileRenameInformation of a named stream (MS-FSA 2.1.5.15.11.1, stream rename): the new
// name is ":name[:$DATA]" or "::$DATA" (the file's default data stream, which must be empty);
// an existing target is replaced only with ReplaceIfExists and only while it is empty and not
// open. set_info.ts calls in here for stream opens and for new names starting with ':'.
import * as S from "../status";
import { Request } from "../request";
import { Open, fileNodes, nodeKey } from "../../fs/open";
import * as A from "../../fs/access";
import { parseStreamPart, DEFAULT_STREAM } from "../../fs/stream_name";
import { ioStreamRename, STREAM_RENAME_NOREPLACE } from "../../fs/stream_ops";
import { streamNodeKey, FILE_ACTION_ADDED_STREAM, FILE_ACTION_REMOVED_STREAM } from "../../fs/streams";
import { errnoToStatus, EEXIST, ENOENT } from "../../fs/errno";
import { notifyChange, FILE_NOTIFY_CHANGE_STREAM_NAME } from "../../fs/notify";

/** SET_INFO step: the host renamed the stream. */
export const STEP_STREAM_RENAMED: i32 = 40;
const EINVAL: i32 = 22;

function ok(r: Request): u32 {
  store<u16>(r.out, 2, 0);
  r.outLen = 2;
  return S.STATUS_SUCCESS;
}

/**
 * Starts the rename of o's stream to the UTF-16 name at [p, p+nameLen). A stream open renamed to
 * a path (no leading ':') would rename its file, which the stream itself holds open.
 */
export function renameStream(r: Request, o: Open, p: usize, nameLen: u32, replace: bool): u32 {
  if ((nameLen & 1) != 0) return S.STATUS_INVALID_PARAMETER;
  const s = String.UTF16.decodeUnsafe(p, <usize>nameLen);
  if (s.length == 0 || s.charCodeAt(0) != 0x3a) {
    return s.indexOf(":") >= 0 ? S.STATUS_SHARING_VIOLATION : S.STATUS_INVALID_PARAMETER;
  }
  if (o.stream.length == 0) return S.STATUS_INVALID_PARAMETER; // the default stream stays
  const sp = parseStreamPart(s.substring(1));
  if (sp.status != S.STATUS_SUCCESS) return S.STATUS_INVALID_PARAMETER;
  const to = sp.stream == DEFAULT_STREAM ? "" : sp.stream;
  if (to.length == 0 && o.streamBaseDir) return S.STATUS_INVALID_PARAMETER; // directories have none
  if (to.toUpperCase() == o.stream.toUpperCase()) return ok(r);
  const n = o.node;
  if (n !== null) {
    // the other opens of the stream must share delete, as for a file rename
    for (let i = 0; i < n.opens.length; i++) {
      const other = unchecked(n.opens[i]);
      if (other !== o && (other.shareAccess & A.FILE_SHARE_DELETE) == 0) return S.STATUS_SHARING_VIOLATION;
    }
  }
  // an open target cannot be replaced
  const share = o.tree.share.index;
  const key = to.length > 0 ? streamNodeKey(share, o.path, to) : nodeKey(share, o.path);
  if (fileNodes.has(key) && fileNodes.get(key).opens.length > 0) {
    return replace ? S.STATUS_ACCESS_DENIED : S.STATUS_OBJECT_NAME_COLLISION;
  }
  r.s0 = ""; // set_info.ts notifies renames of paths only
  r.s1 = to;
  r.step = STEP_STREAM_RENAMED;
  return ioStreamRename(r, o, to, replace ? 0 : STREAM_RENAME_NOREPLACE);
}

/** The host renamed it: the stream's opens (and node) follow the new name. */
export function streamRenamed(r: Request, o: Open): u32 {
  const res = r.ioResult;
  const to = r.s1;
  r.s1 = "";
  if (res < 0) {
    if (res == -EEXIST) return S.STATUS_OBJECT_NAME_COLLISION;
    if (res == -EINVAL) return S.STATUS_INVALID_PARAMETER; // the target is not empty
    if (res == -ENOENT) return S.STATUS_OBJECT_NAME_NOT_FOUND;
    return errnoToStatus(res);
  }
  const share = o.tree.share.index;
  const from = o.stream;
  notifyChange(share, o.path + ":" + from, FILE_ACTION_REMOVED_STREAM, FILE_NOTIFY_CHANGE_STREAM_NAME);
  if (to.length > 0) notifyChange(share, o.path + ":" + to, FILE_ACTION_ADDED_STREAM, FILE_NOTIFY_CHANGE_STREAM_NAME);
  const n = o.node;
  if (n === null || to.length == 0) return ok(r);
  for (let i = 0; i < n.opens.length; i++) unchecked(n.opens[i]).stream = to;
  const key = streamNodeKey(share, o.path, to);
  if (!fileNodes.has(key)) {
    if (fileNodes.has(n.key)) fileNodes.delete(n.key);
    n.key = key;
    fileNodes.set(key, n);
  }
  return ok(r);
}

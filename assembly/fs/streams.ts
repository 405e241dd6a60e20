// Named streams in the open table (MS-FSA 2.1.1.4 per file / 2.1.1.5 per stream): each stream
// in use has its own FileNode (share modes, locks, oplocks and leases are per stream) linked to
// its file's node. An open of the file with DELETE access conflicts with stream opens that do not
// share delete; a delete-pending file is deleted once the last open of it or of its streams
// closes; deleting a stream (delete on close) removes only the stream.
import * as S from "../smb2/status";
import { Request } from "../smb2/request";
import { FileNode, Open, fileNodes, getFileNode, nodeKey } from "./open";
import * as A from "./access";
import { submit, OP_UNLINK, OP_RMDIR, IoWaiter } from "./io";
import { deletionWaiter } from "./pending_delete";
import { ioStreamDel } from "./stream_ops";
import { notifyChange, FILE_ACTION_REMOVED, FILE_NOTIFY_CHANGE_DIR_NAME, FILE_NOTIFY_CHANGE_FILE_NAME, FILE_NOTIFY_CHANGE_STREAM_NAME } from "./notify";

/** MS-FSCC 2.7.1 FILE_NOTIFY_INFORMATION actions for streams. */
export const FILE_ACTION_ADDED_STREAM: u32 = 6;
export const FILE_ACTION_REMOVED_STREAM: u32 = 7;
export const FILE_ACTION_MODIFIED_STREAM: u32 = 8;

/** The fileNodes key of a stream (share:PATH:STREAM, upper-cased: stream names ignore case). */
export function streamNodeKey(share: u32, path: string, stream: string): string {
  return nodeKey(share, path + ":" + stream);
}

/** The node of stream `stream` of share:path, created (and linked to its file's node) on first use. */
export function getStreamNode(share: u32, path: string, stream: string): FileNode {
  const key = streamNodeKey(share, path, stream);
  if (fileNodes.has(key)) return fileNodes.get(key);
  const base = getFileNode(share, path);
  const n = new FileNode(key);
  n.base = base;
  let l = base.streams;
  if (l === null) {
    l = new Array<FileNode>(0);
    base.streams = l;
  }
  l.push(n);
  fileNodes.set(key, n);
  return n;
}

/** Opens of the named streams of the file whose node is n. */
export function streamOpenCount(n: FileNode): i32 {
  const l = n.streams;
  if (l === null) return 0;
  let c = 0;
  for (let i = 0; i < l.length; i++) c += unchecked(l[i]).opens.length;
  return c;
}

/**
 * Whether a new open of node n may proceed as far as streams go: STATUS_SUCCESS, else
 * STATUS_DELETE_PENDING (a stream of a delete-pending file) or STATUS_SHARING_VIOLATION (the
 * file opened for DELETE, or overwritten, while a stream is open without FILE_SHARE_DELETE /
 * at all).
 */
export function streamOpenStatus(n: FileNode, access: u32, overwrite: bool): u32 {
  const b = n.base;
  if (b !== null) return b.deletePending ? S.STATUS_DELETE_PENDING : S.STATUS_SUCCESS;
  const l = n.streams;
  if (l === null) return S.STATUS_SUCCESS;
  const wantsDelete = (access & A.DELETE) != 0;
  for (let i = 0; i < l.length; i++) {
    const opens = unchecked(l[i]).opens;
    for (let k = 0; k < opens.length; k++) {
      if (overwrite) return S.STATUS_SHARING_VIOLATION; // an overwrite drops every stream
      if (wantsDelete && (unchecked(opens[k]).shareAccess & A.FILE_SHARE_DELETE) == 0) return S.STATUS_SHARING_VIOLATION;
    }
  }
  return S.STATUS_SUCCESS;
}

/**
 * After o left its node n (detachOpen): whether a deletion is due now. A file waits for the
 * opens of its streams; the last stream open of a delete-pending file deletes the file (then
 * o.deleteBase is set); a delete-pending stream goes with its last open.
 */
export function closeDeletes(o: Open, n: FileNode): bool {
  const b = n.base;
  if (b === null) return n.opens.length == 0 && n.deletePending && streamOpenCount(n) == 0;
  if (b.deletePending && b.opens.length == 0 && streamOpenCount(b) == 0) {
    o.deleteBase = true;
    return true;
  }
  return n.opens.length == 0 && n.deletePending;
}

/**
 * Queues the deletion closeDeletes decided for the closed open o: its stream, or its file or
 * directory. With r, the request waits for it (STATUS_INTERNAL_WAIT); with null nobody does.
 */
export function submitCloseDelete(r: Request | null, o: Open): u32 {
  const share = o.tree.share.index;
  if (o.stream.length > 0 && !o.deleteBase) return ioStreamDel(r, share, o.path, o.stream);
  const dir = o.deleteBase ? o.streamBaseDir : o.isDir;
  const b = String.UTF8.encode(o.path);
  // nobody waits for it: a CREATE of the name meanwhile waits for it instead (fs/pending_delete.ts)
  const w: IoWaiter | null = r !== null ? r : deletionWaiter(nodeKey(share, o.path));
  const id = submit(dir ? OP_RMDIR : OP_UNLINK, w, 0, share, 0, changetype<usize>(b), <u32>b.byteLength, 0, 0, 0, 0);
  return id == 0 ? S.STATUS_INSUFFICIENT_RESOURCES : S.STATUS_INTERNAL_WAIT;
}

/** Change notification for what submitCloseDelete deleted. */
export function notifyCloseDelete(o: Open): void {
  const share = o.tree.share.index;
  if (o.stream.length > 0 && !o.deleteBase) {
    notifyChange(share, o.path + ":" + o.stream, FILE_ACTION_REMOVED_STREAM, FILE_NOTIFY_CHANGE_STREAM_NAME);
    return;
  }
  const dir = o.deleteBase ? o.streamBaseDir : o.isDir;
  notifyChange(share, o.path, FILE_ACTION_REMOVED, dir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME);
}

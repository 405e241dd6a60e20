// Open-table operations: FileId lookup for a request (with compound FileId propagation,
// MS-SMB2 3.3.5.2.7.2), and closing opens with share-mode and delete-on-close bookkeeping.
import { Open, opens, releaseFileNode } from "./open";
import { cancelPendingOf } from "../smb2/async";
import { releaseLocksOf } from "./locks";
import { dropWatch, watchedDirDeletePending, notifyChange, FILE_ACTION_REMOVED, FILE_NOTIFY_CHANGE_DIR_NAME, FILE_NOTIFY_CHANGE_FILE_NAME } from "./notify";
import { submit, OP_CLOSE, OP_UNLINK, OP_RMDIR, IoWaiter } from "./io";
import { Request } from "../smb2/request";
import { Session, Tree } from "../smb2/session";
import { releaseOplock, childChanged } from "../oplock/state";
import { closeDeletes, submitCloseDelete, notifyCloseDelete } from "./streams";
import { preserve, forgetOpen } from "./durable";

/**
 * Finds the open named by the FileId at p (Persistent, Volatile) for request r: the open must
 * belong to r's session and tree. In a related compound, FileId all-ones means "the FileId the
 * previous command produced". Returns null when unknown (STATUS_FILE_CLOSED).
 */
export function lookupOpen(r: Request, p: usize): Open | null {
  let persistent = load<u64>(p);
  let vol = load<u64>(p, 8);
  if (r.related && persistent == 0xffffffffffffffff && vol == 0xffffffffffffffff) {
    persistent = r.rel.filePersistent;
    vol = r.rel.fileVolatile;
  }
  if (!opens.has(vol)) return null;
  const o = opens.get(vol);
  if (o.persistentId != persistent || o.closed) return null;
  if (o.session !== r.session || o.tree !== r.tree) return null;
  const d = o.durable;
  if (d !== null) d.replayEligible = false; // a CREATE replay no longer returns it (fs/durable.ts)
  r.open = o;
  return o;
}

/**
 * Detaches an open from every table. Returns true if it was the last open of a
 * delete-pending file: the caller deletes it (or use detachAndDelete). The host handle is
 * closed now, or when the last in-flight operation on it completes (see endIo).
 */
export function detachOpen(o: Open): bool {
  if (o.closed) return false;
  o.closed = true;
  cancelPendingOf(o.session, o, null, null);
  if (o.isDir) dropWatch(o);
  if (opens.has(o.volatileId)) opens.delete(o.volatileId);
  if (o.durable !== null) forgetOpen(o); // fs/durable.ts
  o.session.openCount--;
  const pipe = o.pipe;
  if (pipe !== null) {
    pipe.close();
    o.pipe = null;
  }
  releaseOplock(o); // its oplock ends, its lease loses an open; waiting opens look again (M1)
  const n = o.node;
  let deleteNow = false;
  if (n !== null) {
    const i = n.opens.indexOf(o);
    if (i >= 0) n.opens.splice(i, 1);
    releaseLocksOf(n, o);
    if (o.deleteOnClose) n.deletePending = true;
    if (closeDeletes(o, n)) deleteNow = true; // a file waits for its streams' opens (fs/streams.ts)
    else if (n.deletePending && o.isDir) {
      for (let k = 0; k < n.opens.length; k++) watchedDirDeletePending(unchecked(n.opens[k]));
    }
    releaseFileNode(n);
    o.node = null;
  }
  if (o.inflight == 0) closeHostHandle(o);
  // a child deleted or modified: the parent's directory leases break (oplock/state.ts)
  if (deleteNow || o.modified) childChanged(o);
  return deleteNow;
}

/** Detaches an open and, if it was the last of a delete-pending file, deletes the file. */
export function detachAndDelete(o: Open): void {
  if (!detachOpen(o)) return;
  // the file, directory or stream (fs/streams.ts); the host copies the path out while draining
  // the queue, before any garbage collection
  submitCloseDelete(null, o);
  notifyCloseDelete(o);
}

function closeHostHandle(o: Open): void {
  if (o.hostHandle != 0) {
    submit(OP_CLOSE, null, 0, <u32>o.hostHandle, 0, 0, 0, 0, 0, 0, 0);
    o.hostHandle = 0;
  }
}

/** Marks the start of a host operation on o's handle. */
export function beginIo(o: Open): void {
  o.inflight++;
}

/** Marks the end of a host operation on o's handle; closes it if the open was closed meanwhile. */
export function endIo(o: Open): void {
  o.inflight--;
  if (o.inflight == 0 && o.closed) closeHostHandle(o);
}

/** Closes every open of a tree connect (TREE_DISCONNECT, LOGOFF, disconnect). */
export function closeTreeOpens(t: Tree): void {
  const vals = opens.values();
  for (let i = 0; i < vals.length; i++) {
    const o = unchecked(vals[i]);
    if (o.tree === t) detachAndDelete(o);
  }
}

/**
 * Closes every open of a session that ends (LOGOFF, lost connection, replaced by a reconnect);
 * durable opens are kept for a reconnect instead (MS-SMB2 3.3.5.6, 3.3.7.1; fs/durable.ts).
 */
export function closeSessionOpens(s: Session): void {
  const vals = opens.values();
  for (let i = 0; i < vals.length; i++) {
    const o = unchecked(vals[i]);
    if (o.session === s && !preserve(o)) detachAndDelete(o);
  }
}

/** An IoWaiter that ignores its completion (for operations whose result nobody needs). */
export class NoWait extends IoWaiter {
  ioDone(tag: i32, result: i32): void {}
}

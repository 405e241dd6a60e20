// MS-SMB2 3.3.4.2 asynchronous processing: interim STATUS_PENDING responses with an AsyncId,
// wait lists that wake requests when something changes, cancellation (3.3.5.16), and
// completion of pending requests when their open, tree, session or connection goes away.
import { Request } from "./request";
import * as S from "./status";
import * as H from "./header";
import { Conn } from "./conn";
import { Open } from "../fs/open";
import { Tree, Session } from "./session";

/** A handler returns this after registering the request on a WaitList: it goes async. */
export const STATUS_INTERNAL_ASYNC: u32 = 0xffff_0002;

/** Requests waiting for the same thing (a byte range, an oplock break, a directory change). */
export class WaitList {
  items: Array<Request> = new Array<Request>(0);

  add(r: Request): void {
    if (r.waitingOn === this) return;
    const prev = r.waitingOn;
    if (prev !== null) prev.remove(r);
    this.items.push(r);
    r.waitingOn = this;
  }

  remove(r: Request): void {
    const i = this.items.indexOf(r);
    if (i >= 0) this.items.splice(i, 1);
    if (r.waitingOn === this) r.waitingOn = null;
  }

  get length(): i32 {
    return this.items.length;
  }
}

/** May r go asynchronous now? Only the last command of a chain does (3.3.5.2.7). */
export function canGoAsync(r: Request): bool {
  return r.async || H.NextCommand(r.hdr) == 0;
}

// Requests woken by an event run after the current event is handled (never re-entrantly).
let ready = new Array<Request>(0);

/**
 * Wakes a waiting request: it leaves its wait list and its handler runs again (at r.step)
 * once the current event is done, to look at its condition again.
 */
export function wake(r: Request, unused: u32): void {
  const w = r.waitingOn;
  if (w !== null) w.remove(r);
  if (!r.scheduled) {
    r.scheduled = true;
    ready.push(r);
  }
}

/** Takes a request off the ready list (it is being freed). */
export function unschedule(r: Request): void {
  if (!r.scheduled) return;
  const i = ready.indexOf(r);
  if (i >= 0) ready.splice(i, 1);
  r.scheduled = false;
}

/** Wakes everyone on a list (they re-check their condition). */
export function wakeAll(w: WaitList): void {
  const items = w.items.slice();
  for (let i = 0; i < items.length; i++) wake(unchecked(items[i]), 0);
}

let resumeFn: (r: Request) => void = (r: Request): void => {};
export function setAsyncResume(f: (r: Request) => void): void {
  resumeFn = f;
}

/** Runs woken requests; called by the ABI at the end of every event. */
export function runReady(): void {
  for (let guard = 0; ready.length > 0 && guard < 1 << 20; guard++) {
    const list = ready;
    ready = new Array<Request>(0);
    for (let i = 0; i < list.length; i++) {
      const r = unchecked(list[i]);
      r.scheduled = false;
      resumeFn(r);
    }
  }
}

/** Ends a pending request with a final status (a grant, or CANCEL/close/tdis/logoff). */
export function cancelWith(r: Request, status: u32): void {
  if (r.asyncDone) return;
  r.asyncDone = true;
  r.asyncResult = status;
  wake(r, 0);
}

/** Ends a pending request successfully; its handler runs once more to build the response. */
export function grant(r: Request): void {
  if (r.asyncDone) return;
  r.asyncDone = true;
  r.asyncResult = S.STATUS_SUCCESS;
  wake(r, 0);
}

/**
 * cancelPending on every connection of session s (its channels): a request pending on an open,
 * tree or session may have come over any of them.
 */
export function cancelPendingOf(s: Session, open: Open | null, tree: Tree | null, session: Session | null): void {
  const chs = s.channels;
  let sawConn = false;
  for (let i = 0; i < chs.length; i++) {
    const c = unchecked(chs[i]).conn;
    if (c === s.conn) sawConn = true;
    cancelPending(c, open, tree, session);
  }
  if (!sawConn) cancelPending(s.conn, open, tree, session);
}

/** The status a pending command ends with when its open, tree or session goes away. */
export function goneStatus(command: u16): u32 {
  if (command == H.SMB2_CHANGE_NOTIFY) return S.STATUS_NOTIFY_CLEANUP;
  if (command == H.SMB2_LOCK) return S.STATUS_RANGE_NOT_LOCKED;
  return S.STATUS_CANCELLED;
}

/**
 * Ends, with the status its command uses for that case, every pending request of connection
 * c that `matches` selects (their open, tree or session is going away).
 */
export function cancelPending(c: Conn, open: Open | null, tree: Tree | null, session: Session | null): void {
  const list = c.asyncOps.values();
  for (let i = 0; i < list.length; i++) {
    const r = unchecked(list[i]);
    if (r.asyncDone) continue;
    const hit = (open !== null && r.open === open) || (tree !== null && r.tree === tree) || (session !== null && r.session === session);
    if (hit) cancelWith(r, goneStatus(r.command));
  }
}

/** The connection is gone: every pending request ends (no response can be sent). */
export function abandonPending(c: Conn): void {
  const list = c.asyncOps.values();
  for (let i = 0; i < list.length; i++) {
    const r = unchecked(list[i]);
    if (!r.asyncDone) cancelWith(r, S.STATUS_CANCELLED);
  }
}

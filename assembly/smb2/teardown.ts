// Ending sessions and connections (MS-SMB2 3.3.4.18 / 3.3.7.1): every open, tree connect
// and secret a session holds is released exactly once (review items M3, M7, M11, M13).
import { Conn, conns } from "./conn";
import { Session, sessions } from "./session";
import { closeSessionOpens, closeTreeOpens } from "../fs/handles";
import { dropPartialFrame } from "./framing";
import { cancelPending, abandonPending } from "./async";
import { Tree } from "./session";

/** Disconnects a tree: closes its opens and forgets it. */
export function endTree(t: Tree): void {
  closeTreeOpens(t);
  cancelPending(t.session.conn, null, t, null);
  const s = t.session;
  if (s.trees.has(t.id)) s.trees.delete(t.id);
}

/** Logs a session off: closes its opens, drops its trees, wipes its keys. */
export function endSession(s: Session): void {
  closeSessionOpens(s);
  cancelPending(s.conn, null, null, s);
  s.trees.clear();
  if (s.conn.sessions.has(s.id)) s.conn.sessions.delete(s.id);
  if (sessions.has(s.id)) sessions.delete(s.id);
  s.dispose();
}

/** The host reports the socket closed: release everything the connection owned. */
export function endConn(c: Conn): void {
  if (!c.alive) return;
  c.alive = false;
  c.closing = true;
  abandonPending(c);
  const list = c.sessions.values();
  for (let i = 0; i < list.length; i++) endSession(unchecked(list[i]));
  c.sessions.clear();
  dropPartialFrame(c);
  c.release();
  if (conns.has(c.id)) conns.delete(c.id);
}

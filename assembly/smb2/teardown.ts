// Ending sessions and connections (MS-SMB2 3.3.4.18 / 3.3.7.1): every open, tree connect
// and secret a session holds is released exactly once (review items M3, M7, M11, M13). A
// session bound to several connections (multichannel) ends with its last channel.
import { Conn, conns } from "./conn";
import { Session, sessions } from "./session";
import { closeSessionOpens, closeTreeOpens } from "../fs/handles";
import { dropPartialFrame } from "./framing";
import { cancelPendingOf, abandonPending } from "./async";
import { Tree } from "./session";
import { dropChannel, removeChannels } from "./channel";
import { logInfo } from "../util/log";

/** Disconnects a tree: closes its opens and forgets it. */
export function endTree(t: Tree): void {
  closeTreeOpens(t);
  cancelPendingOf(t.session, null, t, null);
  const s = t.session;
  if (s.trees.has(t.id)) s.trees.delete(t.id);
}

/** Forgets s on connection c (if c holds it). */
function forgetOn(c: Conn, s: Session): void {
  if (c.sessions.has(s.id) && c.sessions.get(s.id) === s) c.sessions.delete(s.id);
}

/** Logs a session off on all its channels: closes its opens, drops its trees, wipes its keys. */
export function endSession(s: Session): void {
  closeSessionOpens(s);
  cancelPendingOf(s, null, null, s);
  s.trees.clear();
  for (let i = 0; i < s.channels.length; i++) forgetOn(unchecked(s.channels[i]).conn, s);
  forgetOn(s.conn, s);
  if (sessions.has(s.id) && sessions.get(s.id) === s) sessions.delete(s.id);
  s.dispose();
}

/** A binding of s in progress over c is abandoned (c is gone, or the binding failed). */
export function dropBinding(s: Session, c: Conn): void {
  removeChannels(s.binds, c);
}

/** The host reports the socket closed: release everything the connection owned. */
export function endConn(c: Conn): void {
  if (!c.alive) return;
  c.alive = false;
  c.closing = true;
  abandonPending(c);
  const list = c.sessions.values();
  for (let i = 0; i < list.length; i++) {
    const s = unchecked(list[i]);
    if (s.channels.length > 1 && dropChannel(s, c)) {
      // another channel is left: the session, its opens and its trees live on over it
      logInfo("Channel " + c.peer + " of session " + s.id.toString(16) + " closed; " + s.channels.length.toString() + " channel(s) left");
      continue;
    }
    endSession(s);
  }
  c.sessions.clear();
  const binding = c.binding;
  for (let i = 0; i < binding.length; i++) dropBinding(unchecked(binding[i]), c);
  binding.length = 0;
  dropPartialFrame(c);
  c.release();
  if (conns.has(c.id)) conns.delete(c.id);
}

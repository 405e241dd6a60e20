// Change notification (MS-SMB2 3.3.5.19, MS-FSA 2.1.5.10 / 2.1.4.17): watches on directory
// opens, the changes this server makes matched against them, and FILE_NOTIFY_INFORMATION
// (MS-FSCC 2.4.42) records queued until a CHANGE_NOTIFY request takes them.
import { Open } from "./open";
import { WaitList, wakeAll, cancelWith } from "../smb2/async";
import { STATUS_DELETE_PENDING } from "../smb2/status";

export const FILE_NOTIFY_CHANGE_FILE_NAME: u32 = 0x001;
export const FILE_NOTIFY_CHANGE_DIR_NAME: u32 = 0x002;
export const FILE_NOTIFY_CHANGE_ATTRIBUTES: u32 = 0x004;
export const FILE_NOTIFY_CHANGE_SIZE: u32 = 0x008;
export const FILE_NOTIFY_CHANGE_LAST_WRITE: u32 = 0x010;
export const FILE_NOTIFY_CHANGE_LAST_ACCESS: u32 = 0x020;
export const FILE_NOTIFY_CHANGE_CREATION: u32 = 0x040;
export const FILE_NOTIFY_CHANGE_EA: u32 = 0x080;
export const FILE_NOTIFY_CHANGE_SECURITY: u32 = 0x100;
export const FILE_NOTIFY_CHANGE_STREAM_NAME: u32 = 0x200;
export const FILE_NOTIFY_CHANGE_STREAM_SIZE: u32 = 0x400;
export const FILE_NOTIFY_CHANGE_STREAM_WRITE: u32 = 0x800;
export const FILE_NOTIFY_VALID_MASK: u32 = 0xfff;

export const FILE_ACTION_ADDED: u32 = 1;
export const FILE_ACTION_REMOVED: u32 = 2;
export const FILE_ACTION_MODIFIED: u32 = 3;
export const FILE_ACTION_RENAMED_OLD_NAME: u32 = 4;
export const FILE_ACTION_RENAMED_NEW_NAME: u32 = 5;

/** Most change records a watch keeps while nobody asks; beyond it the watch overflows. */
const MAX_QUEUED: i32 = 4096;

export class NotifyEvent {
  action: u32;
  /** Name relative to the watched directory, backslash-separated. */
  name: string;

  constructor(action: u32, name: string) {
    this.action = action;
    this.name = name;
  }
}

/** A directory open's watch: set by its first CHANGE_NOTIFY, kept until the open closes. */
export class Watch {
  open: Open;
  filter: u32;
  recursive: bool;
  events: Array<NotifyEvent> = new Array<NotifyEvent>(0);
  /** More changes happened than were kept: the next answer is STATUS_NOTIFY_ENUM_DIR. */
  overflow: bool = false;
  /** The watched directory is delete-pending: requests end with STATUS_DELETE_PENDING. */
  deletePending: bool = false;
  /** CHANGE_NOTIFY requests waiting for a change (the first one is answered first). */
  waiters: WaitList = new WaitList();

  constructor(open: Open, filter: u32, recursive: bool) {
    this.open = open;
    this.filter = filter;
    this.recursive = recursive;
  }
}

const watches = new Array<Watch>(0);

/** The watch of a directory open, created with this filter on its first CHANGE_NOTIFY. */
export function watchOf(o: Open, filter: u32, recursive: bool): Watch {
  for (let i = 0; i < watches.length; i++) {
    const w = unchecked(watches[i]);
    // Once set, a handle's filter and tree flag stay until it closes (as Windows does;
    // smb2.notify.mask-change): later requests use the first ones.
    if (w.open === o) return w;
  }
  const w = new Watch(o, filter, recursive);
  watches.push(w);
  return w;
}

/**
 * The directory an open watches is delete-pending (another handle deleted it): its waiting
 * requests end with STATUS_DELETE_PENDING (the directory goes when the last handle closes).
 */
export function watchedDirDeletePending(o: Open): void {
  for (let i = 0; i < watches.length; i++) {
    const w = unchecked(watches[i]);
    if (w.open !== o) continue;
    w.deletePending = true;
    const items = w.waiters.items.slice();
    for (let k = 0; k < items.length; k++) cancelWith(unchecked(items[k]), STATUS_DELETE_PENDING);
  }
}

/** Ends an open's watch (close, tree disconnect, logoff): pending requests were cancelled. */
export function dropWatch(o: Open): void {
  for (let i = 0; i < watches.length; i++) {
    if (unchecked(watches[i]).open === o) {
      watches.splice(i, 1);
      return;
    }
  }
}

/** The name of path relative to dir ("" = the root), or null when it is not below dir. */
function relative(dir: string, path: string, recursive: bool): string | null {
  let rest: string;
  if (dir.length == 0) rest = path;
  else if (path.length > dir.length && path.startsWith(dir) && path.charCodeAt(dir.length) == 0x2f) rest = path.substring(dir.length + 1);
  else return null;
  if (rest.length == 0) return null;
  if (!recursive && rest.indexOf("/") >= 0) return null;
  return rest.replaceAll("/", "\\");
}

/**
 * Reports a change of share:path (action FILE_ACTION_*, what it changed as FILE_NOTIFY_CHANGE_*
 * bits) to every watch that covers it, and wakes their waiting requests.
 */
export function notifyChange(share: u32, path: string, action: u32, filter: u32): void {
  for (let i = 0; i < watches.length; i++) {
    const w = unchecked(watches[i]);
    const o = w.open;
    if (o.closed || o.tree.share.index != share || (w.filter & filter) == 0) continue;
    const name = relative(o.path, path, w.recursive);
    if (name === null) continue;
    if (w.events.length >= MAX_QUEUED) w.overflow = true;
    else w.events.push(new NotifyEvent(action, <string>name));
    if (w.waiters.length > 0) wakeAll(w.waiters);
  }
}

/**
 * Writes queued records as FILE_NOTIFY_INFORMATION into [p, p+cap); returns the bytes used,
 * or -1 if they do not fit (the caller answers STATUS_NOTIFY_ENUM_DIR). Consumes the queue.
 */
export function takeEvents(w: Watch, p: usize, cap: u32): i32 {
  const ev = w.events;
  w.events = new Array<NotifyEvent>(0);
  if (w.overflow) {
    w.overflow = false;
    return -1;
  }
  let off: u32 = 0;
  let prev: u32 = 0;
  for (let i = 0; i < ev.length; i++) {
    const e = unchecked(ev[i]);
    const start = (off + 3) & ~3;
    const nameBytes = <u32>e.name.length << 1;
    const end = start + 12 + nameBytes;
    if (end > cap) return -1;
    if (i > 0) store<u32>(p + <usize>prev, start - prev);
    memory.fill(p + <usize>off, 0, <usize>(start - off));
    const q = p + <usize>start;
    store<u32>(q, 0, 0);
    store<u32>(q, e.action, 4);
    store<u32>(q, nameBytes, 8);
    memory.copy(q + 12, changetype<usize>(e.name), <usize>nameBytes);
    prev = start;
    off = end;
  }
  return <i32>off;
}

// ChangeTime set by SET_INFO FileBasicInformation (MS-FSA 2.1.5.14.2). POSIX cannot set ctime and
// Samba's DOSATTRIB (version 5) has no field for it, so an explicit ChangeTime is kept in memory
// for the file while it has opens; afterwards the file's ctime is reported again.
import { Open, FileNode } from "./open";

const sticky = new Map<FileNode, u64>();

/** The ChangeTime set on o's file while open (FILETIME), or 0. */
export function stickyChangeTime(o: Open): u64 {
  const n = o.node;
  if (n === null || !sticky.has(n)) return 0;
  if (n.opens.length == 0) {
    sticky.delete(n);
    return 0;
  }
  return sticky.get(n);
}

/** Remembers an explicit ChangeTime for o's file; forgets those of files no longer open. */
export function setStickyChangeTime(o: Open, ft: u64): void {
  const n = o.node;
  if (n === null) return;
  if (sticky.size > 16) {
    const keys = sticky.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (k.opens.length == 0) sticky.delete(k);
    }
  }
  sticky.set(n, ft);
}

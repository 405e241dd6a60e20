// Deletions in flight (delete on close, MS-FSA 2.1.5.4): the last close of a delete-pending file
// that no request waits for — a disconnected durable open purged by another open (MS-SMB2
// 3.3.4.6), opens closed with their session or connection — unlinks it on the host in the
// background. A CREATE of the same name waits until that unlink is done and then looks at the
// name again, so it never opens the file that is going away (smbtorture
// smb2.durable-open.delete_on_close1: the new open must create a new, empty file).
import { IoWaiter } from "./io";
import { WaitList, wakeAll } from "../smb2/async";
import { Request } from "../smb2/request";

export class PendingDelete extends IoWaiter {
  key: string;
  waiters: WaitList = new WaitList();

  constructor(key: string) {
    super();
    this.key = key;
  }

  ioDone(tag: i32, result: i32): void {
    if (pending.has(this.key) && pending.get(this.key) === this) pending.delete(this.key);
    wakeAll(this.waiters);
  }
}

const pending = new Map<string, PendingDelete>();

/** The waiter of a background deletion of the file with node key `key` (fs/open.ts nodeKey). */
export function deletionWaiter(key: string): PendingDelete {
  const d = new PendingDelete(key);
  pending.set(key, d); // a newer deletion of the same name supersedes the older one
  return d;
}

/**
 * If the file with node key `key` is being deleted in the background, r waits for that (and
 * resumes at `step`): returns true; the handler then returns STATUS_INTERNAL_WAIT.
 */
export function waitForDeletion(r: Request, key: string, step: i32): bool {
  if (!pending.has(key)) return false;
  r.step = step;
  pending.get(key).waiters.add(r);
  return true;
}

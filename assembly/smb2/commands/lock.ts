// MS-SMB2 2.2.26/2.2.27 LOCK (3.3.5.14): byte-range lock, unlock, fail-immediately and
// blocking (asynchronous) requests, on top of fs/locks.ts.
import * as S from "../status";
import { Request } from "../request";
import { Open, FileNode } from "../../fs/open";
import { heapAdmit } from "../../util/heap";
import { logWarn } from "../../util/log";

/** Heap one granted lock range is assumed to take (the ByteLock object, its slot, overhead). */
const LOCK_COST: usize = 96;
/**
 * Most byte-range locks one file holds (all opens together). Conflict checks scan the file's
 * locks, so this also bounds the work of one LOCK request (LockCount x locks held).
 */
export const MAX_LOCKS_PER_FILE: i32 = 8192;
import { lookupOpen } from "../../fs/handles";
import * as L from "../../fs/locks";
import * as A from "../../fs/access";
import { canGoAsync, STATUS_INTERNAL_ASYNC } from "../async";
import { breakForWrite } from "../../oplock/state";
import { lockReplayed, lockApplied } from "./lock_sequence";

const ELEMENT_SIZE: u32 = 24;
const STEP_WAITING = 1;

@inline function LockCount(b: usize): u32 { return <u32>load<u16>(b, 2); }
@inline function elOffset(b: usize, i: u32): u64 { return load<u64>(b + 24 + <usize>(i * ELEMENT_SIZE)); }
@inline function elLength(b: usize, i: u32): u64 { return load<u64>(b + 24 + <usize>(i * ELEMENT_SIZE), 8); }
@inline function elFlags(b: usize, i: u32): u32 { return load<u32>(b + 24 + <usize>(i * ELEMENT_SIZE), 16); }

function ok(r: Request): u32 {
  const o = r.open;
  if (o !== null) lockApplied(r, o);
  store<u16>(r.out, 4, 0);
  store<u16>(r.out, 0, 2);
  r.outLen = 4;
  return S.STATUS_SUCCESS;
}

@inline function isLockFlags(f: u32): bool {
  const kind = f & ~L.SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
  return kind == L.SMB2_LOCKFLAG_SHARED_LOCK || kind == L.SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
}

export function smb2Lock(r: Request): u32 {
  const b = r.body;
  if (r.step == STEP_WAITING) return retry(r);
  const count = LockCount(b);
  if (count == 0) return S.STATUS_INVALID_PARAMETER;
  // M8: LockCount × 24 must fit in the request (the first element is inside the fixed part)
  if (<u64>24 + <u64>count * <u64>ELEMENT_SIZE > <u64>r.bodyLen) return S.STATUS_INVALID_PARAMETER;
  const o = lookupOpen(r, b + 8);
  if (o === null) return S.STATUS_FILE_CLOSED;
  if (o.isDir || o.pipe !== null) return S.STATUS_INVALID_PARAMETER;
  if (!A.granted(o, A.FILE_READ_DATA | A.FILE_WRITE_DATA)) return S.STATUS_ACCESS_DENIED;
  const n = o.node;
  if (n === null) return S.STATUS_INVALID_HANDLE;
  if (lockReplayed(r, o)) return ok(r); // lock_sequence.ts

  // Elements are applied in order (MS-SMB2 3.3.5.14.1/.2): an unlock request stops at the
  // first failure with the earlier unlocks done; a lock request that fails undoes the locks
  // it took before.
  if (elFlags(b, 0) == L.SMB2_LOCKFLAG_UNLOCK) {
    let st = S.STATUS_SUCCESS;
    for (let i: u32 = 0; i < count; i++) {
      if (elFlags(b, i) != L.SMB2_LOCKFLAG_UNLOCK) { st = S.STATUS_INVALID_PARAMETER; break; }
      if (!L.removeLock(n, o, elOffset(b, i), elLength(b, i))) { st = S.STATUS_RANGE_NOT_LOCKED; break; }
    }
    L.grantWaiters(n);
    return st == S.STATUS_SUCCESS ? ok(r) : st;
  }
  if (<i64>n.locks.length + <i64>count > <i64>MAX_LOCKS_PER_FILE) {
    logWarn("LOCK from " + o.session.conn.peer + " refused: the file would hold more than " + MAX_LOCKS_PER_FILE.toString() + " byte-range locks");
    return S.STATUS_INSUFFICIENT_RESOURCES;
  }
  if (!heapAdmit("lock", o.session.conn.peer, <usize>count * LOCK_COST)) return S.STATUS_INSUFFICIENT_RESOURCES;
  breakForWrite(o, false); // a byte-range lock breaks Level II oplocks (its own too) and others' leases (MS-FSA 2.1.5.7)
  for (let i: u32 = 0; i < count; i++) {
    const off = elOffset(b, i);
    const len = elLength(b, i);
    const f = elFlags(b, i);
    let st = S.STATUS_SUCCESS;
    if (!isLockFlags(f) || (count > 1 && (f & L.SMB2_LOCKFLAG_FAIL_IMMEDIATELY) == 0)) st = S.STATUS_INVALID_PARAMETER;
    else if (L.badRange(off, len)) st = S.STATUS_INVALID_LOCK_RANGE;
    else {
      const ex = (f & L.SMB2_LOCKFLAG_EXCLUSIVE_LOCK) != 0;
      if (!L.lockConflicts(n, o, off, len, ex)) {
        L.addLock(n, o, off, len, ex);
        continue;
      }
      if ((f & L.SMB2_LOCKFLAG_FAIL_IMMEDIATELY) == 0 && canGoAsync(r)) return wait(r, n); // count is 1
      st = S.STATUS_LOCK_NOT_GRANTED;
    }
    // undo the elements of this request already granted
    for (let k: u32 = 0; k < i; k++) L.removeLock(n, o, elOffset(b, k), elLength(b, k));
    if (i > 0) L.grantWaiters(n);
    return st;
  }
  return ok(r);
}

function wait(r: Request, n: FileNode): u32 {
  r.step = STEP_WAITING;
  n.lockWaiters.add(r);
  return STATUS_INTERNAL_ASYNC;
}

/** A waiting lock runs again: granted by grantWaiters, or to look at the range once more. */
function retry(r: Request): u32 {
  if (r.asyncDone) return r.asyncResult == S.STATUS_SUCCESS ? ok(r) : r.asyncResult;
  const o = r.open as Open;
  const n = o.node;
  if (n === null || o.closed) return S.STATUS_RANGE_NOT_LOCKED;
  const b = r.body;
  const ex = (elFlags(b, 0) & L.SMB2_LOCKFLAG_EXCLUSIVE_LOCK) != 0;
  if (L.lockConflicts(n, o, elOffset(b, 0), elLength(b, 0), ex)) return wait(r, n);
  L.addLock(n, o, elOffset(b, 0), elLength(b, 0), ex);
  return ok(r);
}

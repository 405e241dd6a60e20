// Byte-range locks (MS-FSA 2.1.5.7 ByteRangeLock/Unlock, 2.1.4.9/10 read and write checks):
// conflict rules, stacking, zero-length ranges, and handing freed ranges to waiting requests.
import { Open, FileNode } from "./open";
import { Request } from "../smb2/request";
import { grant } from "../smb2/async";

export const SMB2_LOCKFLAG_SHARED_LOCK: u32 = 0x01;
export const SMB2_LOCKFLAG_EXCLUSIVE_LOCK: u32 = 0x02;
export const SMB2_LOCKFLAG_UNLOCK: u32 = 0x04;
export const SMB2_LOCKFLAG_FAIL_IMMEDIATELY: u32 = 0x10;

export class ByteLock {
  open: Open;
  offset: u64;
  length: u64;
  exclusive: bool;

  constructor(open: Open, offset: u64, length: u64, exclusive: bool) {
    this.open = open;
    this.offset = offset;
    this.length = length;
    this.exclusive = exclusive;
  }
}

/** x >= start + length, without overflowing 64 bits. */
@inline function atOrAfterEnd(x: u64, start: u64, length: u64): bool {
  return x >= start && x - start >= length;
}

/**
 * Do [aOff, aOff+aLen) and [bOff, bOff+bLen) overlap? A zero-length range overlaps a range
 * that strictly contains its offset (as Windows and Samba treat zero-byte locks).
 */
export function overlaps(aOff: u64, aLen: u64, bOff: u64, bLen: u64): bool {
  if (aLen != 0 && aOff == bOff && aLen == bLen) return true;
  return !(atOrAfterEnd(aOff, bOff, bLen) || atOrAfterEnd(bOff, aOff, aLen));
}

/** A range past 2^64 - 1 (MS-FSA: STATUS_INVALID_LOCK_RANGE). */
export function badRange(offset: u64, length: u64): bool {
  return length != 0 && offset + (length - 1) < offset;
}

/** Would a lock (open, range, exclusive) conflict with a lock already held? */
export function lockConflicts(n: FileNode, o: Open, offset: u64, length: u64, exclusive: bool): bool {
  for (let i = 0; i < n.locks.length; i++) {
    const l = unchecked(n.locks[i]);
    if (!overlaps(offset, length, l.offset, l.length)) continue;
    if (exclusive) return true; // an exclusive lock conflicts with any overlapping lock
    if (l.exclusive && l.open !== o) return true; // shared: only others' exclusive locks
  }
  return false;
}

export function addLock(n: FileNode, o: Open, offset: u64, length: u64, exclusive: bool): ByteLock {
  const l = new ByteLock(o, offset, length, exclusive);
  n.locks.push(l);
  return l;
}

/**
 * Removes one lock of o with exactly this range — an exclusive one before shared ones when
 * several are stacked (as Windows does); false if there is none (RANGE_NOT_LOCKED).
 */
export function removeLock(n: FileNode, o: Open, offset: u64, length: u64): bool {
  let found = -1;
  for (let i = n.locks.length - 1; i >= 0; i--) {
    const l = unchecked(n.locks[i]);
    if (l.open !== o || l.offset != offset || l.length != length) continue;
    found = i;
    if (l.exclusive) break;
  }
  if (found < 0) return false;
  n.locks.splice(found, 1);
  return true;
}

/** Drops every lock of an open (close), then lets waiters in. */
export function releaseLocksOf(n: FileNode, o: Open): void {
  let removed = false;
  for (let i = n.locks.length - 1; i >= 0; i--) {
    if (unchecked(n.locks[i]).open === o) {
      n.locks.splice(i, 1);
      removed = true;
    }
  }
  if (removed) grantWaiters(n);
}

/**
 * MS-FSA 2.1.4.10 (read) / 2.1.4.9? (write): may o read or write [offset, offset+length)?
 * Reads conflict with others' exclusive locks; writes with any lock of another open and with
 * the open's own shared locks.
 */
export function ioConflicts(n: FileNode, o: Open, offset: u64, length: u64, write: bool): bool {
  if (length == 0) return false;
  for (let i = 0; i < n.locks.length; i++) {
    const l = unchecked(n.locks[i]);
    if (l.length == 0 || !overlaps(offset, length, l.offset, l.length)) continue;
    if (l.open !== o) {
      if (write || l.exclusive) return true;
    } else if (write && !l.exclusive) {
      return true;
    }
  }
  return false;
}

/** The single lock element a waiting LOCK request asks for (its request body stays alive). */
@inline function waiterOffset(r: Request): u64 { return load<u64>(r.body, 24); }
@inline function waiterLength(r: Request): u64 { return load<u64>(r.body, 32); }
@inline function waiterExclusive(r: Request): bool { return (load<u32>(r.body, 40) & SMB2_LOCKFLAG_EXCLUSIVE_LOCK) != 0; }

/**
 * Ranges were freed: grant, in arrival order, every waiting lock that no longer conflicts.
 * Granting at once (not when the waiter next runs) is what Windows does: a waiter whose
 * blocker closes gets its lock even if its own handle is closed right after.
 */
export function grantWaiters(n: FileNode): void {
  const waiting = n.lockWaiters.items.slice();
  for (let i = 0; i < waiting.length; i++) {
    const r = unchecked(waiting[i]);
    const o = r.open;
    if (o === null || o.closed) continue;
    const off = waiterOffset(r);
    const len = waiterLength(r);
    const ex = waiterExclusive(r);
    if (lockConflicts(n, o, off, len, ex)) continue;
    addLock(n, o, off, len, ex);
    n.lockWaiters.remove(r);
    grant(r);
  }
}

// Per-file oplock and lease bookkeeping (MS-SMB2 3.3.1.4 Lease, 3.3.1.10 Open.OplockLevel/State;
// MS-FSA 2.1.4.12): applying the transition table to every holder of a file, break completion
// (acknowledgment, timeout, close, lost connection), and waking the requests that waited.
import * as T from "./table";
import { Open, FileNode, fileNodes, nodeKey } from "../fs/open";
import { parentPath } from "../fs/path";
import { wakeAll } from "../smb2/async";
import { now_ms } from "../abi/imports";
import { purgeInsteadOfBreak, purgeLeaseInsteadOfBreak, flushPurges } from "../fs/durable";

/** How long a break waits for its acknowledgment (Windows: 35 s; MS-SMB2 3.3.2.1). */
export const BREAK_TIMEOUT_MS: f64 = 35000;

/** A lease (MS-SMB2 3.3.1.4): one per (ClientGuid, LeaseKey), bound to one file while it has opens. */
export class Lease {
  /** ClientGuid (hex) of the client that owns the lease. */
  guid: string;
  key0: u64;
  key1: u64;
  /** guid + key: the key of the global lease table. */
  mapKey: string;
  node: FileNode;
  /** Current lease state (R=1, H=2, W=4). */
  state: u8 = 0;
  breaking: bool = false;
  /** The state the break in progress offered (Lease.BreakToLeaseState). */
  breakTo: u8 = 0;
  /** The lowest state requesters need; a further break follows the ack when above. */
  required: u8 = 0;
  epoch: u16 = 0;
  /** 1 or 2: the create context version the lease was made with (its responses keep it). */
  version: u8 = 1;
  parent0: u64 = 0;
  parent1: u64 = 0;
  hasParent: bool = false;
  /** Lease.LeaseBreakTimeout (ms). */
  deadline: f64 = 0;
  /** The opens of this lease (Lease.LeaseOpens). */
  opens: Array<Open> = new Array<Open>(0);
  /** Scratch mark so a holder with several opens is visited once per event. */
  mark: u32 = 0;

  constructor(guid: string, key0: u64, key1: u64, node: FileNode) {
    this.guid = guid;
    this.key0 = key0;
    this.key1 = key1;
    this.mapKey = leaseMapKey(guid, key0, key1);
    this.node = node;
  }
}

/** Sends an oplock break offering `level` to the holder of o; false when it cannot (gone). */
export type OplockSender = (o: Open, level: u8) => bool;
/** Sends a lease break of L from `from` to `to`; false when the client has no connection left. */
export type LeaseSender = (L: Lease, from: u8, to: u8, ackRequired: bool) => bool;
// Set by breaks.ts (the wire side), which this file does not import: fs/ must stay below smb2/.
let oplockSender: OplockSender = (o: Open, level: u8): bool => false;
let leaseSender: LeaseSender = (L: Lease, from: u8, to: u8, ackRequired: bool): bool => false;

/** Installs the functions that put break notifications on the wire (oplock/breaks.ts). */
export function setBreakSenders(a: OplockSender, b: LeaseSender): void {
  oplockSender = a;
  leaseSender = b;
}

/** The global lease table (GlobalLeaseTableList, keyed by ClientGuid and LeaseKey). */
export const leases = new Map<string, Lease>();
const breakingLeases = new Array<Lease>(0);
const breakingOpens = new Array<Open>(0);
let markGen: u32 = 0;

/** The lease table key of (ClientGuid hex, LeaseKey). */
export function leaseMapKey(guid: string, key0: u64, key1: u64): string {
  return guid + ":" + key0.toString(16) + ":" + key1.toString(16);
}

/** The lease (guid, key), or null. */
export function findLease(guid: string, key0: u64, key1: u64): Lease | null {
  const k = leaseMapKey(guid, key0, key1);
  return leases.has(k) ? leases.get(k) : null;
}

function removeFrom<T>(list: Array<T>, x: T): void {
  const i = list.indexOf(x);
  if (i >= 0) list.splice(i, 1);
}

/** Requests waiting for breaks on this file look at it again (after the current event). */
export function wakeNode(n: FileNode | null): void {
  if (n !== null && n.oplockWaiters.length > 0) wakeAll(n.oplockWaiters);
}

// ---- starting breaks ----

function startOplockBreak(o: Open, to: u8, required: u8): void {
  if (!oplockSender(o, to)) {
    o.oplockLevel = to; // the client is gone: as if acknowledged
    return;
  }
  o.oplockBreaking = true;
  o.oplockBreakTo = to;
  o.oplockRequired = required;
  o.oplockDeadline = now_ms() + BREAK_TIMEOUT_MS;
  breakingOpens.push(o);
}

/** Breaks lease L to `to`; `fresh` starts a new break (new epoch), else it continues one. */
function startLeaseBreak(L: Lease, to: u8, required: u8, fresh: bool): void {
  const from = L.state;
  if (fresh) L.epoch++;
  const needAck = T.leaseBreakNeedsAck(from);
  const sent = leaseSender(L, from, to, needAck);
  if (!needAck || !sent) {
    L.state = to; // no acknowledgment expected, or nobody left to give one
    return;
  }
  L.breaking = true;
  L.breakTo = to;
  L.required = required;
  L.deadline = now_ms() + BREAK_TIMEOUT_MS;
  breakingLeases.push(L);
}

/** Applies row (holder state, event) to an oplock holder; true if the requester must wait. */
function applyOplock(o: Open, event: u8, mayWait: bool): bool {
  const st = T.oplockState(o.oplockLevel);
  const action = T.transitionAction(st, event);
  const to = T.oplockLevel(T.transitionTarget(st, event));
  // a disconnected durable holder is closed instead (MS-SMB2 3.3.4.6; fs/durable.ts)
  if (action != T.A_KEEP && purgeInsteadOfBreak(o)) return false;
  if (o.oplockBreaking) {
    if (action == T.A_KEEP) return mayWait;
    if (to < o.oplockRequired) o.oplockRequired = to;
    return mayWait && action == T.A_BREAK_WAIT;
  }
  if (action == T.A_KEEP) return false;
  if (action == T.A_BREAK_NOACK) {
    oplockSender(o, to);
    o.oplockLevel = to;
    return false;
  }
  startOplockBreak(o, to, to);
  return mayWait && action == T.A_BREAK_WAIT && o.oplockBreaking;
}

/** Applies row (lease state, event) to a lease; true if the requester must wait. */
function applyLease(L: Lease, event: u8, mayWait: bool): bool {
  const st = T.leaseState(L.state);
  const action = T.transitionAction(st, event);
  const to = T.leaseBits(T.transitionTarget(st, event));
  if (action != T.A_KEEP && purgeLeaseInsteadOfBreak(L)) return false; // (3.3.4.7)
  if (L.breaking) {
    if (action == T.A_KEEP) return mayWait;
    L.required &= to;
    return mayWait && action == T.A_BREAK_WAIT;
  }
  if (action == T.A_KEEP) return false;
  startLeaseBreak(L, to, to, true);
  return mayWait && action == T.A_BREAK_WAIT && L.breaking;
}

/**
 * Applies `event` to every holder of node: every other open's oplock and every other lease.
 * `self` (an open, may be null) and `selfLease` (the requester's lease, may be null) are the
 * requester: for writes they get E_WRITE_SELF, otherwise they are skipped. `skipLeases` for an
 * open that is a stat open for leases only (READ_CONTROL). Returns true when the requester has
 * to wait (only if mayWait).
 */
export function breakHolders(node: FileNode, self: Open | null, selfLease: Lease | null, event: u8, mayWait: bool, skipLeases: bool = false): bool {
  const isWrite = event == T.E_WRITE_OTHER;
  if (isWrite) mayWait = false;
  const gen = ++markGen;
  let wait = false;
  const list = node.opens;
  for (let i = 0; i < list.length; i++) {
    const x = unchecked(list[i]);
    if (x.closed) continue;
    const L = x.lease;
    if (L !== null) {
      if (L.mark == gen) continue;
      L.mark = gen;
      if (L === selfLease || skipLeases) continue; // a lease never breaks itself (lease.nobreakself)
      if (applyLease(L, event, mayWait)) wait = true;
      continue;
    }
    if (x.oplockLevel == T.SMB2_OPLOCK_LEVEL_NONE && !x.oplockBreaking) continue;
    if (x === self) {
      if (isWrite) applyOplock(x, T.E_WRITE_SELF, false);
      continue;
    }
    if (applyOplock(x, event, mayWait)) wait = true;
  }
  flushPurges(); // disconnected holders met on the way close now (fs/durable.ts)
  return wait;
}

/**
 * WRITE, LOCK, SET_INFO end-of-file/allocation by o: Level II and read caching of others go.
 * `modifies`: the file changes (its close then breaks the parent's directory leases).
 */
export function breakForWrite(o: Open, modifies: bool = true): void {
  if (modifies) o.modified = true;
  const n = o.node;
  if (n !== null && n.opens.length > 0) breakHolders(n, o, o.lease, T.E_WRITE_OTHER, false);
}

/**
 * Rename or delete-on-close by open o: other holders lose handle caching. True when the request
 * must wait (then it is on the file's wait list and must return STATUS_INTERNAL_ASYNC).
 */
export function breakForHandle(o: Open, mayWait: bool): bool {
  const n = o.node;
  if (n === null) return false;
  return breakHolders(n, o, o.lease, T.E_HANDLE, mayWait);
}

/**
 * A change in the directory holding `path` (a child created, overwritten, deleted, renamed, or
 * closed after being modified): the directory's leases lose all caching, without waiting, except
 * the lease the changing open named as its parent lease key (MS-SMB2 2.2.13.2.10,
 * smb2.lease.v2_request). `exempt` is that lease's table key, or "".
 */
export function breakDirectoryLeases(share: u32, path: string, exempt: string): void {
  if (path.length == 0) return; // the share root has no parent in the share
  const key = nodeKey(share, parentPath(path));
  if (!fileNodes.has(key)) return;
  const n = fileNodes.get(key);
  const gen = ++markGen;
  for (let i = 0; i < n.opens.length; i++) {
    const x = unchecked(n.opens[i]);
    const L = x.lease;
    if (L === null || x.closed || L.mark == gen) continue;
    L.mark = gen;
    if (L.mapKey == exempt || (L.state == 0 && !L.breaking)) continue;
    applyLease(L, T.E_WRITE_OTHER, false);
  }
  flushPurges();
}

/** Open o changed its directory: break the directory's leases (see breakDirectoryLeases). */
export function childChanged(o: Open): void {
  if (o.pipe === null) breakDirectoryLeases(o.tree.share.index, o.path, o.leaseParent);
}

// ---- completing breaks ----

function oplockBreakDone(o: Open): void {
  o.oplockBreaking = false;
  removeFrom<Open>(breakingOpens, o);
  if (o.oplockLevel > o.oplockRequired) {
    // requesters need less than acknowledged: Level II to none needs no acknowledgment
    oplockSender(o, o.oplockRequired);
    o.oplockLevel = o.oplockRequired;
  }
  wakeNode(o.node);
}

/**
 * Oplock Break Acknowledgment (MS-SMB2 3.3.5.22.1) for open o with `level`: the new level, or
 * -1 when the open is not breaking or the level is not one the break offered.
 */
export function ackOplock(o: Open, level: u8): i32 {
  if (!o.oplockBreaking) return -1;
  const to = T.oplockAck(o.oplockBreakTo, level);
  if (to < 0) return -1;
  o.oplockLevel = <u8>to;
  oplockBreakDone(o);
  return <i32>o.oplockLevel;
}

function leaseBreakDone(L: Lease): void {
  L.breaking = false;
  removeFrom<Lease>(breakingLeases, L);
  const next = T.leaseContinuation(L.state, L.required);
  if (next >= 0) startLeaseBreak(L, <u8>next, L.required, false);
  if (!L.breaking) wakeNode(L.node);
}

/** Lease break acknowledgment results (MS-SMB2 3.3.5.22.2). */
export const LEASE_ACK_OK: i32 = 0;
export const LEASE_ACK_NOT_BREAKING: i32 = 1;
export const LEASE_ACK_NOT_ACCEPTED: i32 = 2;

/** Acknowledges lease L's break with `state`. */
export function ackLease(L: Lease, state: u8): i32 {
  if (!L.breaking) return LEASE_ACK_NOT_BREAKING;
  if (!T.leaseAckOk(L.breakTo, state)) return LEASE_ACK_NOT_ACCEPTED;
  L.state = state;
  leaseBreakDone(L);
  return LEASE_ACK_OK;
}

/**
 * Open o goes away (close, logoff, disconnect): its oplock ends, its lease loses an open. A break
 * it had in progress ends with it, and the requests waiting for that break look again (batch3).
 */
export function releaseOplock(o: Open): void {
  let ended = false;
  if (o.oplockBreaking) {
    o.oplockBreaking = false;
    removeFrom<Open>(breakingOpens, o);
    ended = true;
  }
  o.oplockLevel = 0;
  const L = o.lease;
  if (L !== null) {
    o.lease = null;
    removeFrom<Open>(L.opens, o);
    if (L.opens.length == 0) {
      if (L.breaking) {
        L.breaking = false;
        removeFrom<Lease>(breakingLeases, L);
        ended = true;
      }
      if (leases.has(L.mapKey) && leases.get(L.mapKey) === L) leases.delete(L.mapKey);
    }
  }
  if (ended) wakeNode(o.node);
}

/**
 * Break timers (MS-SMB2 3.3.2.x): an oplock break not acknowledged in time ends as if
 * acknowledged; a lease break leaves the lease with no caching (smb2.lease.timeout).
 * Returns the next deadline (ms), 0 when nothing is breaking.
 */
export function oplockTimers(now: f64): f64 {
  let next: f64 = 0;
  const os = breakingOpens.slice();
  for (let i = 0; i < os.length; i++) {
    const o = unchecked(os[i]);
    if (!o.oplockBreaking) continue;
    if (o.oplockDeadline <= now) {
      o.oplockLevel = T.oplockTimeout(o.oplockBreakTo);
      oplockBreakDone(o);
    } else if (next == 0 || o.oplockDeadline < next) next = o.oplockDeadline;
  }
  const ls = breakingLeases.slice();
  for (let i = 0; i < ls.length; i++) {
    const L = unchecked(ls[i]);
    if (!L.breaking) continue;
    if (L.deadline <= now) {
      L.state = T.leaseTimeout(L.breakTo);
      L.required = L.state;
      leaseBreakDone(L);
    } else if (next == 0 || L.deadline < next) next = L.deadline;
  }
  return next;
}

/** Number of breaks waiting for an acknowledgment (tests). */
export function breaksPending(): i32 {
  return breakingOpens.length + breakingLeases.length;
}

// CREATE and oplocks/leases (MS-SMB2 3.3.5.9, 3.3.5.9.8 lease v1, 3.3.5.9.11 lease v2;
// 2.2.13.2.8/.10 and 2.2.14.2.10/.11 SMB2_CREATE_REQUEST_LEASE[_V2] contexts): breaks a new open
// causes (waiting for them when needed), the oplock or lease granted, the lease response context.
import * as S from "../smb2/status";
import * as T from "./table";
import { Request } from "../smb2/request";
import { Conn } from "../smb2/conn";
import { canGoAsync, STATUS_INTERNAL_ASYNC } from "../smb2/async";
import { DIALECT_210, DIALECT_300 } from "../config";
import { Open, FileNode } from "../fs/open";
import * as A from "../fs/access";
import { findCreateContext } from "../fs/ea";
import { Lease, leases, findLease, breakHolders, leaseMapKey } from "./state";
import { guidKey } from "./breaks";

/** "RqLs": SMB2_CREATE_REQUEST_LEASE / _V2 and their responses. */
const CREATE_REQUEST_LEASE: u32 = 0x734c7152;
const SMB2_GLOBAL_CAP_LEASING: u32 = 0x02; // negotiate.ts (not imported: it sits above this layer)
const SMB2_GLOBAL_CAP_DIRECTORY_LEASING: u32 = 0x20;
const LEASE_V1_SIZE: u32 = 32;
const LEASE_V2_SIZE: u32 = 52;
const SMB2_LEASE_FLAG_BREAK_IN_PROGRESS: u32 = 0x02;
const SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET: u32 = 0x04;
const STAT_RIGHTS: u32 = A.FILE_READ_ATTRIBUTES | A.FILE_WRITE_ATTRIBUTES | A.SYNCHRONIZE;
/** Leases are not broken by READ_CONTROL either (smb2.lease.statopen4; oplocks are: statopen1). */
const LEASE_STAT_RIGHTS: u32 = STAT_RIGHTS | A.READ_CONTROL;

@inline function RequestedOplockLevel(b: usize): u8 { return load<u8>(b, 3); }

/** A parsed lease create context. */
export class LeaseRequest {
  guid: string = "";
  key0: u64 = 0;
  key1: u64 = 0;
  state: u8 = 0;
  version: u8 = 1;
  epoch: u16 = 0;
  hasParent: bool = false;
  parent0: u64 = 0;
  parent1: u64 = 0;
}

/** STATUS_INVALID_PARAMETER after leaseRequest() met a malformed lease context, else SUCCESS. */
export let leaseRequestStatus: u32 = 0;

/**
 * The lease the CREATE asks for, or null: RequestedOplockLevel is SMB2_OPLOCK_LEVEL_LEASE, the
 * connection negotiated leasing (2.1+) and a lease context is present. Version 2 needs 3.x and
 * a 52-byte context; a shorter context is read as version 1 (MS-SMB2 3.3.5.9.8/.11).
 */
export function leaseRequest(r: Request): LeaseRequest | null {
  leaseRequestStatus = S.STATUS_SUCCESS;
  const c = r.conn as Conn;
  if (RequestedOplockLevel(r.body) != T.SMB2_OPLOCK_LEVEL_LEASE) return null;
  if ((c.serverCapabilities & SMB2_GLOBAL_CAP_LEASING) == 0 || c.dialect < DIALECT_210) return null;
  const ctx = findCreateContext(r.hdr, r.cmdLen, r.body, CREATE_REQUEST_LEASE);
  if (ctx == -2) {
    leaseRequestStatus = S.STATUS_INVALID_PARAMETER;
    return null;
  }
  if (ctx < 0) return null;
  const p = r.hdr + <usize>(ctx >>> 32);
  const len = <u32>(ctx & 0xffffffff);
  if (len < LEASE_V1_SIZE) {
    leaseRequestStatus = S.STATUS_INVALID_PARAMETER;
    return null;
  }
  const q = new LeaseRequest();
  q.guid = guidKey(c);
  q.key0 = load<u64>(p);
  q.key1 = load<u64>(p, 8);
  q.state = T.normalizeLease(<u8>(load<u32>(p, 16) & 7));
  if (len >= LEASE_V2_SIZE && c.dialect >= DIALECT_300) {
    q.version = 2;
    q.hasParent = (load<u32>(p, 20) & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET) != 0;
    q.parent0 = load<u64>(p, 32);
    q.parent1 = load<u64>(p, 40);
    q.epoch = load<u16>(p, 48);
  }
  return q;
}

/** Is this a stat open (MS-FSA 2.1.4.12: attribute rights only, no overwrite)? */
export function isStatOpen(access: u32, overwrite: bool): bool {
  return (access & ~STAT_RIGHTS) == 0 && !overwrite;
}

/** Is this open too small to break leases (attribute rights and READ_CONTROL, no overwrite)? */
export function isLeaseStatOpen(access: u32, overwrite: bool): bool {
  return (access & ~LEASE_STAT_RIGHTS) == 0 && !overwrite;
}

/**
 * MS-SMB2 3.3.5.9.8: a lease key already leases another file of this client →
 * STATUS_INVALID_PARAMETER (smb2.lease.request, duplicate_create). `nodeKey` names the file.
 */
export function checkLeaseKey(q: LeaseRequest | null, nodeKey: string): u32 {
  if (q === null) return S.STATUS_SUCCESS;
  const L = findLease(q.guid, q.key0, q.key1);
  if (L !== null && L.node.key != nodeKey) return S.STATUS_INVALID_PARAMETER;
  return S.STATUS_SUCCESS;
}

function requesterLease(q: LeaseRequest | null, node: FileNode): Lease | null {
  if (q === null) return null;
  const L = findLease(q.guid, q.key0, q.key1);
  return L !== null && L.node === node ? L : null;
}

/**
 * Before opening an existing file: the share-mode check and the breaks the open causes
 * (MS-FSA 2.1.5.1.2: handle caching and Batch break on a sharing conflict, then write caching,
 * Exclusive and Batch break to Level II, or everything to none for an overwrite). Returns
 * STATUS_SUCCESS to go on, STATUS_SHARING_VIOLATION, or STATUS_INTERNAL_ASYNC when r waits on
 * the file's list (it runs again at `waitStep`).
 */
export function createBreaks(r: Request, node: FileNode, access: u32, share: u32, overwrite: bool, waitStep: i32): u32 {
  const stat = isStatOpen(access, overwrite);
  const q = leaseRequest(r);
  const self = requesterLease(q, node);
  const mayWait = canGoAsync(r);
  if (!A.shareAccessOk(node, access, share)) {
    if (!stat && breakHolders(node, null, self, T.E_SHARE_CONFLICT, mayWait)) return waitOn(r, node, waitStep);
    // a disconnected durable open met there was closed instead of broken (fs/durable.ts)
    if (!A.shareAccessOk(node, access, share)) return S.STATUS_SHARING_VIOLATION;
  }
  if (stat) return S.STATUS_SUCCESS;
  const ev = overwrite ? T.E_OPEN_OVERWRITE : T.E_OPEN;
  if (breakHolders(node, null, self, ev, mayWait, isLeaseStatOpen(access, overwrite))) return waitOn(r, node, waitStep);
  return S.STATUS_SUCCESS;
}

function waitOn(r: Request, node: FileNode, step: i32): u32 {
  r.step = step;
  node.oplockWaiters.add(r);
  return STATUS_INTERNAL_ASYNC;
}

/**
 * The new open o joined node: breaks holders that appeared meanwhile (without waiting), then
 * grants the oplock or lease the CREATE asked for (MS-FSA 2.1.5.17.2, table.ts grants).
 */
export function grantCreate(r: Request, o: Open, node: FileNode, overwrite: bool): void {
  o.statOpen = isStatOpen(o.grantedAccess, overwrite);
  if (o.pipe !== null) return;
  const q = leaseRequest(r);
  if (q !== null && q.hasParent && !o.isDir) o.leaseParent = leaseMapKey(q.guid, q.parent0, q.parent1);
  // Directories get leases (R, RH) only with directory leasing: 3.x and a version 2 context.
  if (o.isDir && (q === null || q.version != 2 || ((r.conn as Conn).serverCapabilities & SMB2_GLOBAL_CAP_DIRECTORY_LEASING) == 0)) return;
  const found = q !== null ? findLease(q.guid, q.key0, q.key1) : null;
  const self = found !== null && found.node === node ? found : null;
  const ev = overwrite ? T.E_OPEN_OVERWRITE : T.E_OPEN;
  if (!o.statOpen) breakHolders(node, o, self, ev, false, isLeaseStatOpen(o.grantedAccess, overwrite));
  let others = false;
  let handleLease = false;
  let otherOplock = false;
  let breaking = false;
  const list = node.opens;
  for (let i = 0; i < list.length; i++) {
    const x = unchecked(list[i]);
    if (x === o || x.closed || (self !== null && x.lease === self)) continue;
    const L = x.lease;
    const holds = L !== null ? L.state != 0 || L.breaking : x.oplockLevel != 0 || x.oplockBreaking;
    if (!x.statOpen || holds) others = true;
    if (L !== null) {
      if ((L.state & T.SMB2_LEASE_HANDLE_CACHING) != 0) handleLease = true;
    } else {
      if (x.oplockLevel != 0) otherOplock = true;
      if (x.oplockBreaking || x.oplockLevel >= T.SMB2_OPLOCK_LEVEL_EXCLUSIVE) breaking = true;
    }
  }
  if (q === null) {
    o.oplockLevel = T.grantOplock(RequestedOplockLevel(r.body), o.statOpen, others, handleLease, breaking);
    return;
  }
  if (found !== null && self === null) return; // the key leases another file (a race): no lease
  let L = self;
  if (L === null) {
    const n = new Lease(q.guid, q.key0, q.key1, node);
    n.version = q.version;
    n.epoch = q.epoch;
    n.hasParent = q.hasParent;
    n.parent0 = q.parent0;
    n.parent1 = q.parent1;
    n.state = T.grantLease(dirMask(o, q.state), others, otherOplock || breaking);
    if (n.state != 0) n.epoch++;
    leases.set(n.mapKey, n);
    L = n;
  } else if (!L.breaking) {
    const up = T.upgradeLease(L.state, dirMask(o, q.state), others, otherOplock || breaking);
    if (up != L.state) {
      L.state = up;
      L.epoch++;
    }
  }
  L.opens.push(o);
  o.lease = L;
  o.oplockLevel = T.SMB2_OPLOCK_LEVEL_LEASE;
}

/** A directory is never granted write caching. */
@inline function dirMask(o: Open, state: u8): u8 {
  return o.isDir ? state & ~T.SMB2_LEASE_WRITE_CACHING : state;
}

/** Size of the lease response context of open o (0 when it has no lease). */
export function leaseResponseSize(o: Open): u32 {
  const L = o.lease;
  if (L === null) return 0;
  return 24 + (L.version == 2 ? LEASE_V2_SIZE : LEASE_V1_SIZE);
}

/** Writes the lease response create context (MS-SMB2 2.2.14.2.10/.11) at p; returns its size. */
export function writeLeaseResponse(p: usize, o: Open): u32 {
  const L = o.lease;
  if (L === null) return 0;
  const v2 = L.version == 2;
  const dataLen = v2 ? LEASE_V2_SIZE : LEASE_V1_SIZE;
  store<u32>(p, 0, 0); // Next
  store<u16>(p, 16, 4); // NameOffset
  store<u16>(p, 4, 6); // NameLength
  store<u16>(p, 0, 8);
  store<u16>(p, 24, 10); // DataOffset
  store<u32>(p, dataLen, 12);
  store<u32>(p, CREATE_REQUEST_LEASE, 16);
  store<u32>(p, 0, 20);
  const d = p + 24;
  store<u64>(d, L.key0, 0);
  store<u64>(d, L.key1, 8);
  store<u32>(d, <u32>L.state, 16);
  let flags: u32 = L.breaking ? SMB2_LEASE_FLAG_BREAK_IN_PROGRESS : 0;
  if (v2 && L.hasParent) flags |= SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET;
  store<u32>(d, flags, 20);
  store<u64>(d, 0, 24); // LeaseDuration
  if (v2) {
    store<u64>(d, L.hasParent ? L.parent0 : 0, 32);
    store<u64>(d, L.hasParent ? L.parent1 : 0, 40);
    store<u16>(d, L.epoch, 48);
    store<u16>(d, 0, 50);
  }
  return 24 + dataLen;
}

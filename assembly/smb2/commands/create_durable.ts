// Durable handle create contexts of CREATE (MS-SMB2 2.2.13.2.3/.4/.11/.12, 2.2.14.2.3/.12):
// which of DHnQ, DHnC, DH2Q, DH2C may go together, granting a durable handle (3.3.5.9.6,
// 3.3.5.9.10, with the v2 replay of 3.3.5.9.10), reconnecting a disconnected one (3.3.5.9.7,
// 3.3.5.9.12) and the DHnQ/DH2Q response contexts. The table of disconnected opens is fs/durable.ts.
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Session, Tree } from "../session";
import { DIALECT_300 } from "../../config";
import { Open } from "../../fs/open";
import { findCreateContext } from "../../fs/ea";
import { parseSmbPath } from "../../fs/path";
import { DEFAULT_STREAM } from "../../fs/stream_name";
import { sidToString } from "../../fs/sid";
import { ioFstat } from "../../fs/ops";
import { errnoToStatus } from "../../fs/errno";
import { detachAndDelete } from "../../fs/handles";
import * as D from "../../fs/durable";
import { guidKey } from "../../oplock/breaks";
import { SMB2_OPLOCK_LEVEL_BATCH, SMB2_OPLOCK_LEVEL_LEASE, SMB2_LEASE_HANDLE_CACHING } from "../../oplock/table";
import { writeCreateResponse } from "./create_reply";

// Context names as little-endian u32
const DHNQ: u32 = 0x516e4844; // "DHnQ" SMB2_CREATE_DURABLE_HANDLE_REQUEST
const DHNC: u32 = 0x436e4844; // "DHnC" SMB2_CREATE_DURABLE_HANDLE_RECONNECT
const DH2Q: u32 = 0x51324844; // "DH2Q" SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2
const DH2C: u32 = 0x43324844; // "DH2C" SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2
const RQLS: u32 = 0x734c7152; // "RqLs" SMB2_CREATE_REQUEST_LEASE(_V2)
const DHNQ_SIZE: u32 = 16;
const DHNC_SIZE: u32 = 16;
const DH2Q_SIZE: u32 = 32;
const DH2C_SIZE: u32 = 36;
const LEASE_KEY_SIZE: u32 = 16;
const FILE_OPENED: u32 = 1;
/** A replayed CREATE whose original is still pending (smb2.replay.dhv2-pending1*, as Samba). */
const STATUS_FILE_NOT_AVAILABLE: u32 = 0xc0000467;

/** CREATE step after the stat of a reconnected or replayed open (create.ts dispatches it here). */
export const STEP_DURABLE_REPLY: i32 = 30;

@inline function RequestedOplockLevel(b: usize): u8 { return load<u8>(b, 3); }
@inline function NameOffset(b: usize): u32 { return <u32>load<u16>(b, 44); }
@inline function NameLength(b: usize): u32 { return <u32>load<u16>(b, 46); }

/** (offset from the header << 32 | length) of context `tag`, -1 absent, -2 malformed chain. */
@inline function ctx(r: Request, tag: u32): i64 {
  return findCreateContext(r.hdr, r.cmdLen, r.body, tag);
}
@inline function ctxPtr(r: Request, at: i64): usize { return r.hdr + <usize>(at >>> 32); }
@inline function ctxLen(at: i64): u32 { return <u32>(at & 0xffffffff); }

/** Open.DurableOwner of opens made by session s: its user SID ("" without a token). */
function ownerOf(s: Session): string {
  const tk = s.token;
  return tk === null ? "" : sidToString(tk.user());
}

/**
 * First CREATE step: the durable contexts. Returns STATUS_SUCCESS for an ordinary CREATE (a DHnQ
 * or DH2Q is granted later by durableGrant), an error, or the status of the stat that ends a
 * reconnect or replay (r.step = STEP_DURABLE_REPLY, then durableReply).
 */
export function durableStart(r: Request): u32 {
  const c = r.conn as Conn;
  const v3 = c.dialect >= DIALECT_300 && c.dialect != 0x02ff;
  const q1 = ctx(r, DHNQ);
  const c1 = ctx(r, DHNC);
  const q2 = v3 ? ctx(r, DH2Q) : -1; // the v2 contexts exist in the 3.x dialects only
  const c2 = v3 ? ctx(r, DH2C) : -1;
  if (q1 == -1 && c1 == -1 && q2 == -1 && c2 == -1) return S.STATUS_SUCCESS;
  if (q1 == -2 || c1 == -2 || q2 == -2 || c2 == -2) return S.STATUS_INVALID_PARAMETER;
  // 3.3.5.9.10/.12: a v2 context with any other durable context is invalid; a DHnQ next to a
  // DHnC is ignored (3.3.5.9.7)
  if (c2 >= 0 && (q1 >= 0 || c1 >= 0 || q2 >= 0)) return S.STATUS_INVALID_PARAMETER;
  if (q2 >= 0 && (q1 >= 0 || c1 >= 0)) return S.STATUS_INVALID_PARAMETER;
  if ((r.tree as Tree).share.isIpc) return S.STATUS_SUCCESS; // no durable pipes: ignored
  if (c2 >= 0) return reconnect(r, c2, true);
  if (c1 >= 0) return reconnect(r, c1, false);
  if (q1 >= 0 && ctxLen(q1) != DHNQ_SIZE) return S.STATUS_INVALID_PARAMETER;
  if (q2 >= 0) {
    if (ctxLen(q2) != DH2Q_SIZE) return S.STATUS_INVALID_PARAMETER;
    return replay(r, ctxPtr(r, q2));
  }
  return S.STATUS_SUCCESS;
}

/**
 * DH2Q (3.3.5.9.10): an open of this client with the same CreateGuid that no other request used
 * yet (Open.IsReplayEligible) is the one a replayed CREATE (SMB2_FLAGS_REPLAY_OPERATION, same
 * session and tree) made: it is answered again, with its CreateAction and current lease
 * (smbtorture smb2.replay.replay-dhv2-*); a replay of an oplock open asking a lower level gets
 * that level (and no DH2Q below batch); a replay that switches between oplock and lease, or
 * names another lease key, is refused (STATUS_ACCESS_DENIED); a replay of a CREATE still pending
 * gets STATUS_FILE_NOT_AVAILABLE. Any other CREATE naming the CreateGuid of an eligible open:
 * STATUS_DUPLICATE_OBJECTID.
 */
function replay(r: Request, p: usize): u32 {
  const g0 = load<u64>(p, 16);
  const g1 = load<u64>(p, 24);
  if (g0 == 0 && g1 == 0) return S.STATUS_SUCCESS;
  const isReplay = (H.Flags(r.hdr) & H.SMB2_FLAGS_REPLAY_OPERATION) != 0;
  if (isReplay && pendingCreate(r, g0, g1)) return STATUS_FILE_NOT_AVAILABLE;
  const found = D.findByCreateGuid(guidKey(r.conn as Conn), g0, g1);
  if (found === null) return S.STATUS_SUCCESS;
  const o = found as Open;
  const d = o.durable as D.Durable;
  if (!d.replayEligible) return S.STATUS_SUCCESS; // used since: a new open (smb2.replay.replay6)
  if (!isReplay) return S.STATUS_DUPLICATE_OBJECTID;
  if (o.session !== r.session || o.tree !== r.tree || D.isDisconnected(o)) return S.STATUS_DUPLICATE_OBJECTID;
  const requested = RequestedOplockLevel(r.body);
  let level = o.oplockLevel;
  const L = o.lease;
  if (L !== null) {
    const lq = ctx(r, RQLS);
    if (lq < 0 || ctxLen(lq) < LEASE_KEY_SIZE) return S.STATUS_ACCESS_DENIED;
    const k = ctxPtr(r, lq);
    if (load<u64>(k) != L.key0 || load<u64>(k, 8) != L.key1) return S.STATUS_ACCESS_DENIED;
  } else {
    if (requested == SMB2_OPLOCK_LEVEL_LEASE) return S.STATUS_ACCESS_DENIED;
    if (requested < level) level = requested;
  }
  d.respond = d.isDurable && (L !== null || level == SMB2_OPLOCK_LEVEL_BATCH);
  r.u0 = d.createAction;
  r.u1 = level;
  return reply(r, o);
}

/** Is a CREATE of r's session with DH2Q CreateGuid (g0, g1) still pending on r's connection? */
function pendingCreate(r: Request, g0: u64, g1: u64): bool {
  const list = (r.conn as Conn).asyncOps.values();
  for (let i = 0; i < list.length; i++) {
    const p = unchecked(list[i]);
    if (p === r || p.asyncDone || p.command != H.SMB2_CREATE || p.session !== r.session) continue;
    const at = ctx(p, DH2Q);
    if (at < 0 || ctxLen(at) != DH2Q_SIZE) continue;
    const q = ctxPtr(p, at);
    if (load<u64>(q, 16) == g0 && load<u64>(q, 24) == g1) return true;
  }
  return false;
}

/**
 * DHnC (3.3.5.9.7) / DH2C (3.3.5.9.12): the disconnected open FileId.Persistent names comes back
 * to this session and tree when the request matches it; the rest of the request is ignored.
 */
function reconnect(r: Request, at: i64, v2: bool): u32 {
  if (ctxLen(at) != (v2 ? DH2C_SIZE : DHNC_SIZE)) return S.STATUS_INVALID_PARAMETER;
  const p = ctxPtr(r, at);
  const found = D.findDisconnected(load<u64>(p)); // connected opens are not found either
  if (found === null) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const o = found as Open;
  const d = o.durable as D.Durable;
  const c = r.conn as Conn;
  const s = r.session as Session;
  const t = r.tree as Tree;
  if (o.tree.share.index != t.share.index) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const lq = ctx(r, RQLS);
  if (lq == -2) return S.STATUS_INVALID_PARAMETER;
  const L = o.lease;
  if (L !== null) {
    // the lease's client, with its lease key (whatever RequestedOplockLevel and lease state say)
    if (L.guid != guidKey(c) || lq < 0) return S.STATUS_OBJECT_NAME_NOT_FOUND;
    if (ctxLen(lq) < LEASE_KEY_SIZE) return S.STATUS_INVALID_PARAMETER;
    const k = ctxPtr(r, lq);
    if (load<u64>(k) != L.key0 || load<u64>(k, 8) != L.key1) return S.STATUS_OBJECT_NAME_NOT_FOUND;
    if (!o.deleteOnClose && !sameName(r, o)) return S.STATUS_INVALID_PARAMETER; // Lease.FileName
  } else if (lq >= 0) {
    return S.STATUS_OBJECT_NAME_NOT_FOUND;
  }
  if (v2 && (load<u64>(p, 16) != d.createGuid0 || load<u64>(p, 24) != d.createGuid1)) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  const owner = ownerOf(s);
  if (owner.length == 0 || owner != d.owner) return S.STATUS_ACCESS_DENIED; // Open.DurableOwner
  if (!D.reattach(o, s, t)) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  r.u0 = FILE_OPENED;
  r.u1 = o.oplockLevel;
  return reply(r, o);
}

/** Does the CREATE name the file of open o (case-insensitively, with its stream)? */
function sameName(r: Request, o: Open): bool {
  const b = r.body;
  const parsed = parseSmbPath(r.hdr + <usize>NameOffset(b), NameLength(b), true);
  if (parsed.status != S.STATUS_SUCCESS) return false;
  const stream = parsed.stream == DEFAULT_STREAM ? "" : parsed.stream;
  return parsed.path.toUpperCase() == o.path.toUpperCase() && stream.toUpperCase() == o.stream.toUpperCase();
}

/** Answers with open o (reconnected or replayed; r.u0 = CreateAction, r.u1 = OplockLevel) after a fresh stat. */
function reply(r: Request, o: Open): u32 {
  r.open = o;
  r.o0 = o;
  r.step = STEP_DURABLE_REPLY;
  return ioFstat(r, o);
}

/** STEP_DURABLE_REPLY: the CREATE response of the reconnected or replayed open. */
export function durableReply(r: Request): u32 {
  const o = r.o0 as Open;
  if (r.ioResult < 0) {
    // the host handle is unusable: the open goes (the client is told it failed)
    r.open = null;
    detachAndDelete(o);
    return errnoToStatus(r.ioResult);
  }
  writeCreateResponse(r, o, <u32>r.u0, false, <i32>r.u1);
  return S.STATUS_SUCCESS;
}

/**
 * After the oplock or lease of new open o was granted (3.3.5.9.6, 3.3.5.9.10): a DHnQ or DH2Q
 * makes it durable when it holds a batch oplock or a lease with handle caching. Not for
 * directories or pipes; never persistent (no continuously available shares). A DH2Q open keeps
 * its CreateGuid for replay detection even when it is not durable.
 */
export function durableGrant(r: Request, o: Open): void {
  if (o.isDir || o.pipe !== null || (r.tree as Tree).share.isIpc) return;
  const c = r.conn as Conn;
  const v3 = c.dialect >= DIALECT_300 && c.dialect != 0x02ff;
  const q2 = v3 ? ctx(r, DH2Q) : -1;
  const q1 = ctx(r, DHNQ);
  if (q2 < 0 && q1 < 0) return;
  const L = o.lease;
  const handleCaching = L !== null ? (L.state & SMB2_LEASE_HANDLE_CACHING) != 0 : o.oplockLevel == SMB2_OPLOCK_LEVEL_BATCH;
  const v2 = q2 >= 0 && ctxLen(q2) == DH2Q_SIZE;
  if (!handleCaching && !v2) return;
  const d = new D.Durable();
  d.isDurable = handleCaching;
  d.respond = handleCaching;
  d.owner = ownerOf(r.session as Session);
  d.clientGuid = guidKey(c);
  d.createAction = <u32>r.u0; // create.ts: FILE_CREATED, FILE_OPENED...
  if (v2) {
    const p = ctxPtr(r, q2);
    d.v2 = true;
    d.replayEligible = true;
    d.timeoutMs = D.grantedTimeout(load<u32>(p)); // Flags PERSISTENT is not granted
    d.createGuid0 = load<u64>(p, 16);
    d.createGuid1 = load<u64>(p, 24);
  }
  o.durable = d;
  D.registerCreateGuid(o);
}

/** Size of the DHnQ/DH2Q response context of open o (0 when this CREATE sends none). */
export function durableResponseSize(o: Open): u32 {
  const d = o.durable;
  return d !== null && d.respond ? 32 : 0;
}

/**
 * Writes the DHnQ response (8 reserved bytes, 2.2.14.2.3) or the DH2Q response (Timeout, Flags,
 * 2.2.14.2.12) at p with Next = next; returns its size.
 */
export function writeDurableResponse(p: usize, o: Open, next: u32): u32 {
  const d = o.durable;
  if (d === null) return 0;
  d.respond = false;
  store<u32>(p, next, 0); // Next
  store<u16>(p, 16, 4); // NameOffset
  store<u16>(p, 4, 6); // NameLength
  store<u16>(p, 0, 8);
  store<u16>(p, 24, 10); // DataOffset
  store<u32>(p, 8, 12); // DataLength
  store<u32>(p, d.v2 ? DH2Q : DHNQ, 16);
  store<u32>(p, 0, 20);
  store<u32>(p, d.v2 ? d.timeoutMs : 0, 24); // Timeout
  store<u32>(p, 0, 28); // Flags (never SMB2_DHANDLE_FLAG_PERSISTENT)
  return 32;
}

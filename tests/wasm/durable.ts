// Test module for assembly/fs/durable.ts: preserving durable opens when their session ends, the
// timeout, purging instead of breaking, reconnecting, and that each open is released exactly once
// (its host handle closed once: OP_CLOSE records in the submission queue are counted).
export * from "./_common";
import * as D from "../../assembly/fs/durable";
import { Open, opens, newVolatileId, getFileNode } from "../../assembly/fs/open";
import { detachAndDelete, closeSessionOpens } from "../../assembly/fs/handles";
import { addLock } from "../../assembly/fs/locks";
import { sqHead, sqCount, sqConsume, OP_CLOSE, SQ_RECORD_SIZE } from "../../assembly/fs/io";
import { Conn } from "../../assembly/smb2/conn";
import { Session, Tree } from "../../assembly/smb2/session";
import { ShareCfg } from "../../assembly/config";
import { Lease, breakHolders } from "../../assembly/oplock/state";
import * as T from "../../assembly/oplock/table";

const share = new ShareCfg();
const conn = new Conn(1, "test");
/** The session opens are made on (ended by end_session), and the one they reconnect to. */
let s1 = new Session(1, conn);
let t1 = new Tree(1, share, s1, false);
const s2 = new Session(2, conn);
const t2 = new Tree(2, share, s2, false);
const list = new Array<Open>(0);

/**
 * A new open of file "f<index>" on s1 with host handle `handle`: `level` is its oplock level, or
 * 0xff for a lease in state `leaseState`; durable (with timeout ms) when durable is 1, with a
 * DH2Q record but not durable when 2; it holds
 * one byte-range lock. Returns its index.
 */
export function make_open(handle: i32, level: i32, leaseState: i32, durable: i32, timeout: i32): i32 {
  const i = list.length;
  const path = "f" + i.toString();
  const o = new Open(newVolatileId(), s1, t1, path);
  o.hostHandle = handle;
  const n = getFileNode(0, path);
  n.opens.push(o);
  o.node = n;
  opens.set(o.volatileId, o);
  s1.openCount++;
  o.oplockLevel = <u8>level;
  if (level == 0xff) {
    const L = new Lease("00", <u64>i, 0, n);
    L.state = <u8>leaseState;
    L.opens.push(o);
    o.lease = L;
  }
  if (durable != 0) {
    const d = new D.Durable();
    d.isDurable = durable == 1; // 2: a DH2Q open not granted durability (CreateGuid only)
    d.timeoutMs = <u32>timeout;
    o.durable = d;
  }
  addLock(n, o, 0, 10, true);
  list.push(o);
  return i;
}

/** Marks open i's oplock, or its lease, as breaking. */
export function set_breaking(i: i32): void {
  const o = list[i];
  const L = o.lease;
  if (L !== null) L.breaking = true;
  else o.oplockBreaking = true;
}

export function preservable(i: i32): i32 { return D.preservable(list[i]) ? 1 : 0; }
export function granted_timeout(ms: u32): u32 { return D.grantedTimeout(ms); }

/** s1 ends (lost connection, LOGOFF): its opens are preserved or closed; a fresh s1 follows. */
export function end_session(): void {
  closeSessionOpens(s1);
  s1 = new Session(1, conn);
  t1 = new Tree(1, share, s1, false);
}

export function disconnected_count(): i32 { return D.disconnectedCount(); }
export function released_total(): u32 { return D.releasedTotal(); }
export function is_disconnected(i: i32): i32 { return D.isDisconnected(list[i]) ? 1 : 0; }
export function is_closed(i: i32): i32 { return list[i].closed ? 1 : 0; }
export function deadline(i: i32): f64 { const d = list[i].durable; return d === null ? 0 : d.deadline; }
export function timers(now: f64): f64 { return D.durableTimers(now); }
export function s2_open_count(): i32 { return s2.openCount; }

/** Byte-range locks held on open i's file (0 once the file's node is gone). */
export function locks(i: i32): i32 {
  const n = list[i].node;
  return n === null ? 0 : n.locks.length;
}

/** Another client opens open i's file: the breaks an ordinary open causes (E_OPEN). */
export function other_open(i: i32): i32 {
  const n = getFileNode(0, list[i].path);
  return breakHolders(n, null, null, T.E_OPEN, false) ? 1 : 0;
}

/** A reconnect of open i to s2. */
export function reattach(i: i32): i32 { return D.reattach(list[i], s2, t2) ? 1 : 0; }

/** An explicit CLOSE (or tree disconnect) of open i. */
export function close(i: i32): void { detachAndDelete(list[i]); }

/** OP_CLOSE records for host handle h in the submission queue. */
export function closes_for(h: i32): i32 {
  const p = sqHead();
  const n = sqCount();
  let c = 0;
  for (let k: u32 = 0; k < n; k++) {
    const r = p + <usize>(k * SQ_RECORD_SIZE);
    if (load<u32>(r) == OP_CLOSE && load<u32>(r, 8) == <u32>h) c++;
  }
  return c;
}

/** Makes open i a durable v2 open of client "c" with CreateGuid (g, ~g) and indexes it. */
export function make_v2(i: i32, g: u32): void {
  const d = list[i].durable;
  if (d === null) return;
  d.v2 = true;
  d.clientGuid = "c";
  d.createGuid0 = <u64>g;
  d.createGuid1 = ~(<u64>g);
  D.registerCreateGuid(list[i]);
}

/** The index of the open CreateGuid (g, ~g) of client "c" finds, or -1. */
export function find_guid(g: u32): i32 {
  const o = D.findByCreateGuid("c", <u64>g, ~(<u64>g));
  return o === null ? -1 : list.indexOf(o);
}

export function guid_count(): i32 { return D.createGuidCount(); }

/** Drops every queued record (a fresh start between tests). */
export function drain(): void { sqConsume(sqCount()); }

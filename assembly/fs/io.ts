// Submission queue of host operations and their completions (DESIGN.md §1, abi.wit `io`).
// The core never blocks: it appends fixed-size records here, the host performs them
// asynchronously and reports each with io_done(reqId, result). Records are 64 bytes.
import { bufAlloc, bufFree } from "../util/buffers";

// Operation codes (keep in sync with assembly/abi/abi.wit and host-common/abi.ts)
export const OP_SEND: u32 = 1; // target=conn ptr,len → result 0 | -errno
export const OP_DISCONNECT: u32 = 2; // target=conn; no completion (host calls conn_closed)
export const OP_OPEN: u32 = 10; // target=share path, flags, arg=mode, ptr2=stat out → handle | -errno
export const OP_CLOSE: u32 = 11; // target=handle → 0
export const OP_READ: u32 = 12; // target=handle ptr,len offset → bytes
export const OP_WRITE: u32 = 13; // target=handle ptr,len offset → bytes
export const OP_FSTAT: u32 = 14; // target=handle ptr2=stat out → 0
export const OP_STAT: u32 = 15; // target=share path ptr2=stat out → 0
export const OP_MKDIR: u32 = 16; // target=share path arg=mode → 0
export const OP_UNLINK: u32 = 17; // target=share path → 0
export const OP_RMDIR: u32 = 18; // target=share path → 0
export const OP_RENAME: u32 = 19; // target=share path → path2, flags RENAME_NOREPLACE → 0
export const OP_TRUNCATE: u32 = 20; // target=handle offset=size → 0
export const OP_FSYNC: u32 = 21; // target=handle → 0
export const OP_READDIR: u32 = 22; // target=dir handle offset=index ptr,len=out → entries
export const OP_STATFS: u32 = 23; // target=share ptr2=statfs out → 0
export const OP_UTIMES: u32 = 24; // target=handle offset=atimeMs arg=mtimeMs (NaN = keep) → 0
export const OP_XATTR_GET: u32 = 30; // target=handle name ptr,len → value ptr2,len2 → full size | -ENODATA
export const OP_XATTR_SET: u32 = 31; // target=handle name ptr,len value ptr2,len2 flags → 0
export const OP_XATTR_LIST: u32 = 32; // target=handle → names ptr2,len2 (NUL-terminated) → full length
export const OP_XATTR_DEL: u32 = 33; // target=handle name ptr,len → 0 | -ENODATA
// Named streams (fs/stream_ops.ts): [ptr,len) = UTF-8 path ++ stream name, offset = path bytes
export const OP_STREAM_STAT: u32 = 40; // target=share ptr2=stat out → 0 | -ENOENT
export const OP_STREAM_OPEN: u32 = 41; // target=share flags arg=mode ptr2=stat out → handle
export const OP_STREAM_LIST: u32 = 42; // target=handle ptr2,len2=records out → full length
export const OP_STREAM_DEL: u32 = 43; // target=share → 0 | -ENOENT
export const OP_STREAM_RENAME: u32 = 44; // target=stream handle ptr,len=new name flags → 0
export const OP_LINK: u32 = 45; // target=share path → new path2, flags LINK_REPLACE → 0 | -EEXIST

// OP_OPEN flags
export const OPEN_READ: u32 = 1;
export const OPEN_WRITE: u32 = 2;
export const OPEN_CREATE: u32 = 4;
export const OPEN_EXCL: u32 = 8;
export const OPEN_TRUNC: u32 = 16;
export const OPEN_DIRECTORY: u32 = 32; // open a directory (for READDIR / FSTAT)

// OP_RENAME flags
export const RENAME_NOREPLACE: u32 = 1;

// OP_LINK flags
export const LINK_REPLACE: u32 = 1;

export const SQ_RECORD_SIZE: u32 = 64;

/** Receives the completion of an operation it submitted. */
export abstract class IoWaiter {
  abstract ioDone(tag: i32, result: i32): void;
}

const INITIAL_RECORDS: u32 = 1024;
const MAX_RECORDS: u32 = 1 << 20;

let ring: usize = 0; // linear array (compacted when drained)
let capacity: u32 = 0;
let head: u32 = 0; // first record not yet consumed by the host
let count: u32 = 0;

// Completion slots: reqId = (generation << 20) | slot index (slot 0 unused).
const SLOT_BITS: u32 = 20;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
let waiters = new Array<IoWaiter | null>(1);
let tags = new Array<i32>(1);
let gens = new Array<u32>(1);
let freeSlots = new Array<u32>(0);

function ensureRing(): bool {
  if (ring == 0) {
    ring = bufAlloc(<usize>(INITIAL_RECORDS * SQ_RECORD_SIZE));
    if (ring == 0) return false;
    capacity = INITIAL_RECORDS;
  }
  if (head + count < capacity) return true;
  if (head > 0) {
    // compact: move the unconsumed records to the front
    memory.copy(ring, ring + <usize>(head * SQ_RECORD_SIZE), <usize>(count * SQ_RECORD_SIZE));
    head = 0;
    if (count < capacity) return true;
  }
  if (capacity >= MAX_RECORDS) return false;
  const bigger = bufAlloc(<usize>(capacity * 2 * SQ_RECORD_SIZE));
  if (bigger == 0) return false;
  memory.copy(bigger, ring, <usize>(count * SQ_RECORD_SIZE));
  bufFree(ring, <usize>(capacity * SQ_RECORD_SIZE));
  ring = bigger;
  capacity *= 2;
  return true;
}

function allocSlot(w: IoWaiter | null, tag: i32): u32 {
  let idx: u32;
  if (freeSlots.length > 0) {
    idx = freeSlots.pop();
  } else {
    idx = <u32>waiters.length;
    if (idx > SLOT_MASK) return 0;
    waiters.push(null);
    tags.push(0);
    gens.push(0);
  }
  unchecked((waiters[idx] = w));
  unchecked((tags[idx] = tag));
  const g = (unchecked(gens[idx]) + 1) & 0xfff;
  unchecked((gens[idx] = g));
  return (g << SLOT_BITS) | idx;
}

/**
 * Appends a record. Returns the reqId (non-zero), or 0 when the queue cannot grow
 * (the caller answers STATUS_INSUFFICIENT_RESOURCES).
 */
export function submit(
  op: u32, w: IoWaiter | null, tag: i32, target: u32, flags: u32,
  ptr: usize, len: u32, ptr2: usize, len2: u32, offset: f64, arg: f64,
): u32 {
  if (!ensureRing()) return 0;
  let reqId: u32 = 0;
  if (w !== null) {
    reqId = allocSlot(w, tag);
    if (reqId == 0) return 0;
  }
  const r = ring + <usize>((head + count) * SQ_RECORD_SIZE);
  store<u32>(r, op, 0);
  store<u32>(r, reqId, 4);
  store<u32>(r, target, 8);
  store<u32>(r, flags, 12);
  store<u32>(r, <u32>ptr, 16);
  store<u32>(r, len, 20);
  store<u32>(r, <u32>ptr2, 24);
  store<u32>(r, len2, 28);
  store<f64>(r, offset, 32);
  store<f64>(r, arg, 40);
  store<u64>(r, 0, 48);
  store<u64>(r, 0, 56);
  count++;
  return w === null ? 1 : reqId;
}

/** Host: pointer to the first unconsumed record. */
export function sqHead(): usize {
  return ring + <usize>(head * SQ_RECORD_SIZE);
}

/** Host: number of unconsumed records. */
export function sqCount(): u32 {
  return count;
}

/** Host: marks n records as taken. */
export function sqConsume(n: u32): void {
  if (n > count) n = count;
  head += n;
  count -= n;
  if (count == 0) head = 0;
}

/** Host: completion of reqId. Unknown or stale ids are ignored (logged by the caller). */
export function complete(reqId: u32, result: i32): bool {
  const idx = reqId & SLOT_MASK;
  if (idx == 0 || idx >= <u32>waiters.length) return false;
  if (unchecked(gens[idx]) != reqId >> SLOT_BITS) return false;
  const w = unchecked(waiters[idx]);
  if (w === null) return false;
  const tag = unchecked(tags[idx]);
  unchecked((waiters[idx] = null));
  freeSlots.push(idx);
  w.ioDone(tag, result);
  return true;
}

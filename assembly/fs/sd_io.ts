// Stored security descriptors: reading and writing a file's NTACL xattr (ntacl.ts) through the
// host's handle-based xattr operations, as steps of the request state machines (a handler returns
// STATUS_INTERNAL_WAIT and is re-entered at SD_IO_STEP), and a per-request arena (Request.tmp)
// that holds descriptors between steps. (The cache of open files' descriptors: sd_cache.ts.)
import * as S from "../smb2/status";
import * as D from "./sd";
import { Request } from "../smb2/request";
import { Open, opens, newVolatileId } from "./open";
import { Session, Tree } from "../smb2/session";
import { detachOpen } from "./handles";
import { submit, OP_OPEN, OP_CLOSE, OPEN_READ, OPEN_DIRECTORY } from "./io";
import { ioXattrList, ioXattrGet, ioXattrSet, ioXattrDel } from "./ops";
import { STAT_EX_SIZE, msToFiletime } from "./stat";
import { NTACL_NAME, NTACL_USER_NAME, ntaclDecode, ntaclEncode, ntaclSize } from "./ntacl";
import { bufAlloc, bufFree } from "../util/buffers";
import { now_ms } from "../abi/imports";
import { logWarn } from "../util/log";

/** The step at which handlers re-enter for the I/O started here (and 1 more for writes). */
export const SD_IO_STEP: i32 = 60;
/** sdIoResume: the read or write finished (the caller's phase says what comes next). */
export const SD_IO_DONE: u32 = 0xffff_0060;

// Arena header (u32 fields) in Request.tmp
const A_MAGIC: usize = 0; // ARENA_MAGIC
const A_CMD: usize = 4; // Request.cur of the command that owns it
const A_USED: usize = 8;
export const A_PHASE: usize = 12; // the caller's continuation
const A_IO: usize = 16; // IO_* state
const A_HANDLE: usize = 20; // 1: r.o0 is a temporary open made for the read (closed after it)
const A_SLOT: usize = 24; // slot being read
const A_BUF: usize = 28; // I/O buffer offset
const A_CAP: usize = 32; // I/O buffer size
export const A_FLAGS: usize = 36;
const A_SLOTS: usize = 40; // 4 slots × (offset, length): 40..72
export const A_SECD: usize = 72; // u32 offset of the SecD context from the header, u32 length
export const A_MXAC: usize = 80; // maximal access for MxAc
const A_NAME: usize = 84; // which xattr name a write uses (0 security, 1 user)
const A_SHARE: usize = 88;
export const A_USER: usize = 96; // free for callers: 32 bytes
const AUX_STAT: usize = 128;
const HEADER: u32 = 128 + 160;
const ARENA_MAGIC: u32 = 0x52414453; // "SDAR"
const FIRST_CAP: u32 = 4096;

/** Descriptor slots. */
export const SLOT_TARGET: u32 = 0;
export const SLOT_PARENT: u32 = 1;
export const SLOT_NEW: u32 = 2;
/** Flags: slot i known (bit 2i), slot i stored (bit 2i+1); callers use bits 8 to 15. */
@inline export function knownBit(slot: u32): u32 { return 1 << (2 * slot); }
@inline export function storedBit(slot: u32): u32 { return 2 << (2 * slot); }

/** Proposed stat-ex meta flag: the host looked and the object has no NTACL xattr. */
export const META_NTACL_ABSENT: u32 = 2;

/** The stat-ex record says the object has no NTACL xattr (hosts that report it). */
export function metaSaysNone(stat: usize): bool {
  const f = load<u32>(stat, 80);
  return (f & 1) != 0 && (f & META_NTACL_ABSENT) != 0;
}

const IO_OPEN = 1;
const IO_LIST = 2;
const IO_GET = 3;
const IO_SET = 4;
const IO_DEL = 5;
/** Flag: a write of security.NTACL also removes user.NTACL (which reads would prefer). */
const F_REPLACE_USER_NAME: u32 = 1 << 16;

@inline function hget(r: Request, f: usize): u32 { return load<u32>(r.tmp + f); }
@inline function hset(r: Request, f: usize, v: u32): void { store<u32>(r.tmp + f, v); }

/** Gives the current command of r a fresh arena; false when out of memory. */
export function arenaInit(r: Request): bool {
  if (r.takeTmp(<usize>(HEADER + FIRST_CAP)) == 0) return false;
  memory.fill(r.tmp, 0, <usize>HEADER);
  hset(r, A_MAGIC, ARENA_MAGIC);
  hset(r, A_CMD, r.cur);
  hset(r, A_USED, HEADER);
  return true;
}

/** The current command of r has an arena. */
export function arenaValid(r: Request): bool {
  return r.tmp != 0 && r.tmpSize >= <usize>HEADER && hget(r, A_MAGIC) == ARENA_MAGIC && hget(r, A_CMD) == r.cur;
}

@inline export function arenaGet(r: Request, f: usize): u32 { return hget(r, f); }
@inline export function arenaSet(r: Request, f: usize, v: u32): void { hset(r, f, v); }

/** Reserves n bytes; returns their offset in the arena, or 0 when out of memory (moves r.tmp). */
export function arenaAlloc(r: Request, n: u32): u32 {
  const used = hget(r, A_USED);
  const need = <usize>used + <usize>n;
  if (need > r.tmpSize) {
    let size = r.tmpSize * 2;
    if (size < need) size = need;
    const p = bufAlloc(size);
    if (p == 0) return 0;
    memory.copy(p, r.tmp, <usize>used);
    bufFree(r.tmp, r.tmpSize);
    r.tmp = p;
    r.tmpSize = size;
  }
  hset(r, A_USED, used + ((n + 7) & ~7));
  return used;
}

/** Pointer and length of a slot's descriptor (0 when none stored). */
@inline export function slotPtr(r: Request, slot: u32): usize {
  const off = hget(r, A_SLOTS + 8 * <usize>slot);
  return off == 0 ? 0 : r.tmp + <usize>off;
}
@inline export function slotLen(r: Request, slot: u32): u32 { return hget(r, A_SLOTS + 8 * <usize>slot + 4); }

/** Puts a descriptor (or none: sd 0) in a slot and marks it known. False when out of memory. */
export function slotSet(r: Request, slot: u32, sd: usize, len: u32): bool {
  let off: u32 = 0;
  if (sd != 0) {
    off = arenaAlloc(r, len);
    if (off == 0) return false;
    memory.copy(r.tmp + <usize>off, sd, <usize>len);
  }
  hset(r, A_SLOTS + 8 * <usize>slot, off);
  hset(r, A_SLOTS + 8 * <usize>slot + 4, len);
  let f = hget(r, A_FLAGS) | knownBit(slot);
  f = sd != 0 ? f | storedBit(slot) : f & ~storedBit(slot);
  hset(r, A_FLAGS, f);
  return true;
}

// ---- which xattr name a share uses ----

const userNameShares = new Map<u32, bool>();

/** The share keeps NTACLs in user.NTACL (the host may not write security.*). */
function usesUserName(share: u32): bool {
  return userNameShares.has(share);
}

// ---- reading ----

/**
 * Starts reading the stored descriptor of share:path into a slot. The path is opened on the host
 * for the purpose; the handle is wrapped in a hidden Open (no rights, in the open table so that a
 * logoff, tree disconnect or lost connection meanwhile closes it) and closed after the read.
 */
export function readPath(r: Request, share: u32, path: string, isDir: bool, slot: u32): u32 {
  const b = String.UTF8.encode(path);
  hset(r, A_SLOT, slot);
  hset(r, A_SHARE, share);
  hset(r, A_IO, IO_OPEN);
  memory.fill(r.tmp + AUX_STAT, 0, <usize>STAT_EX_SIZE);
  r.ioOpensHandle = true;
  r.step = SD_IO_STEP;
  const flags = isDir ? OPEN_DIRECTORY | OPEN_READ : OPEN_READ;
  const id = submit(OP_OPEN, r, 0, share, flags, changetype<usize>(b), <u32>b.byteLength, r.tmp + AUX_STAT, STAT_EX_SIZE, 0, 0);
  return id == 0 ? S.STATUS_INSUFFICIENT_RESOURCES : S.STATUS_INTERNAL_WAIT;
}

/** Starts reading the stored descriptor of an open's file into a slot. */
export function readOpen(r: Request, o: Open, slot: u32): u32 {
  hset(r, A_SLOT, slot);
  hset(r, A_SHARE, o.tree.share.index);
  hset(r, A_HANDLE, 0);
  r.o0 = o;
  return list(r);
}

function ioBuffer(r: Request, cap: u32): usize {
  if (hget(r, A_CAP) < cap) {
    const off = arenaAlloc(r, cap);
    if (off == 0) return 0;
    hset(r, A_BUF, off);
    hset(r, A_CAP, cap);
  }
  return r.tmp + <usize>hget(r, A_BUF);
}

function list(r: Request): u32 {
  const cap = hget(r, A_CAP) > FIRST_CAP ? hget(r, A_CAP) : FIRST_CAP;
  const buf = ioBuffer(r, cap);
  if (buf == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  hset(r, A_IO, IO_LIST);
  r.step = SD_IO_STEP;
  return ioXattrList(r, r.o0 as Open, buf, hget(r, A_CAP));
}

function get(r: Request): u32 {
  const name = hget(r, A_NAME) == 0 ? NTACL_NAME : NTACL_USER_NAME;
  const buf = ioBuffer(r, hget(r, A_CAP));
  if (buf == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  hset(r, A_IO, IO_GET);
  r.step = SD_IO_STEP;
  return ioXattrGet(r, r.o0 as Open, name, buf, hget(r, A_CAP));
}

/** Closes the temporary open of a read, if any (its host handle once no operation uses it). */
function closeTemp(r: Request): void {
  if (hget(r, A_HANDLE) != 0 && r.o0 !== null) detachOpen(r.o0 as Open);
  hset(r, A_HANDLE, 0);
}

/** Wraps the host handle h of a read in a hidden Open (see readPath). */
function tempOpen(r: Request, h: i32): void {
  const o = new Open(newVolatileId(), r.session as Session, r.tree as Tree, "");
  o.hostHandle = h;
  opens.set(o.volatileId, o);
  o.session.openCount++;
  r.o0 = o;
  hset(r, A_HANDLE, 1);
}

/** Whether a NUL-separated name list [p, p+n) holds name. */
function listHas(p: usize, n: u32, name: string): bool {
  const k = <u32>name.length;
  let i: u32 = 0;
  while (i < n) {
    let e = i;
    while (e < n && load<u8>(p + <usize>e) != 0) e++;
    if (e - i == k) {
      let same = true;
      for (let j: u32 = 0; j < k && same; j++) same = <u32>load<u8>(p + <usize>(i + j)) == <u32>name.charCodeAt(j);
      if (same) return true;
    }
    i = e + 1;
  }
  return false;
}

function finishRead(r: Request, sd: usize, len: u32): u32 {
  closeTemp(r);
  return slotSet(r, hget(r, A_SLOT), sd, len) ? SD_IO_DONE : S.STATUS_INSUFFICIENT_RESOURCES;
}

const VIEW = memory.data(20);

/** The value of the NTACL xattr was read ([buf, buf+n)): decode it into the slot. */
function decoded(r: Request, n: u32): u32 {
  const st = ntaclDecode(r.tmp + <usize>hget(r, A_BUF), n, VIEW);
  if (st != 0) {
    logWarn("Ignoring an unreadable NT ACL xattr (0x" + st.toString(16) + ")");
    return finishRead(r, 0, 0);
  }
  const need = D.sdSize(VIEW);
  const before = r.tmp;
  const off = arenaAlloc(r, need);
  if (off == 0) return fail(r, -12);
  if (r.tmp != before) ntaclDecode(r.tmp + <usize>hget(r, A_BUF), n, VIEW); // the arena moved
  const slot = hget(r, A_SLOT);
  const len = D.sdWrite(r.tmp + <usize>off, need, VIEW);
  hset(r, A_SLOTS + 8 * <usize>slot, off);
  hset(r, A_SLOTS + 8 * <usize>slot + 4, len);
  hset(r, A_FLAGS, hget(r, A_FLAGS) | knownBit(slot) | storedBit(slot));
  closeTemp(r);
  return SD_IO_DONE;
}

/**
 * Continues a read or write after its host operation completed (r.step == SD_IO_STEP).
 * Returns STATUS_INTERNAL_WAIT (more I/O), SD_IO_DONE, or an error status.
 */
export function sdIoResume(r: Request): u32 {
  if (!arenaValid(r)) return S.STATUS_INTERNAL_ERROR;
  const st = step(r);
  if (st != S.STATUS_INTERNAL_WAIT && st != SD_IO_DONE) closeTemp(r);
  return st;
}

function step(r: Request): u32 {
  const res = r.ioResult;
  switch (hget(r, A_IO)) {
    case IO_OPEN: {
      r.ioOpensHandle = false;
      if (res <= 0) {
        // a parent that is missing (or not a directory) makes the path not found
        if ((res == -2 || res == -20) && hget(r, A_SLOT) == SLOT_PARENT) return S.STATUS_OBJECT_PATH_NOT_FOUND;
        return res == 0 ? S.STATUS_INTERNAL_ERROR : errnoStatus(res);
      }
      if (metaSaysNone(r.tmp + AUX_STAT)) {
        submit(OP_CLOSE, null, 0, <u32>res, 0, 0, 0, 0, 0, 0, 0);
        return finishRead(r, 0, 0);
      }
      tempOpen(r, res);
      return list(r);
    }
    case IO_LIST: {
      if (res < 0) return res == -61 || res == -95 ? finishRead(r, 0, 0) : fail(r, res);
      if (<u32>res > hget(r, A_CAP)) {
        if (ioBuffer(r, <u32>res) == 0) return fail(r, -12);
        return list(r);
      }
      const buf = r.tmp + <usize>hget(r, A_BUF);
      const hasSec = listHas(buf, <u32>res, NTACL_NAME);
      const hasUser = listHas(buf, <u32>res, NTACL_USER_NAME);
      if (!hasSec && !hasUser) return finishRead(r, 0, 0);
      // Both: user.NTACL is what a server that may not write security.* wrote last (and this
      // one removes user.NTACL when SET_INFO writes security.NTACL).
      hset(r, A_NAME, hasUser ? 1 : 0);
      return get(r);
    }
    case IO_GET: {
      if (res == -61) return finishRead(r, 0, 0); // removed meanwhile
      if (res < 0) return fail(r, res);
      if (<u32>res > hget(r, A_CAP)) {
        if (ioBuffer(r, <u32>res) == 0) return fail(r, -12);
        return get(r); // again, with room for all of it
      }
      return decoded(r, <u32>res);
    }
    case IO_SET: {
      if (res >= 0) {
        if (hget(r, A_NAME) != 0 || (hget(r, A_FLAGS) & F_REPLACE_USER_NAME) == 0) return SD_IO_DONE;
        hset(r, A_FLAGS, hget(r, A_FLAGS) & ~F_REPLACE_USER_NAME);
        hset(r, A_IO, IO_DEL);
        r.step = SD_IO_STEP;
        return ioXattrDel(r, r.o0 as Open, NTACL_USER_NAME);
      }
      if ((res == -1 || res == -95 || res == -13) && hget(r, A_NAME) == 0) {
        // the host may not write the security namespace (not root): use user.NTACL from now on
        userNameShares.set(hget(r, A_SHARE), true);
        logWarn("Cannot write security.NTACL (errno " + (-res).toString() + "); NT ACLs of this share go to user.NTACL");
        hset(r, A_NAME, 1);
        return setXattr(r);
      }
      return errnoStatus(res);
    }
    case IO_DEL:
      return res >= 0 || res == -61 ? SD_IO_DONE : errnoStatus(res);
  }
  return S.STATUS_INTERNAL_ERROR;
}

function fail(r: Request, res: i32): u32 {
  closeTemp(r);
  return errnoStatus(res);
}

function errnoStatus(res: i32): u32 {
  if (res == -2 || res == -20) return S.STATUS_OBJECT_NAME_NOT_FOUND;
  if (res == -1 || res == -13) return S.STATUS_ACCESS_DENIED;
  if (res == -12) return S.STATUS_INSUFFICIENT_RESOURCES;
  if (res == -28) return S.STATUS_DISK_FULL;
  return S.STATUS_UNSUCCESSFUL;
}

// ---- writing ----

/**
 * Starts storing the self-relative descriptor [sd, sd+len) as the NTACL xattr of open o.
 * Completes through sdIoResume with SD_IO_DONE. replace: the file may have an older NT ACL,
 * so a user.NTACL is removed when security.NTACL is written (new files have none).
 */
export function writeOpen(r: Request, o: Open, sd: usize, len: u32, replace: bool): u32 {
  const f = hget(r, A_FLAGS) & ~F_REPLACE_USER_NAME;
  hset(r, A_FLAGS, replace ? f | F_REPLACE_USER_NAME : f);
  const size = ntaclSize(len);
  // sd may lie in the arena, which arenaAlloc can move
  const inArena = sd >= r.tmp && sd < r.tmp + r.tmpSize;
  const sdOff = sd - r.tmp;
  const off = arenaAlloc(r, size + len);
  if (off == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  const src = inArena ? r.tmp + sdOff : sd;
  const blob = r.tmp + <usize>off;
  const n = ntaclEncode(blob, src, len, msToFiletime(now_ms()), blob + <usize>size);
  hset(r, A_BUF, off);
  hset(r, A_CAP, n);
  hset(r, A_SHARE, o.tree.share.index);
  hset(r, A_NAME, usesUserName(o.tree.share.index) ? 1 : 0);
  r.o0 = o;
  return setXattr(r);
}

function setXattr(r: Request): u32 {
  hset(r, A_IO, IO_SET);
  r.step = SD_IO_STEP;
  const name = hget(r, A_NAME) == 0 ? NTACL_NAME : NTACL_USER_NAME;
  return ioXattrSet(r, r.o0 as Open, name, r.tmp + <usize>hget(r, A_BUF), hget(r, A_CAP), 0);
}

/** Submits a host close of handle h without waiting (used by callers that own a handle). */
export function closeHandle(h: i32): void {
  if (h > 0) submit(OP_CLOSE, null, 0, <u32>h, 0, 0, 0, 0, 0, 0, 0);
}

/** The aux stat record of the last temporary open (its stat-ex metadata). */
@inline export function auxStat(r: Request): usize {
  return r.tmp + AUX_STAT;
}

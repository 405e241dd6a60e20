// QUERY_INFO FileFullEaInformation (MS-SMB2 3.3.5.20.1, MS-FSA 2.1.5.11 FileFullEaInformation,
// MS-FSCC 2.4.15): the file's EAs (user.* xattrs) from the open's position, or those a
// FILE_GET_EA_INFORMATION input list names; SL_RESTART_SCAN, SL_RETURN_SINGLE_ENTRY and
// SL_INDEX_SPECIFIED; only whole entries are returned.
import * as S from "../status";
import { Request } from "../request";
import { Open } from "../../fs/open";
import { ioXattrList, ioXattrGet } from "../../fs/ops";
import { errnoToStatus, ENODATA, ENOTSUP } from "../../fs/errno";
import * as Ea from "../../fs/ea";

const SL_RESTART_SCAN: u32 = 1;
const SL_RETURN_SINGLE_ENTRY: u32 = 2;
const SL_INDEX_SPECIFIED: u32 = 4;
const STATUS_NONEXISTENT_EA_ENTRY: u32 = 0xc0000051;
const OUT_OFFSET: u16 = 64 + 8;
const LIST_CAP: u32 = 65536;
const MAX_ROOM: u32 = 1 << 20;

/** Steps of the QUERY_INFO handler used here (query_info.ts dispatches them). */
export const STEP_EA_LIST: i32 = 10;
export const STEP_EA_GET: i32 = 11;

// State in the request's scratch (bytes 1024..1088): offsets of u32 fields.
const ST: usize = 1024;
const CURSOR = 0; // next byte in the name list (enumeration) or the input list (by name)
const LIST_LEN = 4;
const ORDINAL = 8; // EAs enumerated so far (visible ones)
const START = 12; // first ordinal to return
const WRITTEN = 16; // bytes of output
const LAST = 20; // offset of the last entry written
const COUNT = 24; // entries written
const FLAGS = 28; // 1 overflow, 2 single, 4 by name
const VISIBLE = 32;
const ROOM = 36;
const POS = 40; // where the pending entry starts
const NAME_PTR = 44; // pending entry's EA name (address, u32)
const NAME_LEN = 48;
const IN_PTR = 52; // input list address
const IN_LEN = 56;

const F_OVERFLOW: u32 = 1;
const F_SINGLE: u32 = 2;
const F_BY_NAME: u32 = 4;

@inline function get(r: Request, f: usize): u32 { return load<u32>(r.scratch + ST + f); }
@inline function set(r: Request, f: usize, v: u32): void { store<u32>(r.scratch + ST + f, v); }

/** Starts the query (the caller checked the open and FILE_READ_EA). */
export function queryFullEa(r: Request, o: Open): u32 {
  const b = r.body;
  const flags = load<u32>(b, 20);
  const inOff = <u32>load<u16>(b, 8);
  const inLen = load<u32>(b, 12);
  memory.fill(r.scratch + ST, 0, 64);
  if (inLen > 0) {
    if (inOff < 64 + 40 || <u64>inOff + <u64>inLen > <u64>r.cmdLen) return S.STATUS_INVALID_PARAMETER;
    const v = Ea.validateGetEaList(r.hdr + <usize>inOff, inLen);
    if (v != S.STATUS_SUCCESS) return v;
    set(r, IN_PTR, <u32>(r.hdr + <usize>inOff));
    set(r, IN_LEN, inLen);
    set(r, FLAGS, F_BY_NAME);
  } else {
    let start: u32 = 0;
    if ((flags & SL_INDEX_SPECIFIED) != 0) {
      const idx = load<u32>(b, 16);
      start = idx > 0 ? idx - 1 : 0;
    } else if ((flags & SL_RESTART_SCAN) == 0) {
      start = Ea.eaPosition(o);
    }
    set(r, START, start);
  }
  if ((flags & SL_RETURN_SINGLE_ENTRY) != 0) set(r, FLAGS, get(r, FLAGS) | F_SINGLE);
  const want = load<u32>(b, 4);
  const room = want < MAX_ROOM ? want : MAX_ROOM;
  if (!r.reserve(8 + room + 8)) return S.STATUS_INSUFFICIENT_RESOURCES;
  set(r, ROOM, room);
  const list = r.takeTmp(<usize>LIST_CAP);
  if (list == 0) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.p0 = list;
  r.o0 = o;
  r.step = STEP_EA_LIST;
  return ioXattrList(r, o, list, LIST_CAP);
}

/** Continues after a host completion. */
export function queryFullEaResume(r: Request): u32 {
  const res = r.ioResult;
  if (r.step == STEP_EA_LIST) {
    let n: u32 = 0;
    if (res >= 0) n = <u32>res <= LIST_CAP ? <u32>res : LIST_CAP;
    else if (res != -ENOTSUP && res != -ENODATA) return errnoToStatus(res);
    set(r, LIST_LEN, n);
    set(r, VISIBLE, countVisible(r.p0, n));
    return next(r);
  }
  // STEP_EA_GET
  if (res == -ENODATA) {
    if ((get(r, FLAGS) & F_BY_NAME) != 0) return emit(r, 0);
    return next(r); // removed meanwhile
  }
  if (res < 0) return errnoToStatus(res);
  const pos = get(r, POS);
  const head = 8 + get(r, NAME_LEN) + 1;
  if (<u32>res > 65535 || <u64>pos + <u64>head + <u64>res > <u64>get(r, ROOM)) {
    if ((get(r, FLAGS) & F_BY_NAME) == 0) set(r, ORDINAL, get(r, ORDINAL) - 1); // not returned
    return overflow(r);
  }
  return emit(r, <u32>res);
}

function countVisible(list: usize, n: u32): u32 {
  let c: u32 = 0;
  let i: u32 = 0;
  while (i < n) {
    const len = nameLen(list + <usize>i, n - i);
    if (Ea.eaNameOffset(list + <usize>i, len) != 0) c++;
    i += len + 1;
  }
  return c;
}

/** Length of the NUL-terminated name at p (at most max). */
function nameLen(p: usize, max: u32): u32 {
  let k: u32 = 0;
  while (k < max && load<u8>(p + <usize>k) != 0) k++;
  return k;
}

/** Finds the visible xattr whose EA name equals [p, p+n) ignoring case; its address or 0. */
function findByName(r: Request, p: usize, n: u32): usize {
  const list = r.p0;
  const len = get(r, LIST_LEN);
  let i: u32 = 0;
  while (i < len) {
    const q = list + <usize>i;
    const k = nameLen(q, len - i);
    if (Ea.eaNameOffset(q, k) != 0 && Ea.bytesEqualCI(q + 5, k - 5, p, n)) return q;
    i += k + 1;
  }
  return 0;
}

/** Queues the read of the next EA to return, or finishes. */
function next(r: Request): u32 {
  const o = r.o0 as Open;
  const flags = get(r, FLAGS);
  if ((flags & F_SINGLE) != 0 && get(r, COUNT) > 0) return finish(r);
  if ((flags & F_BY_NAME) != 0) {
    const inPtr = <usize>get(r, IN_PTR);
    const inLen = get(r, IN_LEN);
    const cur = get(r, CURSOR);
    if (cur >= inLen) return finish(r);
    const e = inPtr + <usize>cur;
    const nxt = load<u32>(e);
    const n = <u32>load<u8>(e, 4);
    set(r, CURSOR, nxt == 0 ? inLen : cur + nxt);
    const found = findByName(r, e + 5, n);
    if (!place(r, found != 0 ? found + 5 : e + 5, n)) return overflow(r);
    if (found == 0) return emit(r, 0);
    return getValue(r, o, found, n + 5);
  }
  const list = r.p0;
  const len = get(r, LIST_LEN);
  let i = get(r, CURSOR);
  while (i < len) {
    const q = list + <usize>i;
    const k = nameLen(q, len - i);
    i += k + 1;
    set(r, CURSOR, i);
    if (Ea.eaNameOffset(q, k) == 0) continue;
    const ord = get(r, ORDINAL);
    set(r, ORDINAL, ord + 1);
    if (ord < get(r, START)) continue;
    if (!place(r, q + 5, k - 5)) {
      set(r, ORDINAL, ord); // not returned
      return overflow(r);
    }
    return getValue(r, o, q, k);
  }
  return finish(r);
}

/** Positions the next entry for an EA name; false when its header does not fit. */
function place(r: Request, name: usize, n: u32): bool {
  const count = get(r, COUNT);
  const pos = count == 0 ? 0 : (get(r, WRITTEN) + 3) & ~3;
  if (<u64>pos + 9 + <u64>n > <u64>get(r, ROOM)) return false;
  set(r, POS, pos);
  set(r, NAME_PTR, <u32>name);
  set(r, NAME_LEN, n);
  return true;
}

function getValue(r: Request, o: Open, xname: usize, xlen: u32): u32 {
  const pos = get(r, POS);
  const head = 8 + get(r, NAME_LEN) + 1;
  const dst = r.out + 8 + <usize>pos + <usize>head;
  const cap = get(r, ROOM) - pos - head;
  r.step = STEP_EA_GET;
  return ioXattrGet(r, o, String.UTF8.decodeUnsafe(xname, <usize>xlen), dst, cap);
}

/** Writes the pending entry's header and name (its value is in place already). */
function emit(r: Request, valueLen: u32): u32 {
  const base = r.out + 8;
  const pos = get(r, POS);
  const n = get(r, NAME_LEN);
  const e = base + <usize>pos;
  const count = get(r, COUNT);
  if (count > 0) {
    const last = get(r, LAST);
    store<u32>(base + <usize>last, pos - last);
    memory.fill(base + <usize>get(r, WRITTEN), 0, <usize>(pos - get(r, WRITTEN)));
  }
  store<u32>(e, 0);
  store<u8>(e, 0, 4);
  store<u8>(e, <u8>n, 5);
  store<u16>(e, <u16>valueLen, 6);
  memory.copy(e + 8, <usize>get(r, NAME_PTR), <usize>n);
  store<u8>(e + 8 + <usize>n, 0);
  set(r, LAST, pos);
  set(r, WRITTEN, pos + Ea.eaEntrySize(n, valueLen));
  set(r, COUNT, count + 1);
  return next(r);
}

function overflow(r: Request): u32 {
  set(r, FLAGS, get(r, FLAGS) | F_OVERFLOW);
  return finish(r);
}

function finish(r: Request): u32 {
  const o = r.o0 as Open;
  const flags = get(r, FLAGS);
  const count = get(r, COUNT);
  if ((flags & F_BY_NAME) == 0) Ea.setEaPosition(o, get(r, ORDINAL));
  if (count == 0) {
    if ((flags & F_OVERFLOW) != 0) return S.STATUS_BUFFER_TOO_SMALL;
    if (get(r, VISIBLE) == 0) return Ea.STATUS_NO_EAS_ON_FILE;
    if ((load<u32>(r.body, 20) & SL_INDEX_SPECIFIED) != 0) return STATUS_NONEXISTENT_EA_ENTRY;
    return Ea.STATUS_NO_MORE_EAS;
  }
  const written = get(r, WRITTEN);
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u16>(out, OUT_OFFSET, 2);
  store<u32>(out, written, 4);
  r.outLen = 8 + written;
  if ((flags & F_OVERFLOW) != 0) {
    r.bodyReady = true;
    return S.STATUS_BUFFER_OVERFLOW;
  }
  return S.STATUS_SUCCESS;
}

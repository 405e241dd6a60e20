// MS-SMB2 2.2.33/2.2.34 QUERY_DIRECTORY (3.3.5.18): enumerates a directory open with a
// wildcard pattern (MS-FSA 2.1.5.6.3), resuming where the previous call stopped.
// Entry 0 is ".", entry 1 is "..", entry k >= 2 is the host's entry k - 2.
import { nameVetoed, visibleAttributes } from "../../fs/veto";
import * as S from "../status";
import * as H from "../header";
import { Request } from "../request";
import { Conn } from "../conn";
import { Open } from "../../fs/open";
import { lookupOpen } from "../../fs/handles";
import { ioFstat, ioReaddir, statArea, READDIR_RESCAN } from "../../fs/ops";
import { errnoToStatus } from "../../fs/errno";
import { matchName, hasWildcards } from "../../fs/wildcard";
import { nameOffset, writeDirEntry, direntRecLen, direntNameLen, direntStat, direntName, direntIndex, DIRENT_HEADER } from "../../fs/dirent";
import { fileAttributes } from "../../fs/stat";
import { align8 } from "../../util/bytes";
import { chargeCovers } from "../credits";
import * as A from "../../fs/access";

const SMB2_RESTART_SCANS: u8 = 0x01;
const SMB2_RETURN_SINGLE_ENTRY: u8 = 0x02;
const SMB2_INDEX_SPECIFIED: u8 = 0x04;
const SMB2_REOPEN: u8 = 0x10;
const OUT_OFFSET: u16 = 64 + 8;
const STAGING: u32 = 64 * 1024;
/** Room for one host record of the longest name (96 + 255 UTF-16 units as UTF-8 ≤ 861). */
const STAGING_MIN: u32 = 1024;

/**
 * How many bytes of host records to ask for: about what the client's buffer can take (host
 * records and SMB entries are of similar size), so the host does not stat entries that cannot
 * be returned — a single-entry enumeration must not cost a stat of the whole directory.
 */
function stagingSize(b: usize): u32 {
  if ((Flags(b) & SMB2_RETURN_SINGLE_ENTRY) != 0) return STAGING_MIN;
  const want = OutputBufferLength(b);
  return want < STAGING_MIN ? STAGING_MIN : want > STAGING ? STAGING : want;
}
const STEP_DOTS = 1;
const STEP_ENTRIES = 2;

@inline function FileInformationClass(b: usize): u8 { return load<u8>(b, 2); }
@inline function Flags(b: usize): u8 { return load<u8>(b, 3); }
@inline function FileIndex(b: usize): u32 { return load<u32>(b, 4); }
@inline function FileNameOffset(b: usize): u32 { return <u32>load<u16>(b, 24); }
@inline function FileNameLength(b: usize): u32 { return <u32>load<u16>(b, 26); }
@inline function OutputBufferLength(b: usize): u32 { return load<u32>(b, 28); }

// Request temporaries: n0 = bytes written, u0 = offset of the last entry (for NextEntryOffset),
// u1 = entries written, p0 = staging buffer, u2 = 1 when the output is full.

export function smb2QueryDirectory(r: Request): u32 {
  const b = r.body;
  if (r.step == 0) return start(r, b);
  const o = r.o0 as Open;
  if (r.step == STEP_DOTS) {
    if (r.ioResult < 0) return done(r, o, errnoToStatus(r.ioResult));
    const st = statArea(r);
    const attrs = fileAttributes(st, "");
    if (o.dirIndex == 0) {
      if (!emit(r, o, ".", st, attrs)) return done(r, o, S.STATUS_SUCCESS);
    }
    if (o.dirIndex == 1) {
      if (!emit(r, o, "..", st, attrs)) return done(r, o, S.STATUS_SUCCESS);
    }
    return readMore(r, o);
  }
  // STEP_ENTRIES
  const res = r.ioResult;
  if (res < 0) return done(r, o, errnoToStatus(res));
  if (res == 0) {
    o.dirEnded = true;
    return done(r, o, S.STATUS_SUCCESS);
  }
  let p = r.p0;
  const end = r.p0 + <usize>stagingSize(r.body);
  for (let i = 0; i < res; i++) {
    const rec = direntRecLen(p);
    if (rec < DIRENT_HEADER || p + <usize>rec > end || DIRENT_HEADER + direntNameLen(p) > rec) {
      return done(r, o, S.STATUS_INTERNAL_ERROR);
    }
    const name = String.UTF8.decodeUnsafe(direntName(p), <usize>direntNameLen(p));
    const st = direntStat(p);
    o.dirIndex = 2 + <i32>direntIndex(p);
    if (nameVetoed(o.tree.share, name)) {
      o.dirIndex++; // vetoed names are never listed: go past it (emit advances for listed ones)
      p += <usize>rec;
      continue;
    }
    if (!emit(r, o, name, st, visibleAttributes(o.tree.share, name, fileAttributes(st, name), st))) return done(r, o, S.STATUS_SUCCESS);
    p += <usize>rec;
  }
  return readMore(r, o);
}

function start(r: Request, b: usize): u32 {
  const c = r.conn as Conn;
  const o = lookupOpen(r, b + 8);
  if (o === null) return S.STATUS_FILE_CLOSED;
  if (!o.isDir || o.hostHandle == 0) return S.STATUS_INVALID_PARAMETER;
  if (!A.granted(o, A.FILE_LIST_DIRECTORY)) return S.STATUS_ACCESS_DENIED;
  const cls = FileInformationClass(b);
  if (nameOffset(cls) == 0) return S.STATUS_INVALID_INFO_CLASS;
  const outLen = OutputBufferLength(b);
  if (outLen > c.maxTransactSize) return S.STATUS_INVALID_PARAMETER;
  if (!chargeCovers(H.CreditCharge(r.hdr), c.supportsMultiCredit, outLen)) return S.STATUS_INVALID_PARAMETER;
  if (outLen < nameOffset(cls)) return S.STATUS_INFO_LENGTH_MISMATCH;
  const flags = Flags(b);
  const nameLen = FileNameLength(b);
  let pattern = "*";
  if (nameLen > 0) {
    if ((nameLen & 1) != 0) return S.STATUS_INVALID_PARAMETER;
    pattern = String.UTF16.decodeUnsafe(r.hdr + <usize>FileNameOffset(b), <usize>nameLen);
    if (pattern.indexOf("\\") >= 0 || pattern.indexOf("/") >= 0) return S.STATUS_OBJECT_NAME_INVALID;
  }
  let rescan = false;
  if ((flags & (SMB2_RESTART_SCANS | SMB2_REOPEN)) != 0 || !o.dirStarted) {
    o.dirIndex = 0;
    o.dirEnded = false;
    o.dirStarted = true;
    o.dirPattern = pattern;
    rescan = true;
  } else if ((flags & SMB2_INDEX_SPECIFIED) != 0) {
    // resume after the entry whose FileIndex is given (positions within the current snapshot of
    // the directory; MS-SMB2 3.3.5.18 leaves it to the object store, MS-FSCC 2.4: undefined when
    // entries move): past the end is the end
    const idx = FileIndex(b);
    o.dirIndex = idx > 0x7fffffff ? 0x7fffffff : <i32>idx;
    o.dirEnded = false;
  }
  if (nameLen > 0 && rescan) o.dirPattern = pattern;
  if (o.dirEnded) return S.STATUS_NO_MORE_FILES;
  if (!r.reserve(8 + outLen)) return S.STATUS_INSUFFICIENT_RESOURCES;
  r.n0 = 0;
  r.u0 = 0;
  r.u1 = 0;
  r.u2 = 0;
  r.o0 = o;
  r.p0 = 0;
  r.s0 = rescan ? "1" : ""; // ask the host for a fresh snapshot on the first READDIR
  r.s1 = rescan ? "1" : ""; // this call started the search
  if (o.dirIndex < 2) {
    r.step = STEP_DOTS;
    return ioFstat(r, o);
  }
  return readMore(r, o);
}

/** Adds one entry if it matches and fits. Returns false when the response is complete. */
function emit(r: Request, o: Open, name: string, st: usize, attrs: u32): bool {
  const b = r.body;
  if (!matchName(o.dirPattern, name)) {
    o.dirIndex++;
    return true;
  }
  const cls = FileInformationClass(b);
  const outLen = OutputBufferLength(b);
  const start = align8(r.n0);
  const need = nameOffset(cls) + (<u32>name.length << 1);
  if (<u64>start + <u64>need > <u64>outLen) {
    r.u2 = 1;
    return false;
  }
  const base = r.out + 8;
  if (r.u1 > 0) store<u32>(base + <usize>r.u0, start - <u32>r.u0); // previous NextEntryOffset
  memory.fill(base + <usize>r.n0, 0, <usize>(start - r.n0));
  const n = writeDirEntry(cls, base + <usize>start, name, st, attrs);
  // FileIndex: the entry's position in this enumeration, from 1 (SMB2_INDEX_SPECIFIED resumes after it)
  store<u32>(base + <usize>start, <u32>o.dirIndex + 1, 4);
  r.u0 = start;
  r.n0 = start + n;
  r.u1++;
  o.dirIndex++;
  if ((Flags(b) & SMB2_RETURN_SINGLE_ENTRY) != 0) return false;
  return true;
}

function readMore(r: Request, o: Open): u32 {
  if (r.p0 == 0) {
    r.p0 = r.takeTmp(stagingSize(r.body));
    if (r.p0 == 0) return done(r, o, S.STATUS_INSUFFICIENT_RESOURCES);
  }
  // A pattern without wildcards names one file: stop after it was found.
  if (r.u1 > 0 && !hasWildcards(o.dirPattern)) return done(r, o, S.STATUS_SUCCESS);
  const flags = r.s0.length > 0 ? READDIR_RESCAN : 0;
  r.s0 = "";
  r.step = STEP_ENTRIES;
  const st = ioReaddir(r, o, <u32>(o.dirIndex - 2), r.p0, stagingSize(r.body), flags);
  if (st != S.STATUS_INTERNAL_WAIT) return done(r, o, st);
  return st;
}

function done(r: Request, o: Open, st: u32): u32 {
  r.p0 = 0; // the staging buffer is the request's tmp, freed with it
  if (st != S.STATUS_SUCCESS) return st;
  if (r.u1 == 0) {
    if (r.u2 != 0) return S.STATUS_INFO_LENGTH_MISMATCH; // not even one entry fits
    // Nothing matched: first call of a search → no such file; later calls → no more files.
    return r.s1.length > 0 ? S.STATUS_NO_SUCH_FILE : S.STATUS_NO_MORE_FILES;
  }
  const out = r.out;
  store<u16>(out, 9, 0);
  store<u16>(out, OUT_OFFSET, 2);
  store<u32>(out, r.n0, 4);
  r.outLen = 8 + r.n0;
  return S.STATUS_SUCCESS;
}

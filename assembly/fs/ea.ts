// Extended attributes as SMB EAs (MS-FSCC 2.4.15 FILE_FULL_EA_INFORMATION, 2.4.15.1
// FILE_GET_EA_INFORMATION; MS-SMB2 2.2.13.2.1 SMB2_CREATE_EA_BUFFER "ExtA"), stored the way Samba
// stores them: EA "Foo" is the xattr `user.Foo`; Samba's own user.* xattrs are never EAs.
// Every list is validated (lengths, offsets, alignment) before anything reads it.
import * as S from "../smb2/status";
import { Open, opens } from "./open";

export const STATUS_NO_MORE_EAS: u32 = 0x80000012;
export const STATUS_INVALID_EA_NAME: u32 = 0x80000013;
export const STATUS_EA_LIST_INCONSISTENT: u32 = 0x80000014;
export const STATUS_EA_TOO_LARGE: u32 = 0xc0000050;
export const STATUS_NO_EAS_ON_FILE: u32 = 0xc0000052;

export const FILE_NEED_EA: u8 = 0x80;
export const EA_PREFIX = "user.";
const PREFIX_LEN: u32 = 5;

/** A byte that may appear in an EA name (not a control character nor "*+,/:;<=>?[\]|). */
function eaNameByteOk(c: u32): bool {
  if (c < 0x20) return false;
  switch (c) {
    case 0x22: case 0x2a: case 0x2b: case 0x2c: case 0x2f: case 0x3a: case 0x3b: case 0x3c:
    case 0x3d: case 0x3e: case 0x3f: case 0x5b: case 0x5c: case 0x5d: case 0x7c:
      return false;
  }
  return true;
}

/** [p, p+n) is a valid EA name: 1..255 bytes, none of them forbidden. */
export function eaNameOk(p: usize, n: u32): bool {
  if (n == 0 || n > 255) return false;
  for (let i: u32 = 0; i < n; i++) if (!eaNameByteOk(<u32>load<u8>(p + <usize>i))) return false;
  return true;
}

@inline function lower(c: u32): u32 {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** ASCII case-insensitive equality of two byte ranges. */
export function bytesEqualCI(a: usize, an: u32, b: usize, bn: u32): bool {
  if (an != bn) return false;
  for (let i: u32 = 0; i < an; i++) {
    if (lower(<u32>load<u8>(a + <usize>i)) != lower(<u32>load<u8>(b + <usize>i))) return false;
  }
  return true;
}

/** [p, p+n) starts with the ASCII string s, ignoring case. */
function startsWithCI(p: usize, n: u32, s: string): bool {
  const k = <u32>s.length;
  if (n < k) return false;
  for (let i: u32 = 0; i < k; i++) {
    if (lower(<u32>load<u8>(p + <usize>i)) != lower(<u32>s.charCodeAt(i))) return false;
  }
  return true;
}

function equalsCI(p: usize, n: u32, s: string): bool {
  return n == <u32>s.length && startsWithCI(p, n, s);
}

/**
 * Whether the EA name [p, p+n) (without "user.") names one of Samba's own xattrs, which are
 * never shown or writable as EAs: DOSATTRIB, DosStreams, DosEAs, DosStream.*, SAMBA_*.
 */
export function isInternalEa(p: usize, n: u32): bool {
  return equalsCI(p, n, "DOSATTRIB") || equalsCI(p, n, "DosStreams") || equalsCI(p, n, "DosEAs") ||
    startsWithCI(p, n, "DosStream.") || startsWithCI(p, n, "SAMBA_");
}

/**
 * For an xattr name [p, p+n), the offset of its EA name (5, after "user."), or 0 when the xattr is
 * not an EA (other namespaces, Samba's own, names a client could not use).
 */
export function eaNameOffset(p: usize, n: u32): u32 {
  // xattr namespaces are case-sensitive: only "user." itself
  if (n <= PREFIX_LEN || load<u32>(p) != 0x72657375 || load<u8>(p, 4) != 0x2e) return 0;
  const q = p + <usize>PREFIX_LEN;
  const k = n - PREFIX_LEN;
  if (!eaNameOk(q, k) || isInternalEa(q, k)) return 0;
  return PREFIX_LEN;
}

/** Size of one FILE_FULL_EA_INFORMATION entry without padding. */
@inline export function eaEntrySize(nameLen: u32, valueLen: u32): u32 {
  return 8 + nameLen + 1 + valueLen;
}

/**
 * Validates a FILE_FULL_EA_INFORMATION list [p, p+len) (SET_INFO FileFullEaInformation, ExtA):
 * each entry lies inside the buffer, EaName is NUL-terminated and valid, Flags is 0 or
 * FILE_NEED_EA, NextEntryOffset is 0 or a multiple of 4 at least the entry's size.
 * Returns STATUS_SUCCESS, STATUS_EA_LIST_INCONSISTENT or STATUS_INVALID_EA_NAME.
 */
export function validateFullEaList(p: usize, len: u32): u32 {
  if (len < 9) return STATUS_EA_LIST_INCONSISTENT;
  let off: u32 = 0;
  while (true) {
    if (<u64>off + 8 > <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    const e = p + <usize>off;
    const next = load<u32>(e);
    const flags = load<u8>(e, 4);
    const nameLen = <u32>load<u8>(e, 5);
    const valueLen = <u32>load<u16>(e, 6);
    const size = eaEntrySize(nameLen, valueLen);
    if (<u64>off + <u64>size > <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    if ((flags & ~FILE_NEED_EA) != 0) return STATUS_EA_LIST_INCONSISTENT;
    if (load<u8>(e + 8 + <usize>nameLen) != 0) return STATUS_EA_LIST_INCONSISTENT;
    if (!eaNameOk(e + 8, nameLen)) return STATUS_INVALID_EA_NAME;
    if (next == 0) return S.STATUS_SUCCESS;
    if ((next & 3) != 0 || next < size || <u64>off + <u64>next >= <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    off += next;
  }
  return S.STATUS_SUCCESS;
}

/**
 * Validates a FILE_GET_EA_INFORMATION list [p, p+len) (QUERY_INFO input): NextEntryOffset(4),
 * EaNameLength(1), EaName + NUL; same rules as above. Returns a status.
 */
export function validateGetEaList(p: usize, len: u32): u32 {
  if (len < 6) return STATUS_EA_LIST_INCONSISTENT;
  let off: u32 = 0;
  while (true) {
    if (<u64>off + 5 > <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    const e = p + <usize>off;
    const next = load<u32>(e);
    const nameLen = <u32>load<u8>(e, 4);
    const size: u32 = 5 + nameLen + 1;
    if (<u64>off + <u64>size > <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    if (load<u8>(e + 5 + <usize>nameLen) != 0) return STATUS_EA_LIST_INCONSISTENT;
    if (!eaNameOk(e + 5, nameLen)) return STATUS_INVALID_EA_NAME;
    if (next == 0) return S.STATUS_SUCCESS;
    if ((next & 3) != 0 || next < size || <u64>off + <u64>next >= <u64>len) return STATUS_EA_LIST_INCONSISTENT;
    off += next;
  }
  return S.STATUS_SUCCESS;
}

/**
 * Finds create context `tag` (4 ASCII bytes as a little-endian u32) in a CREATE request:
 * body is the request body, hdr the SMB2 header, cmdLen the command's length. Returns
 * (dataOffsetFromHdr << 32) | dataLength, -1 when absent, -2 when the chain is malformed.
 */
export function findCreateContext(hdr: usize, cmdLen: u32, body: usize, tag: u32): i64 {
  const start = load<u32>(body, 48);
  const total = load<u32>(body, 52);
  if (total == 0) return -1;
  if (start < 64 + 56 || (start & 7) != 0 || <u64>start + <u64>total > <u64>cmdLen) return -2;
  let off = start;
  const end = start + total;
  while (true) {
    if (<u64>off + 16 > <u64>end) return -2;
    const c = hdr + <usize>off;
    const next = load<u32>(c);
    const nameOff = <u32>load<u16>(c, 4);
    const nameLen = <u32>load<u16>(c, 6);
    const dataOff = <u32>load<u16>(c, 10);
    const dataLen = load<u32>(c, 12);
    // Next is checked before anything else: a context must lie inside the chain, whichever tag
    // is looked for (its size bounds the name and data checks below)
    if (next != 0 && ((next & 7) != 0 || <u64>off + <u64>next >= <u64>end)) return -2;
    const size = next != 0 ? next : end - off;
    if (nameLen < 4 || <u64>nameOff + <u64>nameLen > <u64>size) return -2;
    if (dataLen != 0 && (dataOff < nameOff + nameLen || <u64>dataOff + <u64>dataLen > <u64>size)) return -2;
    if (nameLen == 4 && load<u32>(c + <usize>nameOff) == tag) {
      return (<i64>(off + dataOff) << 32) | <i64>dataLen;
    }
    if (next == 0) return -1;
    off += next;
  }
  return -1;
}

/**
 * Whether the whole create context chain is well formed (MS-SMB2 2.2.13.2: every Next 8-byte
 * aligned and inside the chain, every name and data area inside its context): CREATE refuses a
 * malformed chain with STATUS_INVALID_PARAMETER before looking at any context.
 */
export function createContextsValid(hdr: usize, cmdLen: u32, body: usize): bool {
  // walks the chain looking for a tag no client uses (one named 0xFFFFFFFF would end the walk)
  return findCreateContext(hdr, cmdLen, body, 0xffffffff) != -2;
}

/** "ExtA" as a little-endian u32. */
export const CREATE_EA_BUFFER: u32 = 0x41747845;

// Where each open's FileFullEaInformation enumeration stands (MS-FSA Open.NextEaEntry, 1-based
// count of EAs already returned), by volatile FileId. Closed opens are pruned as new ones come.
const nextEa = new Map<u64, u32>();

/** The open's EA enumeration position (0 = at the start). */
export function eaPosition(o: Open): u32 {
  return nextEa.has(o.volatileId) ? nextEa.get(o.volatileId) : 0;
}

/** Records the open's EA enumeration position. */
export function setEaPosition(o: Open, pos: u32): void {
  if (nextEa.size > 64 && !nextEa.has(o.volatileId)) {
    const keys = nextEa.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (!opens.has(k)) nextEa.delete(k);
    }
  }
  nextEa.set(o.volatileId, pos);
}

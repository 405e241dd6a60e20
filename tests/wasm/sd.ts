// Test exports for the security descriptor modules: assembly/fs/sid.ts, token.ts, sd.ts,
// acl_check.ts, sd_inherit.ts, sd_edit.ts and ntacl.ts. Tokens are kept in a table by handle.
export * from "./_common";
import * as W from "../../assembly/fs/sid";
import * as T from "../../assembly/fs/token";
import * as D from "../../assembly/fs/sd";
import * as C from "../../assembly/fs/acl_check";
import { createSecurityDescriptor, inheritStatus } from "../../assembly/fs/sd_inherit";
import { defaultSd, querySd, mergeSd, mergeStatus } from "../../assembly/fs/sd_edit";
import { ntaclEncode, ntaclDecode, ntaclSize, ntaclSdHash } from "../../assembly/fs/ntacl";
import { globalCfg } from "../../assembly/config";

const tokens = new Array<T.Token>(0);
const V1 = memory.data(20);
const V2 = memory.data(20);
let lastStatus: u32 = 0;

function str(p: usize, n: u32): string {
  return String.UTF8.decodeUnsafe(p, <usize>n);
}

/** Writes s as UTF-8 at out (cap bytes); returns its length. */
function put(s: string, out: usize, cap: u32): u32 {
  const b = String.UTF8.encode(s);
  const n = <u32>b.byteLength;
  if (n <= cap) memory.copy(out, changetype<usize>(b), <usize>n);
  return n;
}

export function sid_length(p: usize, avail: u32): i32 {
  return W.sidLength(p, avail);
}

export function sid_equal(a: usize, b: usize): i32 {
  return W.sidEqual(a, b) ? 1 : 0;
}

export function sid_to_string(p: usize, out: usize, cap: u32): u32 {
  return put(W.sidToString(p), out, cap);
}

export function sid_parse(s: usize, n: u32, out: usize): i32 {
  return W.sidParse(str(s, n), out);
}

export function set_netbios(s: usize, n: u32): void {
  globalCfg.netbiosName = str(s, n);
}

/** Writes the machine domain SID at out; returns its length. */
export function machine_sid(out: usize): u32 {
  const d = T.machineDomainSid();
  memory.copy(out, d, <usize>W.sidSize(d));
  return W.sidSize(d);
}

export function user_rid(s: usize, n: u32): u32 {
  return T.userRid(str(s, n));
}

function keep(t: T.Token): i32 {
  tokens.push(t);
  return tokens.length - 1;
}

export function token_new(): i32 {
  return keep(new T.Token());
}

export function token_user(s: usize, n: u32): i32 {
  return keep(T.userToken(str(s, n)));
}

export function token_guest(): i32 {
  return keep(T.guestToken());
}

export function token_anonymous(): i32 {
  return keep(T.anonymousToken());
}

export function token_add(h: i32, sid: usize): i32 {
  return tokens[h].add(sid);
}

export function token_set(h: i32, primaryGroup: i32, privileges: u32): void {
  tokens[h].primaryGroup = primaryGroup;
  tokens[h].privileges = privileges;
}

export function token_count(h: i32): i32 {
  return tokens[h].count;
}

/** Copies SID i of token h to out; returns its length. */
export function token_sid(h: i32, i: i32, out: usize): u32 {
  const s = tokens[h].sid(i);
  memory.copy(out, s, <usize>W.sidSize(s));
  return W.sidSize(s);
}

export function token_primary(h: i32): i32 {
  return tokens[h].primaryGroup;
}

/** Parses a wire descriptor; the view (5 u32: control, owner, group, sacl, dacl) is copied to viewOut. */
export function sd_parse(p: usize, len: u32, viewOut: usize): u32 {
  const st = D.sdParse(p, len, V1);
  memory.copy(viewOut, V1, 20);
  return st;
}

export function acl_validate(p: usize, avail: u32): u32 {
  return D.aclValidate(p, avail);
}

/** Parses a wire descriptor and writes it back in the server's layout; 0 when invalid. */
export function sd_rewrite(p: usize, len: u32, out: usize, cap: u32): u32 {
  if (D.sdParse(p, len, V1) != 0) return 0;
  return D.sdWrite(out, cap, V1);
}

export function map_generic(m: u32): u32 {
  return C.mapGeneric(m);
}

export function max_access(sd: usize, len: u32, h: i32): i32 {
  if (D.sdParse(sd, len, V1) != 0) return -1;
  return <i32>C.maximalAccess(V1, tokens[h]);
}

export function access_check(sd: usize, len: u32, h: i32, desired: u32): u32 {
  if (D.sdParse(sd, len, V1) != 0) return 0xffffffff;
  return C.accessCheck(V1, tokens[h], desired);
}

export function file_open_access(maxFile: u32, maxParent: u32, h: i32, desired: u32): u32 {
  return C.fileOpenAccess(maxFile, maxParent, tokens[h], desired);
}

export function last_granted(): u32 {
  return C.lastGranted;
}

export function last_maximal(): u32 {
  return C.lastMaximal;
}

export function needs_parent(maxFile: u32, desired: u32): i32 {
  return C.needsParentForDelete(maxFile, desired) ? 1 : 0;
}

export function last_status(): u32 {
  return lastStatus;
}

function emit(sd: StaticArray<u8> | null, st: u32, out: usize, cap: u32): u32 {
  lastStatus = st;
  if (sd === null) return 0;
  const n = <u32>sd.length;
  if (n <= cap) memory.copy(out, changetype<usize>(sd), <usize>n);
  return n;
}

/** CreateSecurityDescriptor from wire descriptors (len 0 = none); last_status() on failure. */
export function create_sd(parent: usize, plen: u32, creator: usize, clen: u32, h: i32, isDir: i32, out: usize, cap: u32): u32 {
  let pv: usize = 0;
  let cv: usize = 0;
  if (plen != 0) {
    if (D.sdParse(parent, plen, V1) != 0) return 0;
    pv = V1;
  }
  if (clen != 0) {
    const st = D.sdParse(creator, clen, V2);
    if (st != 0) {
      lastStatus = st;
      return 0;
    }
    cv = V2;
  }
  const sd = createSecurityDescriptor(pv, cv, tokens[h], isDir != 0);
  return emit(sd, inheritStatus, out, cap);
}

export function default_sd(h: i32, isDir: i32, out: usize, cap: u32): u32 {
  return emit(defaultSd(tokens[h], isDir != 0), 0, out, cap);
}

export function query_sd(sd: usize, len: u32, info: u32, out: usize, cap: u32): u32 {
  if (D.sdParse(sd, len, V1) != 0) return 0;
  return querySd(V1, info, out, cap);
}

export function merge_sd(cur: usize, clen: u32, nw: usize, nlen: u32, info: u32, h: i32, out: usize, cap: u32): u32 {
  if (D.sdParse(cur, clen, V1) != 0) return 0;
  const st = D.sdParse(nw, nlen, V2);
  if (st != 0) {
    lastStatus = st;
    return 0;
  }
  return emit(mergeSd(V1, V2, info, tokens[h]), mergeStatus, out, cap);
}

export function ntacl_size(sdLen: u32): u32 {
  return ntaclSize(sdLen);
}

export function ntacl_encode(out: usize, sd: usize, sdLen: u32, timeLo: u32, timeHi: u32, scratch: usize): u32 {
  return ntaclEncode(out, sd, sdLen, (<u64>timeHi << 32) | <u64>timeLo, scratch);
}

export function ntacl_hash(sd: usize, sdLen: u32, scratch: usize, out: usize): void {
  ntaclSdHash(sd, sdLen, scratch, out);
}

/** Decodes an NTACL blob and writes its descriptor in the server's layout; 0 on error (last_status). */
export function ntacl_decode(p: usize, len: u32, out: usize, cap: u32): u32 {
  lastStatus = ntaclDecode(p, len, V1);
  if (lastStatus != 0) return 0;
  return D.sdWrite(out, cap, V1);
}

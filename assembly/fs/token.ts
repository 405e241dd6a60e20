// Session access tokens (MS-DTYP 2.5.2 Token/Authorization Context): the user SID, group SIDs,
// primary group and privileges each session is checked with. Authenticated users are
// S-1-5-21-<machine domain>-<RID> with Domain Users, Everyone, Authenticated Users, NETWORK and
// BUILTIN\Users; guests -501 with Domain Guests, Everyone, NETWORK and BUILTIN\Guests; anonymous
// logons S-1-5-7 with Everyone and NETWORK. No account holds a privilege.
import * as W from "./sid";
import { sha256 } from "../crypto/sha256";
import { globalCfg } from "../config";

/** Privilege bits (MS-LSAD 3.1.1.2.1 names). */
export const PRIV_SECURITY: u32 = 1; // SeSecurityPrivilege: ACCESS_SYSTEM_SECURITY, SACLs
export const PRIV_BACKUP: u32 = 2; // SeBackupPrivilege (with FILE_OPEN_FOR_BACKUP_INTENT)
export const PRIV_RESTORE: u32 = 4; // SeRestorePrivilege (with backup intent; any owner SID)
export const PRIV_TAKE_OWNERSHIP: u32 = 8; // SeTakeOwnershipPrivilege: WRITE_OWNER

const MAX_SIDS: i32 = 8;

/** A token: SIDs in one buffer (index 0 is the user), the primary group's index, privileges. */
export class Token {
  buf: StaticArray<u8> = new StaticArray<u8>(MAX_SIDS * <i32>W.SID_MAX_SIZE);
  offs: StaticArray<u32> = new StaticArray<u32>(MAX_SIDS);
  count: i32 = 0;
  used: u32 = 0;
  primaryGroup: i32 = 0;
  privileges: u32 = 0;

  /** Adds a validated SID; returns its index, or -1 when the token is full. */
  add(sid: usize): i32 {
    const n = W.sidSize(sid);
    if (this.count >= MAX_SIDS || this.used + n > <u32>this.buf.length) return -1;
    const i = this.count;
    memory.copy(changetype<usize>(this.buf) + <usize>this.used, sid, <usize>n);
    unchecked((this.offs[i] = this.used));
    this.used += n;
    this.count++;
    return i;
  }

  /** SID i (i < count). */
  @inline sid(i: i32): usize {
    return changetype<usize>(this.buf) + <usize>unchecked(this.offs[i]);
  }

  /** The user SID (the owner of what the session creates). */
  @inline user(): usize {
    return this.sid(0);
  }

  /** The primary group (the group of what the session creates). */
  @inline group(): usize {
    return this.sid(this.primaryGroup);
  }

  /** The token holds this (validated) SID as its user or one of its groups. */
  has(sid: usize): bool {
    for (let i = 0; i < this.count; i++) if (W.sidEqual(this.sid(i), sid)) return true;
    return false;
  }

  @inline hasPrivilege(p: u32): bool {
    return (this.privileges & p) != 0;
  }
}

const domainSid = memory.data(W.SID_MAX_SIZE);
let domainName = "";
const scratch = memory.data(W.SID_MAX_SIZE + 32);

/**
 * The machine domain SID S-1-5-21-a-b-c: a, b, c are the first 12 bytes of SHA-256 of the
 * upper-cased NetBIOS name, so it is stable across restarts for as long as the name is.
 */
export function machineDomainSid(): usize {
  const name = globalCfg.netbiosName.toUpperCase();
  if (name != domainName || load<u8>(domainSid) == 0) {
    const b = String.UTF8.encode("wasm-smb-server machine SID\0" + name);
    const h = scratch + W.SID_MAX_SIZE;
    sha256(changetype<usize>(b), b.byteLength, h);
    const subs = new StaticArray<u32>(4);
    unchecked((subs[0] = 21));
    for (let i = 0; i < 3; i++) unchecked((subs[i + 1] = load<u32>(h + 4 * <usize>i)));
    W.sidWrite(domainSid, 5, subs);
    domainName = name;
  }
  return domainSid;
}

/**
 * The RID of a user name: 1000 plus a 30-bit digest of the upper-cased name (stable, and
 * distinct from the well-known RIDs below 1000).
 */
export function userRid(name: string): u32 {
  const b = String.UTF16.encode(name.toUpperCase());
  const h = scratch + W.SID_MAX_SIZE;
  sha256(changetype<usize>(b), b.byteLength, h);
  return 1000 + (load<u32>(h) & 0x3fffffff);
}

/** Writes S-1-5-21-<domain>-rid at out (SID_MAX_SIZE bytes). */
export function domainSidWithRid(out: usize, rid: u32): usize {
  const d = machineDomainSid();
  const n = W.sidSize(d);
  memory.copy(out, d, <usize>n);
  store<u8>(out, load<u8>(d, 1) + 1, 1);
  store<u32>(out + <usize>n, rid);
  return out;
}

function addDomain(t: Token, rid: u32): i32 {
  return t.add(domainSidWithRid(scratch, rid));
}

/** The token of an authenticated user. */
export function userToken(name: string): Token {
  const t = new Token();
  addDomain(t, userRid(name));
  t.primaryGroup = addDomain(t, W.DOMAIN_GROUP_RID_USERS);
  t.add(W.SID_WORLD);
  t.add(W.SID_AUTHENTICATED_USERS);
  t.add(W.SID_NETWORK);
  t.add(W.SID_BUILTIN_USERS);
  return t;
}

/** The token of a guest logon. */
export function guestToken(): Token {
  const t = new Token();
  addDomain(t, W.DOMAIN_USER_RID_GUEST);
  t.primaryGroup = addDomain(t, W.DOMAIN_GROUP_RID_GUESTS);
  t.add(W.SID_WORLD);
  t.add(W.SID_NETWORK);
  t.add(W.SID_BUILTIN_GUESTS);
  return t;
}

/** The token of an anonymous (null session) logon; its primary group is itself. */
export function anonymousToken(): Token {
  const t = new Token();
  t.add(W.SID_ANONYMOUS);
  t.primaryGroup = 0;
  t.add(W.SID_WORLD);
  t.add(W.SID_NETWORK);
  return t;
}

/** The token for a session identity (see session_setup.ts takeIdentity). */
export function tokenFor(isAnonymous: bool, isGuest: bool, userName: string): Token {
  if (isAnonymous) return anonymousToken();
  if (isGuest) return guestToken();
  return userToken(userName);
}

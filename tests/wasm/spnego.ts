// Test exports for assembly/auth/spnego.ts (numbers and pointers only).
export * from "./_common";
export { user_add } from "./_users";
import { testUsers } from "./_users";
import { NtlmServerConfig } from "../../assembly/auth/ntlmssp";
import {
  NegTokenInit, NegTokenResp, SessionAuth, buildNegTokenResp, parseNegTokenInit, parseNegTokenResp,
  spnegoNegTokenInit2,
} from "../../assembly/auth/spnego";

let out = new Uint8Array(0);

export function out_len(): i32 {
  return out.length;
}

export function neg_token_init2(): usize {
  out = spnegoNegTokenInit2();
  return out.dataStart;
}

// Parsed fields as offsets from the token start (-1 when absent): written as 8 i32 at `o`.
/** Parses a negTokenInit; returns 1/0 and writes mechTypes off/len, mechToken off/len, mic off/len, firstIsNtlm, hasNtlm. */
export function parse_init(p: usize, len: i32, o: usize): i32 {
  const t = new NegTokenInit();
  if (!parseNegTokenInit(p, len, t)) return 0;
  store<i32>(o, <i32>(t.mechTypes - p));
  store<i32>(o + 4, t.mechTypesLen);
  store<i32>(o + 8, t.mechTokenLen >= 0 ? <i32>(t.mechToken - p) : -1);
  store<i32>(o + 12, t.mechTokenLen);
  store<i32>(o + 16, t.mechListMicLen >= 0 ? <i32>(t.mechListMic - p) : -1);
  store<i32>(o + 20, t.mechListMicLen);
  store<i32>(o + 24, t.firstIsNtlm ? 1 : 0);
  store<i32>(o + 28, t.hasNtlm ? 1 : 0);
  return 1;
}

/** Parses a negTokenResp; returns 1/0 and writes negState, supportedMechIsNtlm, token off/len, mic off/len. */
export function parse_resp(p: usize, len: i32, o: usize): i32 {
  const t = new NegTokenResp();
  if (!parseNegTokenResp(p, len, t)) return 0;
  store<i32>(o, t.negState);
  store<i32>(o + 4, t.supportedMechIsNtlm ? 1 : 0);
  store<i32>(o + 8, t.responseTokenLen >= 0 ? <i32>(t.responseToken - p) : -1);
  store<i32>(o + 12, t.responseTokenLen);
  store<i32>(o + 16, t.mechListMicLen >= 0 ? <i32>(t.mechListMic - p) : -1);
  store<i32>(o + 20, t.mechListMicLen);
  return 1;
}

function bytes(p: usize, len: i32): Uint8Array | null {
  if (len < 0) return null;
  const b = new Uint8Array(len);
  memory.copy(b.dataStart, p, <usize>len);
  return b;
}

export function build_resp(state: i32, mech: i32, tok: usize, tokLen: i32, mic: usize, micLen: i32): usize {
  out = buildNegTokenResp(state, mech != 0, bytes(tok, tokLen), bytes(mic, micLen));
  return out.dataStart;
}

const auths: SessionAuth[] = [];

/** A new per-session authenticator; returns its id. */
export function auth_new(mapToGuest: i32): i32 {
  const c = new NtlmServerConfig();
  c.nbComputerName = "WASMSMB";
  c.nbDomainName = "WORKGROUP";
  c.users = testUsers;
  c.mapToGuest = mapToGuest != 0;
  auths.push(new SessionAuth(c));
  return auths.length - 1;
}

export function auth_step(id: i32, p: usize, len: i32): u32 {
  return auths[id].step(p, len);
}

export function auth_out(id: i32): usize {
  return auths[id].outPtr;
}

export function auth_out_len(id: i32): i32 {
  return auths[id].outLen;
}

export function auth_key(id: i32): usize {
  return auths[id].sessionKeyPtr;
}

/** Bit 0 guest, bit 1 anonymous, bit 2 raw NTLMSSP, bit 3 mechListMIC required. */
export function auth_flags(id: i32): i32 {
  const a = auths[id];
  return (a.isGuest ? 1 : 0) | (a.isAnonymous ? 2 : 0) | (a.raw ? 4 : 0) | (a.micRequired ? 8 : 0);
}

/** Copies the user name (UTF-16LE) into o; returns its byte length. */
export function auth_user(id: i32, o: usize): i32 {
  const s = auths[id].userName;
  memory.copy(o, changetype<usize>(s), <usize>s.length << 1);
  return s.length << 1;
}

export function auth_domain(id: i32, o: usize): i32 {
  const s = auths[id].domainName;
  memory.copy(o, changetype<usize>(s), <usize>s.length << 1);
  return s.length << 1;
}

export function auth_dispose(id: i32): void {
  auths[id].dispose();
}

/** Address of the NTLM session key storage (to check it is wiped after dispose). */
export function auth_key_storage(id: i32): usize {
  return changetype<usize>(auths[id].ntlm.sessionKey);
}

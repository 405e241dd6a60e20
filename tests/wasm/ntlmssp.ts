// Test exports for assembly/auth/ntlmssp.ts (numbers and pointers only).
export * from "./_common";
export { user_add } from "./_users";
import { testUsers } from "./_users";
import {
  NtlmServer, NtlmServerConfig, ntlmMac, ntlmSealKey, ntlmSignKey, ntProofStr, ntowfv2,
} from "../../assembly/auth/ntlmssp";
import { rc4Crypt, rc4Init, RC4_CTX_SIZE } from "../../assembly/crypto/rc4";

const RC = memory.data(RC4_CTX_SIZE, 8);

function str(p: usize, len: i32): string {
  return String.UTF16.decodeUnsafe(p, <usize>len);
}

/** NTOWFv2 with user and domain given as UTF-16LE bytes. */
export function ntowf_v2(ntHash: usize, user: usize, userLen: i32, dom: usize, domLen: i32, out: usize): void {
  ntowfv2(ntHash, str(user, userLen), str(dom, domLen), out);
}

export function nt_proof_str(owf: usize, challenge: usize, temp: usize, tempLen: i32, out: usize): void {
  ntProofStr(owf, challenge, temp, tempLen, out);
}

export function sign_key(key: usize, c2s: i32, out: usize): void {
  ntlmSignKey(key, c2s != 0, out);
}

export function seal_key(key: usize, flags: u32, c2s: i32, out: usize): void {
  ntlmSealKey(key, flags, c2s != 0, out);
}

/** GSS_WrapEx (3.4.3): RC4-seals msg into sealed, then writes the signature (same RC4 handle). */
export function wrap(signKey: usize, sealKey: usize, seq: u32, msg: usize, len: i32, sealed: usize, sig: usize): void {
  rc4Init(RC, sealKey, 16);
  rc4Crypt(RC, msg, sealed, len);
  ntlmMac(signKey, RC, seq, msg, len, sig);
}

/** GSS_GetMICEx: signature only; sealKey 0 means no key exchange (checksum not RC4-encrypted). */
export function mac(signKey: usize, sealKey: usize, seq: u32, msg: usize, len: i32, sig: usize): void {
  if (sealKey != 0) rc4Init(RC, sealKey, 16);
  ntlmMac(signKey, sealKey != 0 ? RC : 0, seq, msg, len, sig);
}

const servers: NtlmServer[] = [];
let out = new Uint8Array(0);

/** A new NTLM server (Server/Domain names of MS-NLMP 4.2.1); returns its id. */
export function srv_new(mapToGuest: i32): i32 {
  const c = new NtlmServerConfig();
  c.nbComputerName = "Server";
  c.nbDomainName = "Domain";
  c.dnsComputerName = "server.domain.test";
  c.dnsDomainName = "domain.test";
  c.users = testUsers;
  c.mapToGuest = mapToGuest != 0;
  servers.push(new NtlmServer(c));
  return servers.length - 1;
}

/** Leg 1: returns the CHALLENGE address (length: out_len) or 0 when refused. */
export function srv_negotiate(id: i32, p: usize, len: i32): usize {
  const ch = servers[id].acceptNegotiate(p, len);
  if (ch === null) return 0;
  out = ch;
  return out.dataStart;
}

export function out_len(): i32 {
  return out.length;
}

/** Known-answer setup: use these NEGOTIATE and CHALLENGE messages as if exchanged. */
export function srv_set_messages(id: i32, neg: usize, negLen: i32, chal: usize, chalLen: i32): void {
  const n = new Uint8Array(negLen);
  memory.copy(n.dataStart, neg, <usize>negLen);
  const c = new Uint8Array(chalLen);
  memory.copy(c.dataStart, chal, <usize>chalLen);
  servers[id].negotiateMsg = n;
  servers[id].challengeMsg = c;
}

export function srv_authenticate(id: i32, p: usize, len: i32): i32 {
  return servers[id].acceptAuthenticate(p, len);
}

export function srv_key(id: i32): usize {
  return servers[id].sessionKeyPtr;
}

export function srv_mic_present(id: i32): i32 {
  return servers[id].micPresent ? 1 : 0;
}

export function srv_flags(id: i32): u32 {
  return servers[id].negotiateFlags;
}

/** Copies the user name (UTF-16LE) into out; returns its byte length. */
export function srv_user(id: i32, o: usize): i32 {
  const s = servers[id].userName;
  memory.copy(o, changetype<usize>(s), <usize>s.length << 1);
  return s.length << 1;
}

export function srv_domain(id: i32, o: usize): i32 {
  const s = servers[id].domainName;
  memory.copy(o, changetype<usize>(s), <usize>s.length << 1);
  return s.length << 1;
}

export function srv_verify_mech_mic(id: i32, data: usize, len: i32, mic: usize, micLen: i32): i32 {
  return servers[id].verifyMechListMic(data, len, mic, micLen) ? 1 : 0;
}

/** The server's mechListMIC into out (16 bytes); returns its length (0 without a key). */
export function srv_make_mech_mic(id: i32, data: usize, len: i32, o: usize): i32 {
  const m = servers[id].makeMechListMic(data, len);
  memory.copy(o, m.dataStart, <usize>m.length);
  return m.length;
}

export function srv_dispose(id: i32): void {
  servers[id].dispose();
}

/** Address of the session key storage even after dispose (to check it was wiped). */
export function srv_key_storage(id: i32): usize {
  return changetype<usize>(servers[id].sessionKey);
}

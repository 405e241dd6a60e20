// Host crypto acceleration (DESIGN.md §4): when the host implements a primitive natively and
// the message is large enough to repay the call, use it; otherwise (and as the reference) the
// AssemblyScript code. Callers get identical results either way (tests cross-check both).
import { crypto_caps, host_hmac_sha256, host_aes_gcm_seal, host_aes_gcm_open, host_aes_ccm_seal, host_aes_ccm_open } from "../abi/imports";
import { hmacSha256 } from "./hmac";
import { gmac, gcmSeal, gcmOpen } from "./gcm";
import { ccmSeal, ccmOpen } from "./ccm";

export const CAP_HMAC_SHA256: u32 = 1;
export const CAP_AES_GCM: u32 = 2;
export const CAP_AES_CCM: u32 = 4;

/** Below these sizes the Wasm implementation is faster than a call into the host. */
export const HMAC_THRESHOLD: i32 = 4096;
export const GMAC_THRESHOLD: i32 = 32768;
/** SMB3 encryption: messages of at least this many bytes go to the host's AES-GCM / AES-CCM. */
export const AEAD_THRESHOLD: i32 = 2048;
/** The AES-CCM nonce length SMB3 uses (MS-SMB2 2.2.41). */
export const CCM_NONCE_SIZE: i32 = 11;

let caps: u32 = 0xffffffff; // unknown until first asked
/** Tests turn host acceleration off to cross-check it against the reference code. */
let useHost: bool = true;

/** Enables or disables host acceleration (tests compare both paths). */
export function setHostAcceleration(on: bool): void {
  useHost = on;
}

function hostCaps(): u32 {
  if (!useHost) return 0;
  if (caps == 0xffffffff) caps = crypto_caps();
  return caps;
}

/** HMAC-SHA256(key, data) → out (32 bytes). */
export function hmacSha256Fast(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  if (len >= HMAC_THRESHOLD && (hostCaps() & CAP_HMAC_SHA256) != 0) {
    host_hmac_sha256(key, keyLen, data, len, out);
    return;
  }
  hmacSha256(key, keyLen, data, len, out);
}

/**
 * AES-GMAC tag (16 bytes) of aad under key (16 or 32 bytes), nonce 12 bytes. gcmCtx is the
 * AssemblyScript context already initialised with the same key (used below the threshold).
 */
export function gmacFast(gcmCtx: usize, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, tag: usize): void {
  if (aadLen >= GMAC_THRESHOLD && (hostCaps() & CAP_AES_GCM) != 0) {
    if (host_aes_gcm_seal(key, keyLen, nonce, aad, aadLen, 0, 0, 0, tag) == 0) return;
  }
  gmac(gcmCtx, nonce, aad, aadLen, tag);
}

/**
 * AES-GCM seal (12-byte nonce, 16-byte tag) of len bytes src → dst (src == dst allowed).
 * gcmCtx is the AssemblyScript context initialised with the same key.
 */
export function gcmSealFast(gcmCtx: usize, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): void {
  if (len >= AEAD_THRESHOLD && (hostCaps() & CAP_AES_GCM) != 0) {
    if (host_aes_gcm_seal(key, keyLen, nonce, aad, aadLen, src, dst, len, tag) == 0) return;
  }
  gcmSeal(gcmCtx, nonce, aad, aadLen, src, dst, len, tag);
}

/** AES-GCM open; true when the tag is authentic (dst holds the plaintext, else it is garbage). */
export function gcmOpenFast(gcmCtx: usize, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): bool {
  if (len >= AEAD_THRESHOLD && (hostCaps() & CAP_AES_GCM) != 0) {
    const rc = host_aes_gcm_open(key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
    if (rc == 0) return true;
    if (rc == 1) return false;
  }
  return gcmOpen(gcmCtx, nonce, aad, aadLen, src, dst, len, tag);
}

/** AES-CCM seal with the SMB3 parameters (11-byte nonce, 16-byte tag); ccmCtx holds the key schedule. */
export function ccmSealFast(ccmCtx: usize, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): bool {
  if (len >= AEAD_THRESHOLD && (hostCaps() & CAP_AES_CCM) != 0) {
    if (host_aes_ccm_seal(key, keyLen, nonce, aad, aadLen, src, dst, len, tag) == 0) return true;
  }
  return ccmSeal(ccmCtx, nonce, CCM_NONCE_SIZE, aad, aadLen, src, dst, len, tag, 16);
}

/** AES-CCM open with the SMB3 parameters; true when the tag is authentic. */
export function ccmOpenFast(ccmCtx: usize, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): bool {
  if (len >= AEAD_THRESHOLD && (hostCaps() & CAP_AES_CCM) != 0) {
    const rc = host_aes_ccm_open(key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
    if (rc == 0) return true;
    if (rc == 1) return false;
  }
  return ccmOpen(ccmCtx, nonce, CCM_NONCE_SIZE, aad, aadLen, src, dst, len, tag, 16);
}

// Host crypto acceleration (DESIGN.md §4): when the host implements a primitive natively and
// the message is large enough to repay the call, use it; otherwise (and as the reference) the
// AssemblyScript code. Callers get identical results either way (tests cross-check both).
import { crypto_caps, host_hmac_sha256, host_aes_gcm_seal } from "../abi/imports";
import { hmacSha256 } from "./hmac";
import { gmac } from "./gcm";

export const CAP_HMAC_SHA256: u32 = 1;
export const CAP_AES_GCM: u32 = 2;

/** Below these sizes the Wasm implementation is faster than a call into the host. */
export const HMAC_THRESHOLD: i32 = 4096;
export const GMAC_THRESHOLD: i32 = 32768;

let caps: u32 = 0xffffffff; // unknown until first asked

function hostCaps(): u32 {
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

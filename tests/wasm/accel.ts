// Test exports for assembly/crypto/accel.ts: host-accelerated and reference paths side by side.
export * from "./_common";
import { hmacSha256Fast, gmacFast, gcmSealFast, gcmOpenFast, ccmSealFast, ccmOpenFast, setHostAcceleration } from "../../assembly/crypto/accel";
import { ccmInit } from "../../assembly/crypto/ccm";
import { hmacSha256 } from "../../assembly/crypto/hmac";
import { gcmInit, gmac, GCM_CTX_SIZE } from "../../assembly/crypto/gcm";

const ctx = memory.data(GCM_CTX_SIZE);

export function hmac_fast(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  hmacSha256Fast(key, keyLen, data, len, out);
}
export function hmac_ref(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  hmacSha256(key, keyLen, data, len, out);
}
export function gmac_fast(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, tag: usize): void {
  gcmInit(ctx, key, keyLen);
  gmacFast(ctx, key, keyLen, nonce, aad, aadLen, tag);
}
export function gmac_ref(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, tag: usize): void {
  gcmInit(ctx, key, keyLen);
  gmac(ctx, nonce, aad, aadLen, tag);
}

// SMB3 encryption (AES-GCM / AES-CCM seal and open), accelerated and reference.

/** ccm != 0: AES-CCM (11-byte nonce), else AES-GCM; host = 0 forces the reference code. */
export function aead_seal(ccm: i32, host: i32, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32 {
  setHostAcceleration(host != 0);
  let ok = true;
  if (ccm != 0) {
    ccmInit(ctx, key, keyLen);
    ok = ccmSealFast(ctx, key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
  } else {
    gcmInit(ctx, key, keyLen);
    gcmSealFast(ctx, key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
  }
  setHostAcceleration(true);
  return ok ? 1 : 0;
}

/** Returns 1 when the tag is authentic. */
export function aead_open(ccm: i32, host: i32, key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32 {
  setHostAcceleration(host != 0);
  let ok: bool;
  if (ccm != 0) {
    ccmInit(ctx, key, keyLen);
    ok = ccmOpenFast(ctx, key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
  } else {
    gcmInit(ctx, key, keyLen);
    ok = gcmOpenFast(ctx, key, keyLen, nonce, aad, aadLen, src, dst, len, tag);
  }
  setHostAcceleration(true);
  return ok ? 1 : 0;
}

// Test exports for assembly/crypto/accel.ts: host-accelerated and reference paths side by side.
export * from "./_common";
import { hmacSha256Fast, gmacFast } from "../../assembly/crypto/accel";
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

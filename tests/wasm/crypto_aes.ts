// Test exports for assembly/crypto/{aes,cmac,gcm,ccm}.ts.
export * from "./_common";
import { AES_CTX_SIZE, aesInit, aesEncryptBlock } from "../../assembly/crypto/aes";
import { CMAC_CTX_SIZE, cmacInit, cmacUpdate, cmacFinal, aesCmac } from "../../assembly/crypto/cmac";
import { GCM_CTX_SIZE, gcmInit, gcmSeal, gcmOpen, gmac } from "../../assembly/crypto/gcm";
import { CCM_CTX_SIZE, ccmInit, ccmSeal, ccmOpen } from "../../assembly/crypto/ccm";

export function aes_ctx_size(): i32 { return AES_CTX_SIZE; }
export function cmac_ctx_size(): i32 { return CMAC_CTX_SIZE; }
export function gcm_ctx_size(): i32 { return GCM_CTX_SIZE; }
export function ccm_ctx_size(): i32 { return CCM_CTX_SIZE; }

export function aes_init(ctx: usize, key: usize, keyLen: i32): i32 { return aesInit(ctx, key, keyLen) ? 1 : 0; }
export function aes_encrypt_block(ctx: usize, src: usize, dst: usize): void { aesEncryptBlock(ctx, src, dst); }

export function cmac_init(ctx: usize, key: usize, keyLen: i32): i32 { return cmacInit(ctx, key, keyLen) ? 1 : 0; }
export function cmac_update(ctx: usize, data: usize, len: i32): void { cmacUpdate(ctx, data, len); }
export function cmac_final(ctx: usize, out: usize): void { cmacFinal(ctx, out); }
export function aes_cmac(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  aesCmac(key, keyLen, data, len, out);
}

export function gcm_init(ctx: usize, key: usize, keyLen: i32): i32 { return gcmInit(ctx, key, keyLen) ? 1 : 0; }
export function gcm_seal(ctx: usize, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): void {
  gcmSeal(ctx, nonce, aad, aadLen, src, dst, len, tag);
}
export function gcm_open(ctx: usize, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32 {
  return gcmOpen(ctx, nonce, aad, aadLen, src, dst, len, tag) ? 1 : 0;
}
export function gcm_gmac(ctx: usize, nonce: usize, aad: usize, aadLen: i32, tag: usize): void {
  gmac(ctx, nonce, aad, aadLen, tag);
}

export function ccm_init(ctx: usize, key: usize, keyLen: i32): i32 { return ccmInit(ctx, key, keyLen) ? 1 : 0; }
export function ccm_seal(ctx: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize, tagLen: i32): i32 {
  return ccmSeal(ctx, nonce, nonceLen, aad, aadLen, src, dst, len, tag, tagLen) ? 1 : 0;
}
export function ccm_open(ctx: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize, tagLen: i32): i32 {
  return ccmOpen(ctx, nonce, nonceLen, aad, aadLen, src, dst, len, tag, tagLen) ? 1 : 0;
}

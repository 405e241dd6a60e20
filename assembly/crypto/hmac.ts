// HMAC (RFC 2104) over SHA-256, SHA-512 and MD5: SMB 2.x signing, NTLMv2 (MS-NLMP 3.3.2), SMB 3.x KDF.
import { wipe } from "../util/bytes";
import { SHA256_CTX_SIZE, sha256Init, sha256Update, sha256Final, sha256 } from "./sha256";
import { SHA512_CTX_SIZE, sha512Init, sha512Update, sha512Final, sha512 } from "./sha512";
import { MD5_CTX_SIZE, md5Init, md5Update, md5Final, md5 } from "./md5";

// An HMAC context is two hash contexts: the inner hash (keyed with K ^ ipad, then fed the
// message) followed by the outer hash (already keyed with K ^ opad, waiting for the inner digest).

/** Bytes of caller-owned memory an HMAC-SHA256 context needs. */
export const HMAC_SHA256_CTX_SIZE: i32 = 2 * SHA256_CTX_SIZE;
/** Bytes of caller-owned memory an HMAC-SHA512 context needs. */
export const HMAC_SHA512_CTX_SIZE: i32 = 2 * SHA512_CTX_SIZE;
/** Bytes of caller-owned memory an HMAC-MD5 context needs. */
export const HMAC_MD5_CTX_SIZE: i32 = 2 * MD5_CTX_SIZE;

// Which hash keyBlock() uses to shorten a long key.
const ALG_SHA256 = 0;
const ALG_SHA512 = 1;
const ALG_MD5 = 2;

const IPAD: u64 = 0x3636363636363636;
const OPAD: u64 = 0x5c5c5c5c5c5c5c5c;

// Static scratch: the padded key block K0 (B <= 128 bytes), the inner digest, and the context
// of the one-shot functions (sized for the largest). All are wiped after each use.
const KEY_BLOCK = memory.data(128, 8);
const DIGEST = memory.data(64, 8);
const ONE_SHOT = memory.data(HMAC_SHA512_CTX_SIZE, 8);

/**
 * RFC 2104 step 1: K0 = key zero-padded to the block size B, or H(key) padded when key is longer
 * than B. Then XORs ipad into K0 in place.
 */
function keyBlock(key: usize, keyLen: i32, blockSize: i32, alg: i32): void {
  memory.fill(KEY_BLOCK, 0, <usize>blockSize);
  if (keyLen > blockSize) {
    if (alg == ALG_SHA256) sha256(key, keyLen, KEY_BLOCK);
    else if (alg == ALG_SHA512) sha512(key, keyLen, KEY_BLOCK);
    else md5(key, keyLen, KEY_BLOCK);
  } else if (keyLen > 0) {
    memory.copy(KEY_BLOCK, key, <usize>keyLen);
  }
  xorBlock(blockSize, IPAD);
}

/** XORs the 8-byte pattern v into the first n bytes of KEY_BLOCK (n is a multiple of 8). */
function xorBlock(n: i32, v: u64): void {
  for (let i = 0; i < n; i += 8) {
    const p = KEY_BLOCK + <usize>i;
    store<u64>(p, load<u64>(p) ^ v);
  }
}

// ---- HMAC-SHA256 (B = 64, L = 32) ----

/** Starts HMAC-SHA256 with keyLen bytes of key (any length; keyLen <= 0 means the empty key). */
export function hmacSha256Init(ctx: usize, key: usize, keyLen: i32): void {
  keyBlock(key, keyLen, 64, ALG_SHA256);
  sha256Init(ctx);
  sha256Update(ctx, KEY_BLOCK, 64);
  xorBlock(64, IPAD ^ OPAD);
  const outer = ctx + <usize>SHA256_CTX_SIZE;
  sha256Init(outer);
  sha256Update(outer, KEY_BLOCK, 64);
  wipe(KEY_BLOCK, 64);
}

/** Feeds len more message bytes (any len; len <= 0 does nothing). */
export function hmacSha256Update(ctx: usize, data: usize, len: i32): void {
  sha256Update(ctx, data, len);
}

/** Writes the 32-byte MAC to out and wipes ctx. out must not overlap ctx. */
export function hmacSha256Final(ctx: usize, out: usize): void {
  const outer = ctx + <usize>SHA256_CTX_SIZE;
  sha256Final(ctx, DIGEST);
  sha256Update(outer, DIGEST, 32);
  sha256Final(outer, out);
  wipe(DIGEST, 32);
}

/** One-shot HMAC-SHA256(key, data) into out (32 bytes); uses and wipes static scratch. */
export function hmacSha256(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  hmacSha256Init(ONE_SHOT, key, keyLen);
  sha256Update(ONE_SHOT, data, len);
  hmacSha256Final(ONE_SHOT, out);
}

// ---- HMAC-SHA512 (B = 128, L = 64) ----

/** Starts HMAC-SHA512 with keyLen bytes of key (any length; keyLen <= 0 means the empty key). */
export function hmacSha512Init(ctx: usize, key: usize, keyLen: i32): void {
  keyBlock(key, keyLen, 128, ALG_SHA512);
  sha512Init(ctx);
  sha512Update(ctx, KEY_BLOCK, 128);
  xorBlock(128, IPAD ^ OPAD);
  const outer = ctx + <usize>SHA512_CTX_SIZE;
  sha512Init(outer);
  sha512Update(outer, KEY_BLOCK, 128);
  wipe(KEY_BLOCK, 128);
}

/** Feeds len more message bytes (any len; len <= 0 does nothing). */
export function hmacSha512Update(ctx: usize, data: usize, len: i32): void {
  sha512Update(ctx, data, len);
}

/** Writes the 64-byte MAC to out and wipes ctx. out must not overlap ctx. */
export function hmacSha512Final(ctx: usize, out: usize): void {
  const outer = ctx + <usize>SHA512_CTX_SIZE;
  sha512Final(ctx, DIGEST);
  sha512Update(outer, DIGEST, 64);
  sha512Final(outer, out);
  wipe(DIGEST, 64);
}

/** One-shot HMAC-SHA512(key, data) into out (64 bytes); uses and wipes static scratch. */
export function hmacSha512(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  hmacSha512Init(ONE_SHOT, key, keyLen);
  sha512Update(ONE_SHOT, data, len);
  hmacSha512Final(ONE_SHOT, out);
}

// ---- HMAC-MD5 (B = 64, L = 16) ----

/** Starts HMAC-MD5 with keyLen bytes of key (any length; keyLen <= 0 means the empty key). */
export function hmacMd5Init(ctx: usize, key: usize, keyLen: i32): void {
  keyBlock(key, keyLen, 64, ALG_MD5);
  md5Init(ctx);
  md5Update(ctx, KEY_BLOCK, 64);
  xorBlock(64, IPAD ^ OPAD);
  const outer = ctx + <usize>MD5_CTX_SIZE;
  md5Init(outer);
  md5Update(outer, KEY_BLOCK, 64);
  wipe(KEY_BLOCK, 64);
}

/** Feeds len more message bytes (any len; len <= 0 does nothing). */
export function hmacMd5Update(ctx: usize, data: usize, len: i32): void {
  md5Update(ctx, data, len);
}

/** Writes the 16-byte MAC to out and wipes ctx. out must not overlap ctx. */
export function hmacMd5Final(ctx: usize, out: usize): void {
  const outer = ctx + <usize>MD5_CTX_SIZE;
  md5Final(ctx, DIGEST);
  md5Update(outer, DIGEST, 16);
  md5Final(outer, out);
  wipe(DIGEST, 16);
}

/** One-shot HMAC-MD5(key, data) into out (16 bytes); uses and wipes static scratch. */
export function hmacMd5(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  hmacMd5Init(ONE_SHOT, key, keyLen);
  md5Update(ONE_SHOT, data, len);
  hmacMd5Final(ONE_SHOT, out);
}

// Test exports for assembly/crypto/{sha256,sha512,md4,md5,hmac,rc4,kdf}.ts.
export * from "./_common";
import { SHA256_CTX_SIZE, sha256Init, sha256Update, sha256Final, sha256 } from "../../assembly/crypto/sha256";
import { SHA512_CTX_SIZE, sha512Init, sha512Update, sha512Final, sha512 } from "../../assembly/crypto/sha512";
import { MD4_CTX_SIZE, md4Init, md4Update, md4Final, md4 } from "../../assembly/crypto/md4";
import { MD5_CTX_SIZE, md5Init, md5Update, md5Final, md5 } from "../../assembly/crypto/md5";
import {
  HMAC_SHA256_CTX_SIZE, hmacSha256Init, hmacSha256Update, hmacSha256Final, hmacSha256,
  HMAC_SHA512_CTX_SIZE, hmacSha512Init, hmacSha512Update, hmacSha512Final, hmacSha512,
  HMAC_MD5_CTX_SIZE, hmacMd5Init, hmacMd5Update, hmacMd5Final, hmacMd5,
} from "../../assembly/crypto/hmac";
import { RC4_CTX_SIZE, rc4Init, rc4Crypt, rc4 } from "../../assembly/crypto/rc4";
import { kdfCounterHmacSha256 } from "../../assembly/crypto/kdf";

export function sha256_ctx_size(): i32 { return SHA256_CTX_SIZE; }
export function sha256_init(ctx: usize): void { sha256Init(ctx); }
export function sha256_update(ctx: usize, p: usize, n: i32): void { sha256Update(ctx, p, n); }
export function sha256_final(ctx: usize, out: usize): void { sha256Final(ctx, out); }
export function sha256_oneshot(p: usize, n: i32, out: usize): void { sha256(p, n, out); }

export function sha512_ctx_size(): i32 { return SHA512_CTX_SIZE; }
export function sha512_init(ctx: usize): void { sha512Init(ctx); }
export function sha512_update(ctx: usize, p: usize, n: i32): void { sha512Update(ctx, p, n); }
export function sha512_final(ctx: usize, out: usize): void { sha512Final(ctx, out); }
export function sha512_oneshot(p: usize, n: i32, out: usize): void { sha512(p, n, out); }

export function md4_ctx_size(): i32 { return MD4_CTX_SIZE; }
export function md4_init(ctx: usize): void { md4Init(ctx); }
export function md4_update(ctx: usize, p: usize, n: i32): void { md4Update(ctx, p, n); }
export function md4_final(ctx: usize, out: usize): void { md4Final(ctx, out); }
export function md4_oneshot(p: usize, n: i32, out: usize): void { md4(p, n, out); }

export function md5_ctx_size(): i32 { return MD5_CTX_SIZE; }
export function md5_init(ctx: usize): void { md5Init(ctx); }
export function md5_update(ctx: usize, p: usize, n: i32): void { md5Update(ctx, p, n); }
export function md5_final(ctx: usize, out: usize): void { md5Final(ctx, out); }
export function md5_oneshot(p: usize, n: i32, out: usize): void { md5(p, n, out); }

export function hmac_sha256_ctx_size(): i32 { return HMAC_SHA256_CTX_SIZE; }
export function hmac_sha256_init(ctx: usize, k: usize, kn: i32): void { hmacSha256Init(ctx, k, kn); }
export function hmac_sha256_update(ctx: usize, p: usize, n: i32): void { hmacSha256Update(ctx, p, n); }
export function hmac_sha256_final(ctx: usize, out: usize): void { hmacSha256Final(ctx, out); }
export function hmac_sha256_oneshot(k: usize, kn: i32, p: usize, n: i32, out: usize): void {
  hmacSha256(k, kn, p, n, out);
}

export function hmac_sha512_ctx_size(): i32 { return HMAC_SHA512_CTX_SIZE; }
export function hmac_sha512_init(ctx: usize, k: usize, kn: i32): void { hmacSha512Init(ctx, k, kn); }
export function hmac_sha512_update(ctx: usize, p: usize, n: i32): void { hmacSha512Update(ctx, p, n); }
export function hmac_sha512_final(ctx: usize, out: usize): void { hmacSha512Final(ctx, out); }
export function hmac_sha512_oneshot(k: usize, kn: i32, p: usize, n: i32, out: usize): void {
  hmacSha512(k, kn, p, n, out);
}

export function hmac_md5_ctx_size(): i32 { return HMAC_MD5_CTX_SIZE; }
export function hmac_md5_init(ctx: usize, k: usize, kn: i32): void { hmacMd5Init(ctx, k, kn); }
export function hmac_md5_update(ctx: usize, p: usize, n: i32): void { hmacMd5Update(ctx, p, n); }
export function hmac_md5_final(ctx: usize, out: usize): void { hmacMd5Final(ctx, out); }
export function hmac_md5_oneshot(k: usize, kn: i32, p: usize, n: i32, out: usize): void {
  hmacMd5(k, kn, p, n, out);
}

export function rc4_ctx_size(): i32 { return RC4_CTX_SIZE; }
export function rc4_init(ctx: usize, k: usize, kn: i32): void { rc4Init(ctx, k, kn); }
export function rc4_crypt(ctx: usize, src: usize, dst: usize, n: i32): void { rc4Crypt(ctx, src, dst, n); }
export function rc4_oneshot(k: usize, kn: i32, src: usize, dst: usize, n: i32): void {
  rc4(k, kn, src, dst, n);
}

export function kdf_counter_hmac_sha256(
  k: usize, kn: i32, label: usize, ln: i32, context: usize, cn: i32, out: usize, bits: i32,
): void {
  kdfCounterHmacSha256(k, kn, label, ln, context, cn, out, bits);
}

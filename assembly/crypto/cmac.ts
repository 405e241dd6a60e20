// AES-CMAC, NIST SP 800-38B section 6 / RFC 4493 section 2 (SMB 3.0/3.0.2 signing with AES-128).
import { AES_CTX_SIZE, aesInit, aesEncryptBlock } from "./aes";
import { wipe } from "../util/bytes";

// Context layout: AES key schedule, subkeys K1 and K2, chaining value X, the pending
// (last, possibly full) block M and its length.
const K1_OFF: usize = <usize>AES_CTX_SIZE;
const K2_OFF: usize = K1_OFF + 16;
const X_OFF: usize = K2_OFF + 16;
const M_OFF: usize = X_OFF + 16;
const MLEN_OFF: usize = M_OFF + 16;

/** Bytes of caller-owned memory a CMAC context needs. */
export const CMAC_CTX_SIZE: i32 = AES_CTX_SIZE + 80;

/** Static context for the one-shot aesCmac (wiped after each use). */
const ONE_SHOT: usize = memory.data(CMAC_CTX_SIZE, 16);

/** Doubling in GF(2^128) on a big-endian block (RFC 4493 2.3: K << 1, xor Rb = 0x87 on carry). */
function dbl(src: usize, dst: usize): void {
  const carry = <u32>load<u8>(src) >> 7;
  for (let i = 0; i < 15; i++) {
    const a = <u32>load<u8>(src + <usize>i);
    const b = <u32>load<u8>(src + <usize>i + 1);
    store<u8>(dst + <usize>i, <u8>((a << 1) | (b >> 7)));
  }
  store<u8>(dst + 15, <u8>((<u32>load<u8>(src + 15) << 1) ^ (carry * 0x87)));
}

@inline function xorInto(x: usize, p: usize): void {
  v128.store(x, v128.xor(v128.load(x), v128.load(p)));
}

/**
 * Sets the key (16 or 32 bytes) and derives the subkeys K1, K2 (SP 800-38B 6.1).
 * Returns false for any other key length. The context is then ready for a message.
 */
export function cmacInit(ctx: usize, key: usize, keyLen: i32): bool {
  if (!aesInit(ctx, key, keyLen)) return false;
  const l = ctx + X_OFF; // L = CIPH_K(0^128), computed in the X slot and cleared below
  memory.fill(l, 0, 16);
  aesEncryptBlock(ctx, l, l);
  dbl(l, ctx + K1_OFF);
  dbl(ctx + K1_OFF, ctx + K2_OFF);
  memory.fill(l, 0, 32); // X = 0, M cleared
  store<i32>(ctx + MLEN_OFF, 0);
  return true;
}

/**
 * Absorbs len bytes. Whole blocks are chained straight from the input; the final block of
 * the message so far is held back because cmacFinal must treat it specially.
 * A negative len is ignored.
 */
export function cmacUpdate(ctx: usize, data: usize, len: i32): void {
  if (len <= 0) return;
  const x = ctx + X_OFF;
  const m = ctx + M_OFF;
  let mlen = load<i32>(ctx + MLEN_OFF);
  let p = data;
  let n = len;
  if (mlen > 0) {
    const take = min(16 - mlen, n);
    memory.copy(m + <usize>mlen, p, <usize>take);
    mlen += take;
    p += <usize>take;
    n -= take;
    if (n == 0) {
      store<i32>(ctx + MLEN_OFF, mlen);
      return;
    }
    xorInto(x, m); // the held block is not the last one
    aesEncryptBlock(ctx, x, x);
  }
  while (n > 16) {
    xorInto(x, p);
    aesEncryptBlock(ctx, x, x);
    p += 16;
    n -= 16;
  }
  memory.copy(m, p, <usize>n); // 1..16 bytes
  store<i32>(ctx + MLEN_OFF, n);
}

/**
 * Writes the 16-byte tag T (SP 800-38B 6.2 steps 4-6) and resets the context for a new
 * message under the same key.
 */
export function cmacFinal(ctx: usize, out: usize): void {
  const x = ctx + X_OFF;
  const m = ctx + M_OFF;
  const mlen = load<i32>(ctx + MLEN_OFF);
  if (mlen == 16) {
    xorInto(x, ctx + K1_OFF);
  } else {
    store<u8>(m + <usize>mlen, 0x80); // M_n* || 10^j
    memory.fill(m + <usize>mlen + 1, 0, <usize>(15 - mlen));
    xorInto(x, ctx + K2_OFF);
  }
  xorInto(x, m);
  aesEncryptBlock(ctx, x, out);
  memory.fill(x, 0, 32);
  store<i32>(ctx + MLEN_OFF, 0);
}

/**
 * One-shot AES-CMAC of len bytes at data under a 16- or 32-byte key, 16-byte tag to out.
 * An invalid key length or negative len yields an all-zero tag (a caller bug, never valid).
 */
export function aesCmac(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void {
  if (len < 0 || !cmacInit(ONE_SHOT, key, keyLen)) {
    memory.fill(out, 0, 16);
    return;
  }
  cmacUpdate(ONE_SHOT, data, len);
  cmacFinal(ONE_SHOT, out);
  wipe(ONE_SHOT, CMAC_CTX_SIZE);
}

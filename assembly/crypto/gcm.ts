// AES-GCM and GMAC, NIST SP 800-38D sections 6.4 (GHASH), 6.5 (GCTR), 7.1-7.2 (GCM-AE/AD),
// 96-bit IV and 128-bit tag (SMB 3.1.1 AES-128/256-GCM encryption and AES-128-GMAC signing).
//
// GHASH uses per-key tables of 32 x 16 entries (8 KiB): for each 4-bit position q of the input
// block, T_q[n] = n * x^(4q) * H, so X * H is the XOR of 32 independent look-ups (no per-step
// reduction, no carry chain). Like the T-table AES, the look-ups are data-dependent and not
// cache-timing constant; the host may replace the whole mode by a native AES-GCM.
import { AES_CTX_SIZE, aesInit, aesEncryptBlock } from "./aes";
import { ctEqual, storeBE32, storeBE64, loadBE64, wipe } from "../util/bytes";

/** Offset of the GHASH tables in a context (after the AES key schedule). */
const TAB_OFF: usize = <usize>AES_CTX_SIZE;
const TAB_SIZE: i32 = 32 * 16 * 16;

/** Bytes of caller-owned memory a GCM context needs (AES key schedule + GHASH tables). */
export const GCM_CTX_SIZE: i32 = AES_CTX_SIZE + TAB_SIZE;

// Scratch: counter block, key-stream block, zero-padded partial block, E(K, J0).
const SCRATCH: usize = memory.data(64, 16);
const CB: usize = SCRATCH;
const KS: usize = SCRATCH + 16;
const PAD: usize = SCRATCH + 32;
const EJ0: usize = SCRATCH + 48;

/**
 * Fills the tables from H (big-endian 128-bit, GCM bit order: bit 0 is the MSB of byte 0).
 * Walks V = H * x^e for e = 0..127 (6.3 step: V >> 1, xor R on carry) and adds V to every
 * entry of table q whose nibble has the bit of x^e. Table q covers the nibble at bit offset 4q
 * of the little-endian u64 halves of the block, i.e. GCM nibble position p = q ^ 1.
 */
function buildGhashTables(tab: usize, h: usize): void {
  memory.fill(tab, 0, <usize>TAB_SIZE);
  let vh = loadBE64(h);
  let vl = loadBE64(h + 8);
  for (let e = 0; e < 128; e++) {
    storeBE64(PAD, vh);
    storeBE64(PAD + 8, vl);
    const v = v128.load(PAD);
    const t = tab + (<usize>((e >> 2) ^ 1) << 8);
    const bit = 8 >> (e & 3);
    for (let n = 0; n < 16; n++) {
      if (n & bit) {
        const p = t + (<usize>n << 4);
        v128.store(p, v128.xor(v128.load(p), v));
      }
    }
    const carry = vl & 1;
    vl = (vl >> 1) | (vh << 63);
    vh = (vh >> 1) ^ ((carry * 0xe1) << 56); // R = 11100001 || 0^120
  }
  wipe(PAD, 16);
}

/** XOR of the 8 look-ups for the 8 nibbles of w in the 8 tables starting at t. */
@inline function lookup8(t: usize, w: u32): v128 {
  const a = v128.xor(v128.load(t + <usize>((w << 4) & 0xf0)), v128.load(t + <usize>(w & 0xf0), 256));
  const b = v128.xor(v128.load(t + <usize>((w >> 4) & 0xf0), 512), v128.load(t + <usize>((w >> 8) & 0xf0), 768));
  const c = v128.xor(v128.load(t + <usize>((w >> 12) & 0xf0), 1024), v128.load(t + <usize>((w >> 16) & 0xf0), 1280));
  const d = v128.xor(v128.load(t + <usize>((w >> 20) & 0xf0), 1536), v128.load(t + <usize>((w >> 24) & 0xf0), 1792));
  return v128.xor(v128.xor(a, b), v128.xor(c, d));
}

/** Multiplication X * H in GF(2^128) (SP 800-38D 6.3) by table look-up. */
@inline function gmul(tab: usize, x: v128): v128 {
  const a = v128.xor(lookup8(tab, i32x4.extract_lane(x, 0)), lookup8(tab + 2048, i32x4.extract_lane(x, 1)));
  const b = v128.xor(lookup8(tab + 4096, i32x4.extract_lane(x, 2)), lookup8(tab + 6144, i32x4.extract_lane(x, 3)));
  return v128.xor(a, b);
}

/** GHASH over len bytes, the last partial block zero-padded (SP 800-38D 7.1 step 5). */
function ghashPadded(tab: usize, y: v128, p: usize, len: i32): v128 {
  let n = len;
  let q = p;
  while (n >= 16) {
    y = gmul(tab, v128.xor(y, v128.load(q)));
    q += 16;
    n -= 16;
  }
  if (n > 0) {
    v128.store(PAD, i64x2.splat(0));
    memory.copy(PAD, q, <usize>n);
    y = gmul(tab, v128.xor(y, v128.load(PAD)));
  }
  return y;
}

/** Final GHASH block [len(A)]64 || [len(C)]64 in bits. */
@inline function ghashLengths(tab: usize, y: v128, aadLen: i32, len: i32): v128 {
  storeBE64(PAD, <u64>aadLen << 3);
  storeBE64(PAD + 8, <u64>len << 3);
  return gmul(tab, v128.xor(y, v128.load(PAD)));
}

/**
 * Sets a 16- or 32-byte key: expands it and precomputes the GHASH tables for H = E(K, 0^128).
 * Returns false for any other key length. The caller wipes ctx (GCM_CTX_SIZE) when done.
 */
export function gcmInit(ctx: usize, key: usize, keyLen: i32): bool {
  if (!aesInit(ctx, key, keyLen)) return false;
  v128.store(KS, i64x2.splat(0));
  aesEncryptBlock(ctx, KS, KS);
  buildGhashTables(ctx + TAB_OFF, KS);
  wipe(KS, 16);
  return true;
}

/** J0 = IV || 0^31 || 1 (7.1 step 2, 96-bit IV) into CB, and E(K, J0) into EJ0. */
@inline function startCounter(ctx: usize, nonce: usize): void {
  memory.copy(CB, nonce, 12);
  storeBE32(CB + 12, 1);
  aesEncryptBlock(ctx, CB, EJ0);
}

/** GCTR key stream for counter value c (inc32 of J0 by c - 1) into KS. */
@inline function keyStream(ctx: usize, c: u32): v128 {
  storeBE32(CB + 12, c);
  aesEncryptBlock(ctx, CB, KS);
  return v128.load(KS);
}

/** Writes tag = E(K, J0) xor S and wipes the scratch. */
@inline function finishTag(y: v128, tag: usize): void {
  v128.store(tag, v128.xor(y, v128.load(EJ0)));
  wipe(SCRATCH, 64);
}

/**
 * Authenticated encryption (GCM-AE, SP 800-38D 7.1): encrypts len bytes src -> dst (src == dst
 * allowed) with the 12-byte nonce, authenticating aadLen bytes of aad too; 16-byte tag to tag.
 * A negative length is a caller bug: nothing is encrypted and the tag is all zeros.
 */
export function gcmSeal(ctx: usize, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): void {
  if (aadLen < 0 || len < 0) {
    memory.fill(tag, 0, 16);
    return;
  }
  const tab = ctx + TAB_OFF;
  startCounter(ctx, nonce);
  let y = ghashPadded(tab, i64x2.splat(0), aad, aadLen);
  let c: u32 = 2;
  let off: usize = 0;
  const full = <usize>(len & ~15);
  while (off < full) {
    const ct = v128.xor(v128.load(src + off), keyStream(ctx, c));
    v128.store(dst + off, ct);
    y = gmul(tab, v128.xor(y, ct));
    off += 16;
    c++;
  }
  const rest = len & 15;
  if (rest > 0) {
    keyStream(ctx, c);
    v128.store(PAD, i64x2.splat(0));
    for (let i = 0; i < rest; i++) {
      const b = load<u8>(src + off + <usize>i) ^ load<u8>(KS + <usize>i);
      store<u8>(dst + off + <usize>i, b);
      store<u8>(PAD + <usize>i, b);
    }
    y = gmul(tab, v128.xor(y, v128.load(PAD)));
  }
  y = ghashLengths(tab, y, aadLen, len);
  finishTag(y, tag);
}

/**
 * Authenticated decryption (GCM-AD, SP 800-38D 7.2): decrypts len bytes src -> dst (src == dst
 * allowed) and checks the 16-byte tag in constant time. On failure dst is zeroed and false
 * is returned; a negative length also returns false.
 */
export function gcmOpen(ctx: usize, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): bool {
  if (aadLen < 0 || len < 0) return false;
  const tab = ctx + TAB_OFF;
  startCounter(ctx, nonce);
  let y = ghashPadded(tab, i64x2.splat(0), aad, aadLen);
  let c: u32 = 2;
  let off: usize = 0;
  const full = <usize>(len & ~15);
  while (off < full) {
    const ks = keyStream(ctx, c);
    const ct = v128.load(src + off);
    v128.store(dst + off, v128.xor(ct, ks));
    y = gmul(tab, v128.xor(y, ct));
    off += 16;
    c++;
  }
  const rest = len & 15;
  if (rest > 0) {
    v128.store(PAD, i64x2.splat(0));
    memory.copy(PAD, src + off, <usize>rest);
    y = gmul(tab, v128.xor(y, v128.load(PAD)));
    keyStream(ctx, c);
    for (let i = 0; i < rest; i++) {
      store<u8>(dst + off + <usize>i, load<u8>(PAD + <usize>i) ^ load<u8>(KS + <usize>i));
    }
  }
  y = ghashLengths(tab, y, aadLen, len);
  v128.store(PAD, v128.xor(y, v128.load(EJ0)));
  const ok = ctEqual(PAD, tag, 16);
  wipe(SCRATCH, 64);
  if (!ok) wipe(dst, len);
  return ok;
}

/**
 * GMAC (SP 800-38D section 3, GCM with an empty plaintext): 16-byte tag over aadLen bytes of
 * aad with the 12-byte nonce. A negative aadLen yields an all-zero tag.
 */
export function gmac(ctx: usize, nonce: usize, aad: usize, aadLen: i32, tag: usize): void {
  gcmSeal(ctx, nonce, aad, aadLen, 0, 0, 0, tag);
}

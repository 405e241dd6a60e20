// RC4 stream cipher: MS-NLMP RC4K key exchange (3.2.5.1.2, ExportedSessionKey) and sealing (3.4.3).
import { wipe } from "../util/bytes";

// Context layout (caller-owned raw memory): the permutation S[0..255] | i | j.
const S = 0;
const I = 256;
const J = 257;

/** Bytes of caller-owned memory an RC4 context needs. */
export const RC4_CTX_SIZE: i32 = 264;

// Scratch context of the one-shot rc4().
const ONE_SHOT = memory.data(RC4_CTX_SIZE, 8);

/**
 * Key-scheduling algorithm: initialises ctx (RC4_CTX_SIZE bytes) from keyLen bytes of key.
 * RC4 keys are 1..256 bytes; longer keys only use their first 256 bytes, and keyLen <= 0
 * (undefined for RC4) behaves like a single zero byte key rather than trapping.
 */
export function rc4Init(ctx: usize, key: usize, keyLen: i32): void {
  // S[i] = i, written four bytes at a time.
  for (let i: u32 = 0; i < 256; i += 4) {
    store<u32>(ctx + S + <usize>i, (i * 0x01010101) + 0x03020100);
  }
  let j: u32 = 0;
  let k: i32 = 0;
  for (let i: u32 = 0; i < 256; i++) {
    const si: u32 = load<u8>(ctx + S + <usize>i);
    const kb: u32 = keyLen > 0 ? <u32>load<u8>(key + <usize>k) : 0;
    j = (j + si + kb) & 0xff;
    store<u8>(ctx + S + <usize>i, load<u8>(ctx + S + <usize>j));
    store<u8>(ctx + S + <usize>j, <u8>si);
    if (++k >= keyLen) k = 0;
  }
  store<u8>(ctx, 0, I);
  store<u8>(ctx, 0, J);
}

/**
 * Pseudo-random generation: XORs len bytes of keystream into src, writing dst (src == dst is
 * allowed; other overlaps are not). The keystream continues across calls. len <= 0 does nothing.
 */
export function rc4Crypt(ctx: usize, src: usize, dst: usize, len: i32): void {
  if (len <= 0) return;
  const s = ctx + S;
  let i: u32 = load<u8>(ctx, I);
  let j: u32 = load<u8>(ctx, J);
  for (let n: usize = 0, end = <usize>len; n < end; n++) {
    i = (i + 1) & 0xff;
    const si: u32 = load<u8>(s + <usize>i);
    j = (j + si) & 0xff;
    const sj: u32 = load<u8>(s + <usize>j);
    store<u8>(s + <usize>i, <u8>sj);
    store<u8>(s + <usize>j, <u8>si);
    store<u8>(dst + n, load<u8>(src + n) ^ load<u8>(s + <usize>((si + sj) & 0xff)));
  }
  store<u8>(ctx, <u8>i, I);
  store<u8>(ctx, <u8>j, J);
}

/** One-shot RC4: encrypts (or decrypts) len bytes from src to dst under key; wipes its scratch. */
export function rc4(key: usize, keyLen: i32, src: usize, dst: usize, len: i32): void {
  rc4Init(ONE_SHOT, key, keyLen);
  rc4Crypt(ONE_SHOT, src, dst, len);
  wipe(ONE_SHOT, RC4_CTX_SIZE);
}

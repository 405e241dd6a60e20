// AES block encryption, FIPS 197 (sections 5.1 Cipher and 5.2 KeyExpansion), AES-128 and AES-256.
//
// Table-driven ("T-table") implementation on 32-bit little-endian column words: each round is
// 16 table look-ups, so it is fast in Wasm but NOT constant-time with respect to cache timing
// (the look-up addresses depend on key and data). Hosts may substitute a native AES-GCM/CCM
// where available. Decryption (InvCipher) is not needed by the SMB modes (CTR, CMAC, GMAC) and
// is left out.

/** Offset of the round-key count in a context; round keys occupy bytes 0..239. */
const NR_OFFSET: usize = 240;

/** Bytes of caller-owned memory an AES context needs (expanded key + round count). */
export const AES_CTX_SIZE: i32 = 256;

// Encryption tables, built once on first aesInit: TE0..TE3 (256 u32 each, 4 KiB) and SBOX.
const TE0: usize = memory.data(4096, 64);
const TE1: usize = TE0 + 1024;
const TE2: usize = TE0 + 2048;
const TE3: usize = TE0 + 3072;
const SBOX: usize = memory.data(256, 64);
let tablesReady = false;

/** xtime (FIPS 197 4.2.1): multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
@inline function xtime(b: u32): u32 {
  return ((b << 1) ^ (((b >> 7) & 1) * 0x1b)) & 0xff;
}

@inline function rotl8(b: u32, n: u32): u32 {
  return ((b << n) | (b >> (8 - n))) & 0xff;
}

/**
 * Builds the S-box (FIPS 197 5.1.1: multiplicative inverse followed by the affine transform)
 * by walking the multiplicative group with generator 3 and its inverse in step, then the
 * four round tables. In little-endian column words (byte r = row r), TE0[x] holds the
 * MixColumns column of S[x] in row 0: {02}s, s, s, {03}s; TE1..TE3 are its byte rotations.
 */
function buildTables(): void {
  let p: u32 = 1;
  let q: u32 = 1;
  do {
    p = (p ^ (p << 1) ^ (((p >> 7) & 1) * 0x1b)) & 0xff; // p *= 3
    q ^= q << 1; // q /= 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const s = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
    store<u8>(SBOX + <usize>p, <u8>s);
  } while (p != 1);
  store<u8>(SBOX, 0x63); // 0 has no inverse
  for (let x: u32 = 0; x < 256; x++) {
    const s = <u32>load<u8>(SBOX + <usize>x);
    const s2 = xtime(s);
    const t = s2 | (s << 8) | (s << 16) | ((s2 ^ s) << 24);
    const o = <usize>(x << 2);
    store<u32>(TE0 + o, t);
    store<u32>(TE1 + o, rotl<u32>(t, 8));
    store<u32>(TE2 + o, rotl<u32>(t, 16));
    store<u32>(TE3 + o, rotl<u32>(t, 24));
  }
  tablesReady = true;
}

/** SubWord (FIPS 197 5.2) on a little-endian word. */
@inline function subWord(w: u32): u32 {
  return <u32>load<u8>(SBOX + <usize>(w & 0xff)) |
    (<u32>load<u8>(SBOX + <usize>((w >> 8) & 0xff)) << 8) |
    (<u32>load<u8>(SBOX + <usize>((w >> 16) & 0xff)) << 16) |
    (<u32>load<u8>(SBOX + <usize>(w >> 24)) << 24);
}

/**
 * Expands a 16- or 32-byte key into ctx (AES_CTX_SIZE bytes of caller memory).
 * Returns false (ctx untouched) for any other keyLen. The caller wipes ctx when done with it.
 */
export function aesInit(ctx: usize, key: usize, keyLen: i32): bool {
  if (keyLen != 16 && keyLen != 32) return false;
  if (!tablesReady) buildTables();
  const nk = keyLen >> 2; // Nk
  const nr = nk + 6; // Nr
  const total = (nr + 1) << 2; // Nb * (Nr + 1) words
  for (let i = 0; i < nk; i++) store<u32>(ctx + (<usize>i << 2), load<u32>(key + (<usize>i << 2)));
  let rcon: u32 = 1;
  for (let i = nk; i < total; i++) {
    let temp = load<u32>(ctx + (<usize>(i - 1) << 2));
    if (i % nk == 0) {
      temp = subWord(rotr<u32>(temp, 8)) ^ rcon; // SubWord(RotWord(temp)) xor Rcon[i/Nk]
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk == 4) {
      temp = subWord(temp);
    }
    store<u32>(ctx + (<usize>i << 2), load<u32>(ctx + (<usize>(i - nk) << 2)) ^ temp);
  }
  store<i32>(ctx + NR_OFFSET, nr);
  return true;
}

/** Table look-up of byte `shift/8` of w in table t (byte index pre-scaled by 4). */
@inline function tl(t: usize, w: u32, shift: u32): u32 {
  const i = shift == 0 ? (w << 2) & 0x3fc : (w >> (shift - 2)) & 0x3fc;
  return load<u32>(t + <usize>i);
}

/** Final-round S-box byte `shift/8` of w, placed at the same byte position. */
@inline function sb(w: u32, shift: u32): u32 {
  return <u32>load<u8>(SBOX + <usize>((w >> shift) & 0xff)) << shift;
}

/**
 * Encrypts one 16-byte block (FIPS 197 5.1 Cipher) from src to dst with an initialised
 * context; src == dst is allowed.
 */
export function aesEncryptBlock(ctx: usize, src: usize, dst: usize): void {
  const nr = load<i32>(ctx + NR_OFFSET);
  let rk = ctx;
  let s0 = load<u32>(src) ^ load<u32>(rk);
  let s1 = load<u32>(src, 4) ^ load<u32>(rk, 4);
  let s2 = load<u32>(src, 8) ^ load<u32>(rk, 8);
  let s3 = load<u32>(src, 12) ^ load<u32>(rk, 12);
  // Rounds 1..Nr-1: SubBytes, ShiftRows, MixColumns, AddRoundKey via the T-tables.
  for (let r = 1; r < nr; r++) {
    rk += 16;
    const t0 = tl(TE0, s0, 0) ^ tl(TE1, s1, 8) ^ tl(TE2, s2, 16) ^ tl(TE3, s3, 24) ^ load<u32>(rk);
    const t1 = tl(TE0, s1, 0) ^ tl(TE1, s2, 8) ^ tl(TE2, s3, 16) ^ tl(TE3, s0, 24) ^ load<u32>(rk, 4);
    const t2 = tl(TE0, s2, 0) ^ tl(TE1, s3, 8) ^ tl(TE2, s0, 16) ^ tl(TE3, s1, 24) ^ load<u32>(rk, 8);
    const t3 = tl(TE0, s3, 0) ^ tl(TE1, s0, 8) ^ tl(TE2, s1, 16) ^ tl(TE3, s2, 24) ^ load<u32>(rk, 12);
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  // Final round: SubBytes, ShiftRows, AddRoundKey.
  rk += 16;
  store<u32>(dst, (sb(s0, 0) | sb(s1, 8) | sb(s2, 16) | sb(s3, 24)) ^ load<u32>(rk));
  store<u32>(dst, (sb(s1, 0) | sb(s2, 8) | sb(s3, 16) | sb(s0, 24)) ^ load<u32>(rk, 4), 4);
  store<u32>(dst, (sb(s2, 0) | sb(s3, 8) | sb(s0, 16) | sb(s1, 24)) ^ load<u32>(rk, 8), 8);
  store<u32>(dst, (sb(s3, 0) | sb(s0, 8) | sb(s1, 16) | sb(s2, 24)) ^ load<u32>(rk, 12), 12);
}

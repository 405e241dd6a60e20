// AES-CCM, NIST SP 800-38C section 6 with the Appendix A formatting (SMB 3.x AES-128/256-CCM:
// 11-byte nonce, 16-byte tag); nonce lengths 7..13 and even tag lengths 4..16 are supported.
import { AES_CTX_SIZE, aesInit, aesEncryptBlock } from "./aes";
import { ctEqual, storeBE32, wipe } from "../util/bytes";

/** Bytes of caller-owned memory a CCM context needs (the AES key schedule). */
export const CCM_CTX_SIZE: i32 = AES_CTX_SIZE;

// Scratch: CBC-MAC chaining value Y, counter block Ctr_i, key stream / formatting block.
const SCRATCH: usize = memory.data(48, 16);
const Y: usize = SCRATCH;
const CTR: usize = SCRATCH + 16;
const BLK: usize = SCRATCH + 32;

/** Sets a 16- or 32-byte key; false for any other length. The caller wipes ctx when done. */
export function ccmInit(ctx: usize, key: usize, keyLen: i32): bool {
  return aesInit(ctx, key, keyLen);
}

/** Y = CIPH_K(Y xor block at p): one CBC-MAC step (SP 800-38C 6.1 step 4). */
@inline function macBlock(ctx: usize, p: usize): void {
  v128.store(Y, v128.xor(v128.load(Y), v128.load(p)));
  aesEncryptBlock(ctx, Y, Y);
}

/** Writes the value v into the last q bytes of the 16-byte block b (big-endian). */
function putCounter(b: usize, q: i32, v: u32): void {
  if (q >= 4) {
    storeBE32(b + 12, v);
  } else {
    for (let i = 0; i < q; i++) store<u8>(b + 15 - <usize>i, <u8>(v >> (<u32>i << 3)));
  }
}

/**
 * Checks the parameters (A.1), then formats and MACs B0 (A.2.1) and the associated data
 * (A.2.2), and sets up Ctr_0 (A.3). Returns false if a parameter is out of range.
 */
function start(ctx: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, len: i32, tagLen: i32): bool {
  if (nonceLen < 7 || nonceLen > 13 || tagLen < 4 || tagLen > 16 || (tagLen & 1) != 0) return false;
  if (aadLen < 0 || len < 0) return false;
  const q = 15 - nonceLen;
  if (q < 4 && <u32>len >= (<u32>1 << (<u32>q << 3))) return false; // Q must fit in q bytes
  // B0 = Flags || N || Q
  memory.fill(BLK, 0, 16);
  store<u8>(BLK, <u8>((aadLen > 0 ? 0x40 : 0) | (((tagLen - 2) >> 1) << 3) | (q - 1)));
  memory.copy(BLK + 1, nonce, <usize>nonceLen);
  putCounter(BLK, q, <u32>len);
  memory.fill(Y, 0, 16);
  macBlock(ctx, BLK);
  if (aadLen > 0) {
    // a encoded in 2 bytes when a < 2^16 - 2^8, else 0xff 0xfe and 4 bytes (a < 2^31 here)
    memory.fill(BLK, 0, 16);
    let hdr = 2;
    if (aadLen < 0xff00) {
      store<u8>(BLK, <u8>(aadLen >> 8));
      store<u8>(BLK + 1, <u8>aadLen);
    } else {
      store<u8>(BLK, 0xff);
      store<u8>(BLK + 1, 0xfe);
      storeBE32(BLK + 2, <u32>aadLen);
      hdr = 6;
    }
    const head = min(16 - hdr, aadLen);
    memory.copy(BLK + <usize>hdr, aad, <usize>head);
    macBlock(ctx, BLK);
    let off = head;
    while (aadLen - off >= 16) {
      macBlock(ctx, aad + <usize>off);
      off += 16;
    }
    if (off < aadLen) {
      memory.fill(BLK, 0, 16);
      memory.copy(BLK, aad + <usize>off, <usize>(aadLen - off));
      macBlock(ctx, BLK);
    }
  }
  // Ctr_i = Flags' || N || [i]_q with Flags' = q - 1
  memory.fill(CTR, 0, 16);
  store<u8>(CTR, <u8>(q - 1));
  memory.copy(CTR + 1, nonce, <usize>nonceLen);
  return true;
}

/** Key stream block S_i = CIPH_K(Ctr_i) into BLK. */
@inline function keyStream(ctx: usize, q: i32, i: u32): v128 {
  putCounter(CTR, q, i);
  aesEncryptBlock(ctx, CTR, BLK);
  return v128.load(BLK);
}

/** Leaves MSB_Tlen(T) xor MSB_Tlen(S_0) in Y (6.1 steps 5 and 8, 6.2 step 9). */
@inline function finishTag(ctx: usize, q: i32): void {
  v128.store(Y, v128.xor(v128.load(Y), keyStream(ctx, q, 0)));
}

/**
 * Generation-encryption (SP 800-38C 6.1): encrypts len bytes src -> dst (src == dst allowed)
 * and writes the tagLen-byte tag. Returns false (nothing written) if nonceLen is not 7..13,
 * tagLen not an even 4..16, a length is negative or len does not fit in 15 - nonceLen bytes.
 */
export function ccmSeal(ctx: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize, tagLen: i32): bool {
  if (!start(ctx, nonce, nonceLen, aad, aadLen, len, tagLen)) return false;
  const q = 15 - nonceLen;
  let i: u32 = 1;
  let off: usize = 0;
  const full = <usize>(len & ~15);
  while (off < full) {
    const p = v128.load(src + off);
    v128.store(Y, v128.xor(v128.load(Y), p));
    aesEncryptBlock(ctx, Y, Y);
    v128.store(dst + off, v128.xor(p, keyStream(ctx, q, i)));
    off += 16;
    i++;
  }
  const rest = len & 15;
  if (rest > 0) {
    const ks = keyStream(ctx, q, i);
    memory.fill(BLK, 0, 16);
    memory.copy(BLK, src + off, <usize>rest); // padded plaintext for the MAC
    macBlock(ctx, BLK);
    v128.store(BLK, ks);
    for (let j = 0; j < rest; j++) {
      const o = off + <usize>j;
      store<u8>(dst + o, load<u8>(src + o) ^ load<u8>(BLK + <usize>j));
    }
  }
  finishTag(ctx, q);
  memory.copy(tag, Y, <usize>tagLen);
  wipe(SCRATCH, 48);
  return true;
}

/**
 * Decryption-verification (SP 800-38C 6.2): decrypts len bytes src -> dst (src == dst allowed)
 * and checks the tagLen-byte tag in constant time. Returns false on a bad parameter (as for
 * ccmSeal; dst untouched) or a tag mismatch (dst zeroed).
 */
export function ccmOpen(ctx: usize, nonce: usize, nonceLen: i32, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize, tagLen: i32): bool {
  if (!start(ctx, nonce, nonceLen, aad, aadLen, len, tagLen)) return false;
  const q = 15 - nonceLen;
  let i: u32 = 1;
  let off: usize = 0;
  const full = <usize>(len & ~15);
  while (off < full) {
    const p = v128.xor(v128.load(src + off), keyStream(ctx, q, i));
    v128.store(dst + off, p);
    v128.store(Y, v128.xor(v128.load(Y), p));
    aesEncryptBlock(ctx, Y, Y);
    off += 16;
    i++;
  }
  const rest = len & 15;
  if (rest > 0) {
    keyStream(ctx, q, i);
    for (let j = 0; j < rest; j++) {
      const o = off + <usize>j;
      store<u8>(dst + o, load<u8>(src + o) ^ load<u8>(BLK + <usize>j));
    }
    memory.fill(BLK, 0, 16);
    memory.copy(BLK, dst + off, <usize>rest); // padded plaintext for the MAC
    macBlock(ctx, BLK);
  }
  finishTag(ctx, q);
  const ok = ctEqual(Y, tag, tagLen);
  wipe(SCRATCH, 48);
  if (!ok) wipe(dst, len);
  return ok;
}

// MD4 message digest (RFC 1320): the NT one-way function NTOWFv1 = MD4(UNICODE(Password)) of MS-NLMP 3.3.1.
import { wipe } from "../util/bytes";

// Context layout (caller-owned raw memory): state A..D | total length in bytes | buffered bytes | block buffer.
const STATE = 0;
const TOTAL = 16;
const FILL = 24;
const BUF = 32;
const BLOCK = 64;

/** Bytes of caller-owned memory an MD4 context needs. */
export const MD4_CTX_SIZE: i32 = 96;
/** Digest length in bytes. */
export const MD4_DIGEST_SIZE: i32 = 16;

// Scratch context of the one-shot md4().
const ONE_SHOT = memory.data(MD4_CTX_SIZE, 8);

// RFC 1320 section 3.4 auxiliary functions F (selection), G (majority), H (parity).
@inline function ff(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
@inline function gg(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }
@inline function hh(x: u32, y: u32, z: u32): u32 { return x ^ y ^ z; }

/** RFC 1320 section 3.4: processes n whole 64-byte blocks at p (words little-endian), rounds unrolled. */
function compress(ctx: usize, p: usize, n: i32): void {
  let a0 = load<u32>(ctx, STATE + 0);
  let b0 = load<u32>(ctx, STATE + 4);
  let c0 = load<u32>(ctx, STATE + 8);
  let d0 = load<u32>(ctx, STATE + 12);
  while (n > 0) {
    const x0 = load<u32>(p, 0);
    const x1 = load<u32>(p, 4);
    const x2 = load<u32>(p, 8);
    const x3 = load<u32>(p, 12);
    const x4 = load<u32>(p, 16);
    const x5 = load<u32>(p, 20);
    const x6 = load<u32>(p, 24);
    const x7 = load<u32>(p, 28);
    const x8 = load<u32>(p, 32);
    const x9 = load<u32>(p, 36);
    const x10 = load<u32>(p, 40);
    const x11 = load<u32>(p, 44);
    const x12 = load<u32>(p, 48);
    const x13 = load<u32>(p, 52);
    const x14 = load<u32>(p, 56);
    const x15 = load<u32>(p, 60);
    let a = a0, b = b0, c = c0, d = d0;
    // Round 1
    a = rotl<u32>(a + ff(b, c, d) + x0, 3);
    d = rotl<u32>(d + ff(a, b, c) + x1, 7);
    c = rotl<u32>(c + ff(d, a, b) + x2, 11);
    b = rotl<u32>(b + ff(c, d, a) + x3, 19);
    a = rotl<u32>(a + ff(b, c, d) + x4, 3);
    d = rotl<u32>(d + ff(a, b, c) + x5, 7);
    c = rotl<u32>(c + ff(d, a, b) + x6, 11);
    b = rotl<u32>(b + ff(c, d, a) + x7, 19);
    a = rotl<u32>(a + ff(b, c, d) + x8, 3);
    d = rotl<u32>(d + ff(a, b, c) + x9, 7);
    c = rotl<u32>(c + ff(d, a, b) + x10, 11);
    b = rotl<u32>(b + ff(c, d, a) + x11, 19);
    a = rotl<u32>(a + ff(b, c, d) + x12, 3);
    d = rotl<u32>(d + ff(a, b, c) + x13, 7);
    c = rotl<u32>(c + ff(d, a, b) + x14, 11);
    b = rotl<u32>(b + ff(c, d, a) + x15, 19);
    // Round 2
    a = rotl<u32>(a + gg(b, c, d) + x0 + 0x5a827999, 3);
    d = rotl<u32>(d + gg(a, b, c) + x4 + 0x5a827999, 5);
    c = rotl<u32>(c + gg(d, a, b) + x8 + 0x5a827999, 9);
    b = rotl<u32>(b + gg(c, d, a) + x12 + 0x5a827999, 13);
    a = rotl<u32>(a + gg(b, c, d) + x1 + 0x5a827999, 3);
    d = rotl<u32>(d + gg(a, b, c) + x5 + 0x5a827999, 5);
    c = rotl<u32>(c + gg(d, a, b) + x9 + 0x5a827999, 9);
    b = rotl<u32>(b + gg(c, d, a) + x13 + 0x5a827999, 13);
    a = rotl<u32>(a + gg(b, c, d) + x2 + 0x5a827999, 3);
    d = rotl<u32>(d + gg(a, b, c) + x6 + 0x5a827999, 5);
    c = rotl<u32>(c + gg(d, a, b) + x10 + 0x5a827999, 9);
    b = rotl<u32>(b + gg(c, d, a) + x14 + 0x5a827999, 13);
    a = rotl<u32>(a + gg(b, c, d) + x3 + 0x5a827999, 3);
    d = rotl<u32>(d + gg(a, b, c) + x7 + 0x5a827999, 5);
    c = rotl<u32>(c + gg(d, a, b) + x11 + 0x5a827999, 9);
    b = rotl<u32>(b + gg(c, d, a) + x15 + 0x5a827999, 13);
    // Round 3
    a = rotl<u32>(a + hh(b, c, d) + x0 + 0x6ed9eba1, 3);
    d = rotl<u32>(d + hh(a, b, c) + x8 + 0x6ed9eba1, 9);
    c = rotl<u32>(c + hh(d, a, b) + x4 + 0x6ed9eba1, 11);
    b = rotl<u32>(b + hh(c, d, a) + x12 + 0x6ed9eba1, 15);
    a = rotl<u32>(a + hh(b, c, d) + x2 + 0x6ed9eba1, 3);
    d = rotl<u32>(d + hh(a, b, c) + x10 + 0x6ed9eba1, 9);
    c = rotl<u32>(c + hh(d, a, b) + x6 + 0x6ed9eba1, 11);
    b = rotl<u32>(b + hh(c, d, a) + x14 + 0x6ed9eba1, 15);
    a = rotl<u32>(a + hh(b, c, d) + x1 + 0x6ed9eba1, 3);
    d = rotl<u32>(d + hh(a, b, c) + x9 + 0x6ed9eba1, 9);
    c = rotl<u32>(c + hh(d, a, b) + x5 + 0x6ed9eba1, 11);
    b = rotl<u32>(b + hh(c, d, a) + x13 + 0x6ed9eba1, 15);
    a = rotl<u32>(a + hh(b, c, d) + x3 + 0x6ed9eba1, 3);
    d = rotl<u32>(d + hh(a, b, c) + x11 + 0x6ed9eba1, 9);
    c = rotl<u32>(c + hh(d, a, b) + x7 + 0x6ed9eba1, 11);
    b = rotl<u32>(b + hh(c, d, a) + x15 + 0x6ed9eba1, 15);
    a0 += a; b0 += b; c0 += c; d0 += d;
    p += BLOCK;
    n--;
  }
  store<u32>(ctx, a0, STATE + 0);
  store<u32>(ctx, b0, STATE + 4);
  store<u32>(ctx, c0, STATE + 8);
  store<u32>(ctx, d0, STATE + 12);
}

/** Starts an MD4 computation in ctx (MD4_CTX_SIZE bytes; RFC 1320 section 3.3). */
export function md4Init(ctx: usize): void {
  store<u32>(ctx, 0x67452301, STATE + 0);
  store<u32>(ctx, 0xefcdab89, STATE + 4);
  store<u32>(ctx, 0x98badcfe, STATE + 8);
  store<u32>(ctx, 0x10325476, STATE + 12);
  store<u64>(ctx, 0, TOTAL);
  store<i32>(ctx, 0, FILL);
}

/**
 * Hashes len more bytes at data (any len; len <= 0 does nothing). Whole blocks are compressed
 * straight from data; only a partial block is copied into the context.
 */
export function md4Update(ctx: usize, data: usize, len: i32): void {
  if (len <= 0) return;
  store<u64>(ctx, load<u64>(ctx, TOTAL) + <u64>len, TOTAL);
  let fill = load<i32>(ctx, FILL) & (BLOCK - 1);
  let rest = len;
  if (fill > 0) {
    const take = min(BLOCK - fill, rest);
    memory.copy(ctx + BUF + <usize>fill, data, <usize>take);
    fill += take;
    data += <usize>take;
    rest -= take;
    if (fill < BLOCK) {
      store<i32>(ctx, fill, FILL);
      return;
    }
    compress(ctx, ctx + BUF, 1);
  }
  const blocks = rest >> 6;
  if (blocks > 0) {
    compress(ctx, data, blocks);
    data += <usize>(blocks << 6);
    rest &= BLOCK - 1;
  }
  if (rest > 0) memory.copy(ctx + BUF, data, <usize>rest);
  store<i32>(ctx, rest, FILL);
}

/**
 * Pads (RFC 1320 sections 3.1-3.2: 0x80, zeros, 64-bit little-endian bit length), writes the 16-byte digest
 * to out and wipes ctx; call md4Init again before reusing ctx. out must not overlap ctx.
 */
export function md4Final(ctx: usize, out: usize): void {
  const buf = ctx + BUF;
  let fill = load<i32>(ctx, FILL) & (BLOCK - 1);
  const bits = load<u64>(ctx, TOTAL) << 3;
  store<u8>(buf + <usize>fill, 0x80);
  fill++;
  if (fill > BLOCK - 8) {
    memory.fill(buf + <usize>fill, 0, <usize>(BLOCK - fill));
    compress(ctx, buf, 1);
    fill = 0;
  }
  memory.fill(buf + <usize>fill, 0, <usize>(BLOCK - 8 - fill));
  store<u64>(buf, bits, BLOCK - 8);
  compress(ctx, buf, 1);
  memory.copy(out, ctx + STATE, 16);
  wipe(ctx, MD4_CTX_SIZE);
}

/** One-shot MD4 of len bytes at data into out (16 bytes); uses and wipes static scratch. */
export function md4(data: usize, len: i32, out: usize): void {
  md4Init(ONE_SHOT);
  md4Update(ONE_SHOT, data, len);
  md4Final(ONE_SHOT, out);
}

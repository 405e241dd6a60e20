// MD5 message digest (RFC 1321): HMAC-MD5 for NTLMv2 (MS-NLMP 3.3.2) and NTLM session security.
import { wipe } from "../util/bytes";

// Context layout (caller-owned raw memory): state A..D | total length in bytes | buffered bytes | block buffer.
const STATE = 0;
const TOTAL = 16;
const FILL = 24;
const BUF = 32;
const BLOCK = 64;

/** Bytes of caller-owned memory an MD5 context needs. */
export const MD5_CTX_SIZE: i32 = 96;
/** Digest length in bytes. */
export const MD5_DIGEST_SIZE: i32 = 16;

// Scratch context of the one-shot md5().
const ONE_SHOT = memory.data(MD5_CTX_SIZE, 8);

// RFC 1321 section 3.4 auxiliary functions F, G, H, I.
@inline function ff(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
@inline function gg(x: u32, y: u32, z: u32): u32 { return y ^ (z & (x ^ y)); }
@inline function hh(x: u32, y: u32, z: u32): u32 { return x ^ y ^ z; }
@inline function ii(x: u32, y: u32, z: u32): u32 { return y ^ (x | ~z); }

/**
 * RFC 1321 section 3.4: processes n whole 64-byte blocks at p (words little-endian), all 64
 * steps unrolled with T[i] = floor(2^32 * abs(sin(i))) inlined.
 */
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
    a = b + rotl<u32>(a + ff(b, c, d) + x0 + 0xd76aa478, 7);
    d = a + rotl<u32>(d + ff(a, b, c) + x1 + 0xe8c7b756, 12);
    c = d + rotl<u32>(c + ff(d, a, b) + x2 + 0x242070db, 17);
    b = c + rotl<u32>(b + ff(c, d, a) + x3 + 0xc1bdceee, 22);
    a = b + rotl<u32>(a + ff(b, c, d) + x4 + 0xf57c0faf, 7);
    d = a + rotl<u32>(d + ff(a, b, c) + x5 + 0x4787c62a, 12);
    c = d + rotl<u32>(c + ff(d, a, b) + x6 + 0xa8304613, 17);
    b = c + rotl<u32>(b + ff(c, d, a) + x7 + 0xfd469501, 22);
    a = b + rotl<u32>(a + ff(b, c, d) + x8 + 0x698098d8, 7);
    d = a + rotl<u32>(d + ff(a, b, c) + x9 + 0x8b44f7af, 12);
    c = d + rotl<u32>(c + ff(d, a, b) + x10 + 0xffff5bb1, 17);
    b = c + rotl<u32>(b + ff(c, d, a) + x11 + 0x895cd7be, 22);
    a = b + rotl<u32>(a + ff(b, c, d) + x12 + 0x6b901122, 7);
    d = a + rotl<u32>(d + ff(a, b, c) + x13 + 0xfd987193, 12);
    c = d + rotl<u32>(c + ff(d, a, b) + x14 + 0xa679438e, 17);
    b = c + rotl<u32>(b + ff(c, d, a) + x15 + 0x49b40821, 22);
    // Round 2
    a = b + rotl<u32>(a + gg(b, c, d) + x1 + 0xf61e2562, 5);
    d = a + rotl<u32>(d + gg(a, b, c) + x6 + 0xc040b340, 9);
    c = d + rotl<u32>(c + gg(d, a, b) + x11 + 0x265e5a51, 14);
    b = c + rotl<u32>(b + gg(c, d, a) + x0 + 0xe9b6c7aa, 20);
    a = b + rotl<u32>(a + gg(b, c, d) + x5 + 0xd62f105d, 5);
    d = a + rotl<u32>(d + gg(a, b, c) + x10 + 0x02441453, 9);
    c = d + rotl<u32>(c + gg(d, a, b) + x15 + 0xd8a1e681, 14);
    b = c + rotl<u32>(b + gg(c, d, a) + x4 + 0xe7d3fbc8, 20);
    a = b + rotl<u32>(a + gg(b, c, d) + x9 + 0x21e1cde6, 5);
    d = a + rotl<u32>(d + gg(a, b, c) + x14 + 0xc33707d6, 9);
    c = d + rotl<u32>(c + gg(d, a, b) + x3 + 0xf4d50d87, 14);
    b = c + rotl<u32>(b + gg(c, d, a) + x8 + 0x455a14ed, 20);
    a = b + rotl<u32>(a + gg(b, c, d) + x13 + 0xa9e3e905, 5);
    d = a + rotl<u32>(d + gg(a, b, c) + x2 + 0xfcefa3f8, 9);
    c = d + rotl<u32>(c + gg(d, a, b) + x7 + 0x676f02d9, 14);
    b = c + rotl<u32>(b + gg(c, d, a) + x12 + 0x8d2a4c8a, 20);
    // Round 3
    a = b + rotl<u32>(a + hh(b, c, d) + x5 + 0xfffa3942, 4);
    d = a + rotl<u32>(d + hh(a, b, c) + x8 + 0x8771f681, 11);
    c = d + rotl<u32>(c + hh(d, a, b) + x11 + 0x6d9d6122, 16);
    b = c + rotl<u32>(b + hh(c, d, a) + x14 + 0xfde5380c, 23);
    a = b + rotl<u32>(a + hh(b, c, d) + x1 + 0xa4beea44, 4);
    d = a + rotl<u32>(d + hh(a, b, c) + x4 + 0x4bdecfa9, 11);
    c = d + rotl<u32>(c + hh(d, a, b) + x7 + 0xf6bb4b60, 16);
    b = c + rotl<u32>(b + hh(c, d, a) + x10 + 0xbebfbc70, 23);
    a = b + rotl<u32>(a + hh(b, c, d) + x13 + 0x289b7ec6, 4);
    d = a + rotl<u32>(d + hh(a, b, c) + x0 + 0xeaa127fa, 11);
    c = d + rotl<u32>(c + hh(d, a, b) + x3 + 0xd4ef3085, 16);
    b = c + rotl<u32>(b + hh(c, d, a) + x6 + 0x04881d05, 23);
    a = b + rotl<u32>(a + hh(b, c, d) + x9 + 0xd9d4d039, 4);
    d = a + rotl<u32>(d + hh(a, b, c) + x12 + 0xe6db99e5, 11);
    c = d + rotl<u32>(c + hh(d, a, b) + x15 + 0x1fa27cf8, 16);
    b = c + rotl<u32>(b + hh(c, d, a) + x2 + 0xc4ac5665, 23);
    // Round 4
    a = b + rotl<u32>(a + ii(b, c, d) + x0 + 0xf4292244, 6);
    d = a + rotl<u32>(d + ii(a, b, c) + x7 + 0x432aff97, 10);
    c = d + rotl<u32>(c + ii(d, a, b) + x14 + 0xab9423a7, 15);
    b = c + rotl<u32>(b + ii(c, d, a) + x5 + 0xfc93a039, 21);
    a = b + rotl<u32>(a + ii(b, c, d) + x12 + 0x655b59c3, 6);
    d = a + rotl<u32>(d + ii(a, b, c) + x3 + 0x8f0ccc92, 10);
    c = d + rotl<u32>(c + ii(d, a, b) + x10 + 0xffeff47d, 15);
    b = c + rotl<u32>(b + ii(c, d, a) + x1 + 0x85845dd1, 21);
    a = b + rotl<u32>(a + ii(b, c, d) + x8 + 0x6fa87e4f, 6);
    d = a + rotl<u32>(d + ii(a, b, c) + x15 + 0xfe2ce6e0, 10);
    c = d + rotl<u32>(c + ii(d, a, b) + x6 + 0xa3014314, 15);
    b = c + rotl<u32>(b + ii(c, d, a) + x13 + 0x4e0811a1, 21);
    a = b + rotl<u32>(a + ii(b, c, d) + x4 + 0xf7537e82, 6);
    d = a + rotl<u32>(d + ii(a, b, c) + x11 + 0xbd3af235, 10);
    c = d + rotl<u32>(c + ii(d, a, b) + x2 + 0x2ad7d2bb, 15);
    b = c + rotl<u32>(b + ii(c, d, a) + x9 + 0xeb86d391, 21);
    a0 += a; b0 += b; c0 += c; d0 += d;
    p += BLOCK;
    n--;
  }
  store<u32>(ctx, a0, STATE + 0);
  store<u32>(ctx, b0, STATE + 4);
  store<u32>(ctx, c0, STATE + 8);
  store<u32>(ctx, d0, STATE + 12);
}

/** Starts an MD5 computation in ctx (MD5_CTX_SIZE bytes; RFC 1321 section 3.3). */
export function md5Init(ctx: usize): void {
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
export function md5Update(ctx: usize, data: usize, len: i32): void {
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
 * Pads (RFC 1321 sections 3.1-3.2: 0x80, zeros, 64-bit little-endian bit length), writes the 16-byte digest
 * to out and wipes ctx; call md5Init again before reusing ctx. out must not overlap ctx.
 */
export function md5Final(ctx: usize, out: usize): void {
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
  wipe(ctx, MD5_CTX_SIZE);
}

/** One-shot MD5 of len bytes at data into out (16 bytes); uses and wipes static scratch. */
export function md5(data: usize, len: i32, out: usize): void {
  md5Init(ONE_SHOT);
  md5Update(ONE_SHOT, data, len);
  md5Final(ONE_SHOT, out);
}

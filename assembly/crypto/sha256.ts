// SHA-256 hash (FIPS 180-4 sections 5.3.3, 6.2): SMB 2.x signing via HMAC, NTLM and KDF building block.
import { storeBE32, storeBE64, wipe } from "../util/bytes";

// Context layout (caller-owned raw memory): state H0..H7 | total length in bytes | buffered bytes | block buffer.
const H = 0;
const TOTAL = 32;
const FILL = 40;
const BUF = 48;
const BLOCK = 64;

/** Bytes of caller-owned memory a SHA-256 context needs. */
export const SHA256_CTX_SIZE: i32 = 112;
/** Digest length in bytes. */
export const SHA256_DIGEST_SIZE: i32 = 32;

// Scratch context of the one-shot sha256().
const ONE_SHOT = memory.data(SHA256_CTX_SIZE, 8);

// FIPS 180-4 section 4.1.2 functions (RFC 6234 names: BSIG0/1 = Σ0/1, SSIG0/1 = σ0/1).
@inline function ch(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
@inline function maj(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }
@inline function bsig0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
@inline function bsig1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
@inline function ssig0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
@inline function ssig1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }

/**
 * FIPS 180-4 section 6.2.2: runs the compression function over n whole 64-byte blocks at p.
 * All rounds are unrolled with the constants K[t] inlined and the working variables renamed
 * instead of shifted; the message schedule lives in 16 locals, W[t] in w[t mod 16].
 */
function compress(ctx: usize, p: usize, n: i32): void {
  let h0 = load<u32>(ctx, H + 0);
  let h1 = load<u32>(ctx, H + 4);
  let h2 = load<u32>(ctx, H + 8);
  let h3 = load<u32>(ctx, H + 12);
  let h4 = load<u32>(ctx, H + 16);
  let h5 = load<u32>(ctx, H + 20);
  let h6 = load<u32>(ctx, H + 24);
  let h7 = load<u32>(ctx, H + 28);
  while (n > 0) {
    let w0 = bswap<u32>(load<u32>(p, 0));
    let w1 = bswap<u32>(load<u32>(p, 4));
    let w2 = bswap<u32>(load<u32>(p, 8));
    let w3 = bswap<u32>(load<u32>(p, 12));
    let w4 = bswap<u32>(load<u32>(p, 16));
    let w5 = bswap<u32>(load<u32>(p, 20));
    let w6 = bswap<u32>(load<u32>(p, 24));
    let w7 = bswap<u32>(load<u32>(p, 28));
    let w8 = bswap<u32>(load<u32>(p, 32));
    let w9 = bswap<u32>(load<u32>(p, 36));
    let w10 = bswap<u32>(load<u32>(p, 40));
    let w11 = bswap<u32>(load<u32>(p, 44));
    let w12 = bswap<u32>(load<u32>(p, 48));
    let w13 = bswap<u32>(load<u32>(p, 52));
    let w14 = bswap<u32>(load<u32>(p, 56));
    let w15 = bswap<u32>(load<u32>(p, 60));
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    // Rounds 0..15: W[t] = M[t].
    h += bsig1(e) + ch(e, f, g) + 0x428a2f98 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    g += bsig1(d) + ch(d, e, f) + 0x71374491 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    f += bsig1(c) + ch(c, d, e) + 0xb5c0fbcf + w2; b += f; f += bsig0(g) + maj(g, h, a);
    e += bsig1(b) + ch(b, c, d) + 0xe9b5dba5 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    d += bsig1(a) + ch(a, b, c) + 0x3956c25b + w4; h += d; d += bsig0(e) + maj(e, f, g);
    c += bsig1(h) + ch(h, a, b) + 0x59f111f1 + w5; g += c; c += bsig0(d) + maj(d, e, f);
    b += bsig1(g) + ch(g, h, a) + 0x923f82a4 + w6; f += b; b += bsig0(c) + maj(c, d, e);
    a += bsig1(f) + ch(f, g, h) + 0xab1c5ed5 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    h += bsig1(e) + ch(e, f, g) + 0xd807aa98 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    g += bsig1(d) + ch(d, e, f) + 0x12835b01 + w9; c += g; g += bsig0(h) + maj(h, a, b);
    f += bsig1(c) + ch(c, d, e) + 0x243185be + w10; b += f; f += bsig0(g) + maj(g, h, a);
    e += bsig1(b) + ch(b, c, d) + 0x550c7dc3 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    d += bsig1(a) + ch(a, b, c) + 0x72be5d74 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    c += bsig1(h) + ch(h, a, b) + 0x80deb1fe + w13; g += c; c += bsig0(d) + maj(d, e, f);
    b += bsig1(g) + ch(g, h, a) + 0x9bdc06a7 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    a += bsig1(f) + ch(f, g, h) + 0xc19bf174 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 16..31: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0xe49b69c1 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0xefbe4786 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x0fc19dc6 + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x240ca1cc + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x2de92c6f + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x4a7484aa + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x5cb0a9dc + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x76f988da + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0x983e5152 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0xa831c66d + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0xb00327c8 + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0xbf597fc7 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0xc6e00bf3 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xd5a79147 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0x06ca6351 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0x14292967 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 32..47: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0x27b70a85 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0x2e1b2138 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x4d2c6dfc + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x53380d13 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x650a7354 + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x766a0abb + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x81c2c92e + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x92722c85 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0xa2bfe8a1 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0xa81a664b + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0xc24b8b70 + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0xc76c51a3 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0xd192e819 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xd6990624 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0xf40e3585 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0x106aa070 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 48..63: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0x19a4c116 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0x1e376c08 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x2748774c + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x34b0bcb5 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x391c0cb3 + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x4ed8aa4a + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x5b9cca4f + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x682e6ff3 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0x748f82ee + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0x78a5636f + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0x84c87814 + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0x8cc70208 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0x90befffa + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xa4506ceb + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0xbef9a3f7 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0xc67178f2 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
    p += BLOCK;
    n--;
  }
  store<u32>(ctx, h0, H + 0);
  store<u32>(ctx, h1, H + 4);
  store<u32>(ctx, h2, H + 8);
  store<u32>(ctx, h3, H + 12);
  store<u32>(ctx, h4, H + 16);
  store<u32>(ctx, h5, H + 20);
  store<u32>(ctx, h6, H + 24);
  store<u32>(ctx, h7, H + 28);
}

/** Starts a SHA-256 computation in ctx (SHA256_CTX_SIZE bytes; FIPS 180-4 section 5.3.3). */
export function sha256Init(ctx: usize): void {
  store<u32>(ctx, 0x6a09e667, H + 0);
  store<u32>(ctx, 0xbb67ae85, H + 4);
  store<u32>(ctx, 0x3c6ef372, H + 8);
  store<u32>(ctx, 0xa54ff53a, H + 12);
  store<u32>(ctx, 0x510e527f, H + 16);
  store<u32>(ctx, 0x9b05688c, H + 20);
  store<u32>(ctx, 0x1f83d9ab, H + 24);
  store<u32>(ctx, 0x5be0cd19, H + 28);
  store<u64>(ctx, 0, TOTAL);
  store<i32>(ctx, 0, FILL);
}

/**
 * Hashes len more bytes at data (any len; len <= 0 does nothing). Whole blocks are compressed
 * straight from data; only a partial block is copied into the context.
 */
export function sha256Update(ctx: usize, data: usize, len: i32): void {
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
 * Pads (FIPS 180-4 section 5.1.1), writes the 32-byte digest to out and wipes ctx; call
 * sha256Init again before reusing ctx. out must not overlap ctx.
 */
export function sha256Final(ctx: usize, out: usize): void {
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
  storeBE64(buf + BLOCK - 8, bits);
  compress(ctx, buf, 1);
  for (let i: usize = 0; i < 32; i += 4) storeBE32(out + i, load<u32>(ctx + H + i));
  wipe(ctx, SHA256_CTX_SIZE);
}

/** One-shot SHA-256 of len bytes at data into out (32 bytes); uses and wipes static scratch. */
export function sha256(data: usize, len: i32, out: usize): void {
  sha256Init(ONE_SHOT);
  sha256Update(ONE_SHOT, data, len);
  sha256Final(ONE_SHOT, out);
}

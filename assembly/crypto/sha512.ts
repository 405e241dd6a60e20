// SHA-512 hash (FIPS 180-4 sections 5.3.5, 6.4): the SMB 3.1.1 preauthentication integrity hash.
import { storeBE64, wipe } from "../util/bytes";

// Context layout (caller-owned raw memory): state H0..H7 | total length in bytes | buffered bytes | block buffer.
const H = 0;
const TOTAL = 64;
const FILL = 72;
const BUF = 80;
const BLOCK = 128;

/** Bytes of caller-owned memory a SHA-512 context needs. */
export const SHA512_CTX_SIZE: i32 = 208;
/** Digest length in bytes. */
export const SHA512_DIGEST_SIZE: i32 = 64;

// Scratch context of the one-shot sha512().
const ONE_SHOT = memory.data(SHA512_CTX_SIZE, 8);

// FIPS 180-4 section 4.1.3 functions (RFC 6234 names: BSIG0/1 = Σ0/1, SSIG0/1 = σ0/1).
@inline function ch(x: u64, y: u64, z: u64): u64 { return z ^ (x & (y ^ z)); }
@inline function maj(x: u64, y: u64, z: u64): u64 { return (x & y) | (z & (x | y)); }
@inline function bsig0(x: u64): u64 { return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39); }
@inline function bsig1(x: u64): u64 { return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41); }
@inline function ssig0(x: u64): u64 { return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >>> 7); }
@inline function ssig1(x: u64): u64 { return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >>> 6); }

/**
 * FIPS 180-4 section 6.4.2: runs the compression function over n whole 128-byte blocks at p.
 * All rounds are unrolled with the constants K[t] inlined and the working variables renamed
 * instead of shifted; the message schedule lives in 16 locals, W[t] in w[t mod 16].
 */
function compress(ctx: usize, p: usize, n: i32): void {
  let h0 = load<u64>(ctx, H + 0);
  let h1 = load<u64>(ctx, H + 8);
  let h2 = load<u64>(ctx, H + 16);
  let h3 = load<u64>(ctx, H + 24);
  let h4 = load<u64>(ctx, H + 32);
  let h5 = load<u64>(ctx, H + 40);
  let h6 = load<u64>(ctx, H + 48);
  let h7 = load<u64>(ctx, H + 56);
  while (n > 0) {
    let w0 = bswap<u64>(load<u64>(p, 0));
    let w1 = bswap<u64>(load<u64>(p, 8));
    let w2 = bswap<u64>(load<u64>(p, 16));
    let w3 = bswap<u64>(load<u64>(p, 24));
    let w4 = bswap<u64>(load<u64>(p, 32));
    let w5 = bswap<u64>(load<u64>(p, 40));
    let w6 = bswap<u64>(load<u64>(p, 48));
    let w7 = bswap<u64>(load<u64>(p, 56));
    let w8 = bswap<u64>(load<u64>(p, 64));
    let w9 = bswap<u64>(load<u64>(p, 72));
    let w10 = bswap<u64>(load<u64>(p, 80));
    let w11 = bswap<u64>(load<u64>(p, 88));
    let w12 = bswap<u64>(load<u64>(p, 96));
    let w13 = bswap<u64>(load<u64>(p, 104));
    let w14 = bswap<u64>(load<u64>(p, 112));
    let w15 = bswap<u64>(load<u64>(p, 120));
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    // Rounds 0..15: W[t] = M[t].
    h += bsig1(e) + ch(e, f, g) + 0x428a2f98d728ae22 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    g += bsig1(d) + ch(d, e, f) + 0x7137449123ef65cd + w1; c += g; g += bsig0(h) + maj(h, a, b);
    f += bsig1(c) + ch(c, d, e) + 0xb5c0fbcfec4d3b2f + w2; b += f; f += bsig0(g) + maj(g, h, a);
    e += bsig1(b) + ch(b, c, d) + 0xe9b5dba58189dbbc + w3; a += e; e += bsig0(f) + maj(f, g, h);
    d += bsig1(a) + ch(a, b, c) + 0x3956c25bf348b538 + w4; h += d; d += bsig0(e) + maj(e, f, g);
    c += bsig1(h) + ch(h, a, b) + 0x59f111f1b605d019 + w5; g += c; c += bsig0(d) + maj(d, e, f);
    b += bsig1(g) + ch(g, h, a) + 0x923f82a4af194f9b + w6; f += b; b += bsig0(c) + maj(c, d, e);
    a += bsig1(f) + ch(f, g, h) + 0xab1c5ed5da6d8118 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    h += bsig1(e) + ch(e, f, g) + 0xd807aa98a3030242 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    g += bsig1(d) + ch(d, e, f) + 0x12835b0145706fbe + w9; c += g; g += bsig0(h) + maj(h, a, b);
    f += bsig1(c) + ch(c, d, e) + 0x243185be4ee4b28c + w10; b += f; f += bsig0(g) + maj(g, h, a);
    e += bsig1(b) + ch(b, c, d) + 0x550c7dc3d5ffb4e2 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    d += bsig1(a) + ch(a, b, c) + 0x72be5d74f27b896f + w12; h += d; d += bsig0(e) + maj(e, f, g);
    c += bsig1(h) + ch(h, a, b) + 0x80deb1fe3b1696b1 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    b += bsig1(g) + ch(g, h, a) + 0x9bdc06a725c71235 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    a += bsig1(f) + ch(f, g, h) + 0xc19bf174cf692694 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 16..31: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0xe49b69c19ef14ad2 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0xefbe4786384f25e3 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x0fc19dc68b8cd5b5 + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x240ca1cc77ac9c65 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x2de92c6f592b0275 + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x4a7484aa6ea6e483 + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x5cb0a9dcbd41fbd4 + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x76f988da831153b5 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0x983e5152ee66dfab + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0xa831c66d2db43210 + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0xb00327c898fb213f + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0xbf597fc7beef0ee4 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0xc6e00bf33da88fc2 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xd5a79147930aa725 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0x06ca6351e003826f + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0x142929670a0e6e70 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 32..47: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0x27b70a8546d22ffc + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0x2e1b21385c26c926 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x4d2c6dfc5ac42aed + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x53380d139d95b3df + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x650a73548baf63de + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x766a0abb3c77b2a8 + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x81c2c92e47edaee6 + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x92722c851482353b + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0xa2bfe8a14cf10364 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0xa81a664bbc423001 + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0xc24b8b70d0f89791 + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0xc76c51a30654be30 + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0xd192e819d6ef5218 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xd69906245565a910 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0xf40e35855771202a + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0x106aa07032bbd1b8 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 48..63: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0x19a4c116b8d2d0c8 + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0x1e376c085141ab53 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0x2748774cdf8eeb99 + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0x34b0bcb5e19b48a8 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x391c0cb3c5c95a63 + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x4ed8aa4ae3418acb + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x5b9cca4f7763e373 + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x682e6ff3d6b2b8a3 + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0x748f82ee5defb2fc + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0x78a5636f43172f60 + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0x84c87814a1f0ab72 + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0x8cc702081a6439ec + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0x90befffa23631e28 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0xa4506cebde82bde9 + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0xbef9a3f7b2c67915 + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0xc67178f2e372532b + w15; e += a; a += bsig0(b) + maj(b, c, d);
    // Rounds 64..79: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], into w[t mod 16].
    w0 += ssig1(w14) + w9 + ssig0(w1);
    h += bsig1(e) + ch(e, f, g) + 0xca273eceea26619c + w0; d += h; h += bsig0(a) + maj(a, b, c);
    w1 += ssig1(w15) + w10 + ssig0(w2);
    g += bsig1(d) + ch(d, e, f) + 0xd186b8c721c0c207 + w1; c += g; g += bsig0(h) + maj(h, a, b);
    w2 += ssig1(w0) + w11 + ssig0(w3);
    f += bsig1(c) + ch(c, d, e) + 0xeada7dd6cde0eb1e + w2; b += f; f += bsig0(g) + maj(g, h, a);
    w3 += ssig1(w1) + w12 + ssig0(w4);
    e += bsig1(b) + ch(b, c, d) + 0xf57d4f7fee6ed178 + w3; a += e; e += bsig0(f) + maj(f, g, h);
    w4 += ssig1(w2) + w13 + ssig0(w5);
    d += bsig1(a) + ch(a, b, c) + 0x06f067aa72176fba + w4; h += d; d += bsig0(e) + maj(e, f, g);
    w5 += ssig1(w3) + w14 + ssig0(w6);
    c += bsig1(h) + ch(h, a, b) + 0x0a637dc5a2c898a6 + w5; g += c; c += bsig0(d) + maj(d, e, f);
    w6 += ssig1(w4) + w15 + ssig0(w7);
    b += bsig1(g) + ch(g, h, a) + 0x113f9804bef90dae + w6; f += b; b += bsig0(c) + maj(c, d, e);
    w7 += ssig1(w5) + w0 + ssig0(w8);
    a += bsig1(f) + ch(f, g, h) + 0x1b710b35131c471b + w7; e += a; a += bsig0(b) + maj(b, c, d);
    w8 += ssig1(w6) + w1 + ssig0(w9);
    h += bsig1(e) + ch(e, f, g) + 0x28db77f523047d84 + w8; d += h; h += bsig0(a) + maj(a, b, c);
    w9 += ssig1(w7) + w2 + ssig0(w10);
    g += bsig1(d) + ch(d, e, f) + 0x32caab7b40c72493 + w9; c += g; g += bsig0(h) + maj(h, a, b);
    w10 += ssig1(w8) + w3 + ssig0(w11);
    f += bsig1(c) + ch(c, d, e) + 0x3c9ebe0a15c9bebc + w10; b += f; f += bsig0(g) + maj(g, h, a);
    w11 += ssig1(w9) + w4 + ssig0(w12);
    e += bsig1(b) + ch(b, c, d) + 0x431d67c49c100d4c + w11; a += e; e += bsig0(f) + maj(f, g, h);
    w12 += ssig1(w10) + w5 + ssig0(w13);
    d += bsig1(a) + ch(a, b, c) + 0x4cc5d4becb3e42b6 + w12; h += d; d += bsig0(e) + maj(e, f, g);
    w13 += ssig1(w11) + w6 + ssig0(w14);
    c += bsig1(h) + ch(h, a, b) + 0x597f299cfc657e2a + w13; g += c; c += bsig0(d) + maj(d, e, f);
    w14 += ssig1(w12) + w7 + ssig0(w15);
    b += bsig1(g) + ch(g, h, a) + 0x5fcb6fab3ad6faec + w14; f += b; b += bsig0(c) + maj(c, d, e);
    w15 += ssig1(w13) + w8 + ssig0(w0);
    a += bsig1(f) + ch(f, g, h) + 0x6c44198c4a475817 + w15; e += a; a += bsig0(b) + maj(b, c, d);
    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
    p += BLOCK;
    n--;
  }
  store<u64>(ctx, h0, H + 0);
  store<u64>(ctx, h1, H + 8);
  store<u64>(ctx, h2, H + 16);
  store<u64>(ctx, h3, H + 24);
  store<u64>(ctx, h4, H + 32);
  store<u64>(ctx, h5, H + 40);
  store<u64>(ctx, h6, H + 48);
  store<u64>(ctx, h7, H + 56);
}

/** Starts a SHA-512 computation in ctx (SHA512_CTX_SIZE bytes; FIPS 180-4 section 5.3.5). */
export function sha512Init(ctx: usize): void {
  store<u64>(ctx, 0x6a09e667f3bcc908, H + 0);
  store<u64>(ctx, 0xbb67ae8584caa73b, H + 8);
  store<u64>(ctx, 0x3c6ef372fe94f82b, H + 16);
  store<u64>(ctx, 0xa54ff53a5f1d36f1, H + 24);
  store<u64>(ctx, 0x510e527fade682d1, H + 32);
  store<u64>(ctx, 0x9b05688c2b3e6c1f, H + 40);
  store<u64>(ctx, 0x1f83d9abfb41bd6b, H + 48);
  store<u64>(ctx, 0x5be0cd19137e2179, H + 56);
  store<u64>(ctx, 0, TOTAL);
  store<i32>(ctx, 0, FILL);
}

/**
 * Hashes len more bytes at data (any len; len <= 0 does nothing). Whole blocks are compressed
 * straight from data; only a partial block is copied into the context.
 */
export function sha512Update(ctx: usize, data: usize, len: i32): void {
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
  const blocks = rest >> 7;
  if (blocks > 0) {
    compress(ctx, data, blocks);
    data += <usize>(blocks << 7);
    rest &= BLOCK - 1;
  }
  if (rest > 0) memory.copy(ctx + BUF, data, <usize>rest);
  store<i32>(ctx, rest, FILL);
}

/**
 * Pads (FIPS 180-4 section 5.1.2, 128-bit length), writes the 64-byte digest to out and wipes
 * ctx; call sha512Init again before reusing ctx. out must not overlap ctx.
 */
export function sha512Final(ctx: usize, out: usize): void {
  const buf = ctx + BUF;
  let fill = load<i32>(ctx, FILL) & (BLOCK - 1);
  const total = load<u64>(ctx, TOTAL);
  store<u8>(buf + <usize>fill, 0x80);
  fill++;
  if (fill > BLOCK - 16) {
    memory.fill(buf + <usize>fill, 0, <usize>(BLOCK - fill));
    compress(ctx, buf, 1);
    fill = 0;
  }
  memory.fill(buf + <usize>fill, 0, <usize>(BLOCK - 16 - fill));
  storeBE64(buf + BLOCK - 16, total >>> 61);
  storeBE64(buf + BLOCK - 8, total << 3);
  compress(ctx, buf, 1);
  for (let i: usize = 0; i < 64; i += 8) storeBE64(out + i, load<u64>(ctx + H + i));
  wipe(ctx, SHA512_CTX_SIZE);
}

/** One-shot SHA-512 of len bytes at data into out (64 bytes); uses and wipes static scratch. */
export function sha512(data: usize, len: i32, out: usize): void {
  sha512Init(ONE_SHOT);
  sha512Update(ONE_SHOT, data, len);
  sha512Final(ONE_SHOT, out);
}

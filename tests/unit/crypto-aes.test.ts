// Unit tests for assembly/crypto/{aes,cmac,gcm,ccm}.ts: published vectors (FIPS 197, RFC 4493,
// McGrew-Viega GCM test cases, SP 800-38C appendix C, RFC 3610, Microsoft SMB 3.x encryption
// blog examples), cross-checks against node:crypto, in-place and unaligned buffers, tampering.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createCipheriv, randomBytes, type CipherCCMTypes, type CipherGCMTypes } from "node:crypto";
import { loadTestModule, hex, unhex } from "../helpers/wasm.ts";

const m = loadTestModule("crypto_aes");
const x = m.exports;

// ---- wasm-side helpers -------------------------------------------------------------------

/** Copies bytes to module memory at an address offset by `skew` from the allocation. */
function putAt(b: Uint8Array, skew = 0): { base: number; p: number } {
  const base = m.alloc(b.length + skew + 1);
  new Uint8Array(x.memory.buffer).set(b, base + skew);
  return { base, p: base + skew };
}

function withCtx<T>(size: number, f: (ctx: number) => T): T {
  const ctx = m.alloc(size);
  try {
    return f(ctx);
  } finally {
    m.free(ctx);
  }
}

function aesBlock(key: Uint8Array, pt: Uint8Array, inPlace = false): Uint8Array {
  return withCtx(x.aes_ctx_size(), (ctx) => {
    const k = m.put(key);
    assert.is(x.aes_init(ctx, k, key.length), 1);
    const s = m.put(pt);
    const d = inPlace ? s : m.alloc(16);
    x.aes_encrypt_block(ctx, s, d);
    const out = m.get(d, 16);
    m.free(k);
    m.free(s);
    if (!inPlace) m.free(d);
    return out;
  });
}

function cmacOneShot(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = m.put(key);
  const d = putAt(data, 3);
  const o = m.alloc(16);
  x.aes_cmac(k, key.length, d.p, data.length, o);
  const out = m.get(o, 16);
  m.free(k);
  m.free(d.base);
  m.free(o);
  return out;
}

/** Streaming CMAC with the message split at the given cut points; the context is reused. */
function cmacStream(ctx: number, data: Uint8Array, cuts: number[]): Uint8Array {
  const d = putAt(data, 1);
  const o = m.alloc(16);
  let last = 0;
  for (const c of [...cuts, data.length]) {
    x.cmac_update(ctx, d.p + last, c - last);
    last = c;
  }
  x.cmac_final(ctx, o);
  const out = m.get(o, 16);
  m.free(d.base);
  m.free(o);
  return out;
}

interface Sealed {
  ct: Uint8Array;
  tag: Uint8Array;
  ok: boolean;
}

interface AeadArgs {
  key: Uint8Array;
  nonce: Uint8Array;
  aad: Uint8Array;
  data: Uint8Array;
  tag?: Uint8Array;
  tagLen?: number;
  inPlace?: boolean;
  skew?: number;
}

/** Runs gcm/ccm seal or open in wasm; for open, `data` is the ciphertext and `tag` is checked. */
function aead(mode: "gcm" | "ccm", op: "seal" | "open", a: AeadArgs): Sealed {
  const tagLen = a.tagLen ?? 16;
  const size = mode === "gcm" ? x.gcm_ctx_size() : x.ccm_ctx_size();
  return withCtx(size, (ctx) => {
    const k = m.put(a.key);
    assert.is(mode === "gcm" ? x.gcm_init(ctx, k, a.key.length) : x.ccm_init(ctx, k, a.key.length), 1);
    const n = m.put(a.nonce);
    const ad = putAt(a.aad, (a.skew ?? 0) + 5);
    const s = putAt(a.data, a.skew ?? 0);
    const d = a.inPlace ? s : putAt(new Uint8Array(a.data.length).fill(0xa5), (a.skew ?? 0) + 2);
    const t = m.put(a.tag ?? new Uint8Array(16));
    let ok = 1;
    if (mode === "gcm" && op === "seal") {
      x.gcm_seal(ctx, n, ad.p, a.aad.length, s.p, d.p, a.data.length, t);
    } else if (mode === "gcm") {
      ok = x.gcm_open(ctx, n, ad.p, a.aad.length, s.p, d.p, a.data.length, t);
    } else {
      const f = op === "seal" ? x.ccm_seal : x.ccm_open;
      ok = f(ctx, n, a.nonce.length, ad.p, a.aad.length, s.p, d.p, a.data.length, t, tagLen);
    }
    const r = { ct: m.get(d.p, a.data.length), tag: m.get(t, tagLen), ok: ok === 1 };
    for (const p of [k, n, ad.base, s.base, t]) m.free(p);
    if (!a.inPlace) m.free(d.base);
    return r;
  });
}

function gmacWasm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): Uint8Array {
  return withCtx(x.gcm_ctx_size(), (ctx) => {
    const k = m.put(key);
    assert.is(x.gcm_init(ctx, k, key.length), 1);
    const n = m.put(nonce);
    const ad = putAt(aad, 7);
    const t = m.alloc(16);
    x.gcm_gmac(ctx, n, ad.p, aad.length, t);
    const out = m.get(t, 16);
    for (const p of [k, n, ad.base, t]) m.free(p);
    return out;
  });
}

// ---- node:crypto references --------------------------------------------------------------

function nodeAead(mode: "gcm" | "ccm", key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagLen = 16) {
  const bits = key.length * 8;
  if (mode === "ccm") {
    const c = createCipheriv(`aes-${bits}-ccm` as CipherCCMTypes, key, nonce, { authTagLength: tagLen });
    c.setAAD(aad, { plaintextLength: pt.length });
    const ct = Buffer.concat([c.update(pt), c.final()]);
    return { ct: new Uint8Array(ct), tag: new Uint8Array(c.getAuthTag()) };
  }
  const c = createCipheriv(`aes-${bits}-gcm` as CipherGCMTypes, key, nonce);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct: new Uint8Array(ct), tag: new Uint8Array(c.getAuthTag()) };
}

function ecb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(block));
}

/** Reference AES-CMAC (RFC 4493 section 2.4) on top of node's AES-ECB. */
function refCmac(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const dbl = (b: Uint8Array) => {
    const o = new Uint8Array(16);
    for (let i = 0; i < 16; i++) o[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
    if (b[0] & 0x80) o[15] ^= 0x87;
    return o;
  };
  const k1 = dbl(ecb(key, new Uint8Array(16)));
  const k2 = dbl(k1);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  let xs: Uint8Array = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    const blk = new Uint8Array(16);
    const part = msg.subarray(i * 16, i * 16 + 16);
    blk.set(part);
    if (i === n - 1) {
      if (!complete) blk[part.length] = 0x80;
      const kk = complete ? k1 : k2;
      for (let j = 0; j < 16; j++) blk[j] ^= kk[j];
    }
    for (let j = 0; j < 16; j++) blk[j] ^= xs[j];
    xs = ecb(key, blk);
  }
  return xs;
}

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const eq = (a: Uint8Array, b: Uint8Array, msg?: string) => assert.is(hex(a), hex(b), msg);

// ---- AES ---------------------------------------------------------------------------------

test("FIPS 197 appendix C.1 (AES-128) and C.3 (AES-256)", () => {
  const pt = unhex("00112233445566778899aabbccddeeff");
  eq(aesBlock(unhex("000102030405060708090a0b0c0d0e0f"), pt), unhex("69c4e0d86a7b0430d8cdb78070b4c55a"));
  const k256 = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  eq(aesBlock(k256, pt), unhex("8ea2b7ca516745bfeafc49904b496089"));
  eq(aesBlock(k256, pt, true), unhex("8ea2b7ca516745bfeafc49904b496089"), "in place");
});

test("aesInit accepts only 16- and 32-byte keys", () => {
  withCtx(x.aes_ctx_size(), (ctx) => {
    const k = m.put(rnd(64));
    for (const len of [-1, 0, 1, 15, 17, 24, 31, 33, 64]) assert.is(x.aes_init(ctx, k, len), 0, `len ${len}`);
    assert.is(x.aes_init(ctx, k, 16), 1);
    assert.is(x.aes_init(ctx, k, 32), 1);
    m.free(k);
  });
});

test("AES block matches node aes-128-ecb / aes-256-ecb on random keys and blocks", () => {
  for (let i = 0; i < 200; i++) {
    const key = rnd(i & 1 ? 32 : 16);
    const pt = rnd(16);
    eq(aesBlock(key, pt, i % 3 === 0), ecb(key, pt), `iteration ${i}`);
  }
});

// ---- CMAC --------------------------------------------------------------------------------

const CMAC_KEY = unhex("2b7e151628aed2a6abf7158809cf4f3c");
const CMAC_MSG = unhex(
  "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51" +
    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
);
const CMAC_EXAMPLES: [number, string][] = [
  [0, "bb1d6929e95937287fa37d129b756746"],
  [16, "070a16b46b4d4144f79bdd9dd04a287c"],
  [40, "dfa66747de9ae63030ca32611497c827"],
  [64, "51f0bebf7e3b9d92fc49741779363cfe"],
];

test("RFC 4493 section 4 examples 1-4 (one-shot and streaming at every split)", () => {
  for (const [len, tag] of CMAC_EXAMPLES) {
    const msg = CMAC_MSG.subarray(0, len);
    eq(cmacOneShot(CMAC_KEY, msg), unhex(tag), `one-shot len ${len}`);
    withCtx(x.cmac_ctx_size(), (ctx) => {
      const k = m.put(CMAC_KEY);
      assert.is(x.cmac_init(ctx, k, 16), 1);
      m.free(k);
      eq(cmacStream(ctx, msg, []), unhex(tag), `stream len ${len}`);
      for (let a = 0; a <= len; a++) {
        for (let b = a; b <= len; b += 5) eq(cmacStream(ctx, msg, [a, b]), unhex(tag), `len ${len} cuts ${a},${b}`);
      }
    });
  }
});

test("CMAC matches a node-based RFC 4493 reference for lengths 0..600, both key sizes", () => {
  for (const kl of [16, 32]) {
    const key = rnd(kl);
    const data = rnd(600);
    withCtx(x.cmac_ctx_size(), (ctx) => {
      const k = m.put(key);
      assert.is(x.cmac_init(ctx, k, kl), 1);
      m.free(k);
      for (let len = 0; len <= 600; len++) {
        const msg = data.subarray(0, len);
        const want = refCmac(key, msg);
        eq(cmacOneShot(key, msg), want, `one-shot ${kl} ${len}`);
        const cuts = [Math.floor(len / 3), Math.floor(len / 2)].sort((p, q) => p - q);
        eq(cmacStream(ctx, msg, cuts), want, `stream ${kl} ${len}`);
      }
    });
  }
  const big = rnd((1 << 20) + 13);
  const key = rnd(16);
  eq(cmacOneShot(key, big), refCmac(key, big), "1 MiB + 13");
});

test("CMAC rejects bad keys: cmacInit false, aesCmac writes a zero tag", () => {
  withCtx(x.cmac_ctx_size(), (ctx) => {
    const k = m.put(rnd(32));
    assert.is(x.cmac_init(ctx, k, 24), 0);
    m.free(k);
  });
  const o = m.put(new Uint8Array(16).fill(0xff));
  const k = m.put(rnd(16));
  x.aes_cmac(k, 20, k, 16, o);
  eq(m.get(o, 16), new Uint8Array(16));
  m.free(o);
  m.free(k);
});

// ---- GCM ---------------------------------------------------------------------------------

const P3 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const A4 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const K3 = "feffe9928665731c6d6a8f9467308308";
const Z96 = "000000000000000000000000";
const IV3 = "cafebabefacedbaddecaf888";
const C3 = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
const C15 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases: [name, K, IV, P, A, C, T]
const GCM_CASES: string[][] = [
  ["1", "0".repeat(32), Z96, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"],
  ["2", "0".repeat(32), Z96, "0".repeat(32), "", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"],
  ["3", K3, IV3, P3, "", C3, "4d5c2af327cd64a62cf35abd2ba6fab4"],
  ["4", K3, IV3, P3.slice(0, 120), A4, C3.slice(0, 120), "5bc94fbc3221a5db94fae95ae7121a47"],
  ["13", "0".repeat(64), Z96, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"],
  ["14", "0".repeat(64), Z96, "0".repeat(32), "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"],
  ["15", K3 + K3, IV3, P3, "", C15, "b094dac5d93471bdec1a502270e3cc6c"],
  ["16", K3 + K3, IV3, P3.slice(0, 120), A4, C15.slice(0, 120), "76fc6ece0f4e1768cddf8853bb2d551b"],
];

test("GCM spec test cases 1-4 and 13-16 (seal, open, GMAC for the empty plaintexts)", () => {
  for (const [name, k, iv, p, a, c, t] of GCM_CASES) {
    const base = { key: unhex(k), nonce: unhex(iv), aad: unhex(a) };
    const s = aead("gcm", "seal", { ...base, data: unhex(p) });
    assert.is(hex(s.ct), c, `case ${name} ciphertext`);
    assert.is(hex(s.tag), t, `case ${name} tag`);
    const o = aead("gcm", "open", { ...base, data: unhex(c), tag: unhex(t), inPlace: true });
    assert.ok(o.ok, `case ${name} open`);
    assert.is(hex(o.ct), p, `case ${name} plaintext`);
    if (p === "") assert.is(hex(gmacWasm(base.key, base.nonce, base.aad)), t, `case ${name} gmac`);
  }
});

test("GCM matches node aes-128/256-gcm for lengths 0..600 (in place, unaligned) and 1 MiB", () => {
  for (const kl of [16, 32]) {
    const key = rnd(kl);
    for (let len = 0; len <= 600; len++) {
      const nonce = rnd(12);
      const aad = rnd((len * 7) % 53);
      const pt = rnd(len);
      const want = nodeAead("gcm", key, nonce, aad, pt);
      const inPlace = len % 2 === 0;
      const skew = len % 5;
      const s = aead("gcm", "seal", { key, nonce, aad, data: pt, inPlace, skew });
      eq(s.ct, want.ct, `seal ct ${kl} ${len}`);
      eq(s.tag, want.tag, `seal tag ${kl} ${len}`);
      const o = aead("gcm", "open", { key, nonce, aad, data: want.ct, tag: want.tag, inPlace: !inPlace, skew });
      assert.ok(o.ok, `open ${kl} ${len}`);
      eq(o.ct, pt, `open pt ${kl} ${len}`);
    }
  }
  const key = rnd(16);
  const nonce = rnd(12);
  const aad = rnd(52);
  const pt = rnd((1 << 20) + 7);
  const want = nodeAead("gcm", key, nonce, aad, pt);
  const s = aead("gcm", "seal", { key, nonce, aad, data: pt, inPlace: true, skew: 1 });
  assert.ok(Buffer.from(s.ct).equals(want.ct), "1 MiB ciphertext");
  eq(s.tag, want.tag, "1 MiB tag");
});

test("GMAC equals node GCM with empty plaintext for AAD lengths 0..600", () => {
  const key = rnd(16);
  for (let len = 0; len <= 600; len++) {
    const nonce = rnd(12);
    const aad = rnd(len);
    eq(gmacWasm(key, nonce, aad), nodeAead("gcm", key, nonce, aad, new Uint8Array(0)).tag, `aad ${len}`);
  }
});

/** Flips every bit of ciphertext, tag, aad and nonce in turn; open must fail and zero dst. */
function tamperAll(mode: "gcm" | "ccm", key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, tagLen = 16) {
  const s = aead(mode, "seal", { key, nonce, aad, data: pt, tagLen });
  assert.ok(s.ok);
  const good = aead(mode, "open", { key, nonce, aad, data: s.ct, tag: s.tag, tagLen });
  assert.ok(good.ok, "untampered opens");
  const parts = { ct: s.ct, tag: s.tag, aad, nonce };
  for (const which of ["ct", "tag", "aad", "nonce"] as const) {
    for (let bit = 0; bit < parts[which].length * 8; bit++) {
      const v = { ...parts, [which]: parts[which].slice() };
      v[which][bit >> 3] ^= 1 << (bit & 7);
      for (const inPlace of [false, true]) {
        const o = aead(mode, "open", { key, nonce: v.nonce, aad: v.aad, data: v.ct, tag: v.tag, tagLen, inPlace });
        assert.not.ok(o.ok, `${mode} ${which} bit ${bit}`);
        eq(o.ct, new Uint8Array(pt.length), `${mode} ${which} bit ${bit}: output zeroed`);
      }
    }
  }
}

test("GCM open fails and zeroes the output on any flipped bit", () => {
  tamperAll("gcm", rnd(16), rnd(12), rnd(20), rnd(37));
  tamperAll("gcm", rnd(32), rnd(12), rnd(3), rnd(16));
});

test("GCM init rejects bad keys; negative lengths do not trap", () => {
  withCtx(x.gcm_ctx_size(), (ctx) => {
    const k = m.put(rnd(32));
    assert.is(x.gcm_init(ctx, k, 24), 0);
    assert.is(x.gcm_init(ctx, k, 16), 1);
    const b = m.alloc(64);
    assert.is(x.gcm_open(ctx, b, b, -1, b, b, 0, b), 0);
    assert.is(x.gcm_open(ctx, b, b, 0, b, b, -16, b), 0);
    x.gcm_seal(ctx, b, b, 0, b, b, -1, b + 32);
    eq(m.get(b + 32, 16), new Uint8Array(16), "zero tag for a negative length");
    m.free(k);
    m.free(b);
  });
});

// ---- CCM ---------------------------------------------------------------------------------

const K40 = "404142434445464748494a4b4c4d4e4f";
const KC0 = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf";
const AAD64K = hex(new Uint8Array(65536).map((_, i) => i & 255));
// [name, K, N, A, P, C, T]: SP 800-38C appendix C examples 1-4, RFC 3610 packet vectors 1-3.
const CCM_CASES: string[][] = [
  ["C.1", K40, "10111213141516", "0001020304050607", "20212223", "7162015b", "4dac255d"],
  ["C.2", K40, "1011121314151617", "000102030405060708090a0b0c0d0e0f", "202122232425262728292a2b2c2d2e2f",
    "d2a1f0e051ea5f62081a7792073d593d", "1fc64fbfaccd"],
  ["C.3", K40, "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
    "202122232425262728292a2b2c2d2e2f3031323334353637", "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
    "484392fbc1b09951"],
  ["C.4", K40, "101112131415161718191a1b1c", AAD64K,
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
    "69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72", "b4ac6bec93e8598e7f0dadbcea5b"],
  ["RFC 3610 #1", KC0, "00000003020100a0a1a2a3a4a5", "0001020304050607",
    "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e", "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
    "17e8d12cfdf926e0"],
  ["RFC 3610 #2", KC0, "00000004030201a0a1a2a3a4a5", "0001020304050607",
    "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b",
    "a091d56e10400916"],
  ["RFC 3610 #3", KC0, "00000005040302a0a1a2a3a4a5", "0001020304050607",
    "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657",
    "4adaa76fbd9fb0c5"],
];

test("SP 800-38C appendix C examples 1-4 and RFC 3610 packet vectors 1-3", () => {
  for (const [name, k, n, a, p, c, t] of CCM_CASES) {
    const base = { key: unhex(k), nonce: unhex(n), aad: unhex(a), tagLen: t.length / 2 };
    const s = aead("ccm", "seal", { ...base, data: unhex(p) });
    assert.ok(s.ok, `${name} seal`);
    assert.is(hex(s.ct), c, `${name} ciphertext`);
    assert.is(hex(s.tag), t, `${name} tag`);
    const o = aead("ccm", "open", { ...base, data: unhex(c), tag: unhex(t), inPlace: true });
    assert.ok(o.ok, `${name} open`);
    assert.is(hex(o.ct), p, `${name} plaintext`);
  }
});

test("CCM matches node aes-128/256-ccm (11-byte nonce, 16-byte tag) for lengths 0..600 and 1 MiB", () => {
  for (const kl of [16, 32]) {
    const key = rnd(kl);
    for (let len = 0; len <= 600; len++) {
      const nonce = rnd(11);
      const aad = rnd((len * 11) % 61);
      const pt = rnd(len);
      const want = nodeAead("ccm", key, nonce, aad, pt);
      const inPlace = len % 2 === 1;
      const skew = len % 7;
      const s = aead("ccm", "seal", { key, nonce, aad, data: pt, inPlace, skew });
      assert.ok(s.ok);
      eq(s.ct, want.ct, `seal ct ${kl} ${len}`);
      eq(s.tag, want.tag, `seal tag ${kl} ${len}`);
      const o = aead("ccm", "open", { key, nonce, aad, data: want.ct, tag: want.tag, inPlace: !inPlace, skew });
      assert.ok(o.ok, `open ${kl} ${len}`);
      eq(o.ct, pt, `open pt ${kl} ${len}`);
    }
  }
  const key = rnd(16);
  const nonce = rnd(11);
  const aad = rnd(0xff00 + 3); // long AAD: 0xfffe length encoding
  const pt = rnd((1 << 20) + 9);
  const want = nodeAead("ccm", key, nonce, aad, pt);
  const s = aead("ccm", "seal", { key, nonce, aad, data: pt, inPlace: true, skew: 3 });
  assert.ok(Buffer.from(s.ct).equals(want.ct), "1 MiB ciphertext");
  eq(s.tag, want.tag, "1 MiB tag");
});

test("CCM matches node for every nonce length 7..13 and even tag length 4..16", () => {
  for (let nl = 7; nl <= 13; nl++) {
    for (let tl = 4; tl <= 16; tl += 2) {
      for (const len of [0, 1, 16, 33, 300]) {
        const key = rnd(len & 1 ? 32 : 16);
        const nonce = rnd(nl);
        const aad = rnd((len + nl) % 40);
        const pt = rnd(len);
        const want = nodeAead("ccm", key, nonce, aad, pt, tl);
        const s = aead("ccm", "seal", { key, nonce, aad, data: pt, tagLen: tl });
        assert.ok(s.ok);
        eq(s.ct, want.ct, `ct n${nl} t${tl} len ${len}`);
        eq(s.tag, want.tag, `tag n${nl} t${tl} len ${len}`);
        const o = aead("ccm", "open", { key, nonce, aad, data: s.ct, tag: s.tag, tagLen: tl, inPlace: true });
        assert.ok(o.ok);
        eq(o.ct, pt);
      }
    }
  }
});

test("CCM rejects out-of-range parameters without touching the output", () => {
  withCtx(x.ccm_ctx_size(), (ctx) => {
    const k = m.put(rnd(32));
    assert.is(x.ccm_init(ctx, k, 20), 0);
    assert.is(x.ccm_init(ctx, k, 16), 1);
    const buf = m.put(new Uint8Array(1 << 17).fill(0x5a));
    const t = m.alloc(16);
    const bad: [number, number, number, number][] = [
      // nonceLen, aadLen, len, tagLen
      [6, 0, 16, 16], [14, 0, 16, 16], [11, 0, 16, 3], [11, 0, 16, 5], [11, 0, 16, 18], [11, 0, 16, 2],
      [11, -1, 16, 16], [11, 0, -1, 16], [13, 0, 65536, 16], [12, 0, 1 << 24, 16],
    ];
    for (const [nl, al, len, tl] of bad) {
      const args = [ctx, buf, nl, buf, al, buf, buf, len, t, tl];
      assert.is(x.ccm_seal(...args), 0, `seal ${nl} ${al} ${len} ${tl}`);
      assert.is(x.ccm_open(...args), 0, `open ${nl} ${al} ${len} ${tl}`);
    }
    assert.ok(m.get(buf, 1 << 17).every((b) => b === 0x5a), "buffer untouched");
    assert.is(x.ccm_seal(ctx, buf, 13, buf, 0, buf, buf, 65535, t, 16), 1, "q = 2 allows 65535 bytes");
    m.free(k);
    m.free(buf);
    m.free(t);
  });
});

test("CCM open fails and zeroes the output on any flipped bit", () => {
  tamperAll("ccm", rnd(16), rnd(11), rnd(20), rnd(37));
  tamperAll("ccm", rnd(32), rnd(11), new Uint8Array(0), rnd(16));
  tamperAll("ccm", rnd(16), rnd(7), rnd(5), rnd(9), 4);
});

// ---- SMB 3.x encryption examples (Microsoft Open Specifications blog) ----------------------
// "Encryption in SMB 3.0: A protocol perspective" (AES-128-CCM) and "SMB 3.1.1 Encryption in
// Windows 10" (AES-128-GCM). TRANSFORM_HEADER: Signature = bytes 4..19, Nonce = 20..35,
// AAD = bytes 20..51; the ciphertext follows.

function smbVector(name: string, mode: "gcm" | "ccm", key: string, transformed: string, plain: string) {
  const msg = unhex(transformed);
  const sig = msg.subarray(4, 20);
  const nonce = msg.subarray(20, mode === "gcm" ? 32 : 31);
  const aad = msg.subarray(20, 52);
  const ct = msg.subarray(52);
  const base = { key: unhex(key), nonce, aad };
  const o = aead(mode, "open", { ...base, data: ct, tag: sig });
  assert.ok(o.ok, `${name} open`);
  assert.is(hex(o.ct), plain.toLowerCase(), `${name} plaintext`);
  const s = aead(mode, "seal", { ...base, data: unhex(plain), inPlace: true });
  eq(s.ct, ct, `${name} ciphertext`);
  eq(s.tag, sig, `${name} signature`);
}

test("SMB 3.0 AES-128-CCM encryption examples (request and response)", () => {
  smbVector("3.0 write request", "ccm", "261B72350558F2E9DCF613070383EDBF",
    "FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A" +
      "744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5" +
      "2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4" +
      "4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5" +
      "AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6" +
      "C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB",
    "FE534D4240000100000000000900400008000000000000000400000000000000" +
      "FFFE0000010000001100001400E4080000000000000000000000000000000000" +
      "3100700017000000000000000000000015010000390000020100000039020000" +
      "00000000000000007000000000000000536D623320656E6372797074696F6E20" +
      "74657374696E67");
  smbVector("3.0 write response", "ccm", "8FE2B57EC34D2DB5B1A9727F526BBDB5",
    "FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014" +
      "00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079" +
      "E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787" +
      "1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1" +
      "77309E5B",
    "FE534D4240000100000000000900210009000000000000000400000000000000" +
      "FFFE0000010000001100001400E4080000000000000000000000000000000000" +
      "11000000170000000000000000000000");
});

test("SMB 3.1.1 AES-128-GCM encryption examples (request and response)", () => {
  smbVector("3.1.1 write request", "gcm", "A2F5E80E5D59103034F32E52F698E5EC",
    "FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000" +
      "0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02" +
      "D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4" +
      "4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9" +
      "1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8",
    "FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000" +
      "25000000001000000000000000000000000000000000000031007000170000000000000000000000" +
      "0600000004000000010000000400000000000000000000007000000000000000536D623320656E63" +
      "72797074696F6E2074657374696E67");
  smbVector("3.1.1 write response", "gcm", "748C50868C90F302962A5C35F5F9A8BF",
    "FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4000000000000000050000000" +
      "00000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8" +
      "F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B" +
      "82E03C9E18A050FF0EA1C967",
    "FE534D4240000100000000000900010001000000000000000500000000000000FFFE000001000000" +
      "25000000001000000000000000000000000000000000000011000000170000000000000000000000");
});

test.run();

// Unit tests for assembly/crypto/{sha256,sha512,md4,md5,hmac,rc4,kdf}.ts: published vectors
// (FIPS 180-4 examples, RFC 1320/1321/2202/4231/6229, MS-NLMP, MS-SMB2 key derivation examples)
// and cross-checks against node:crypto (or a plain TypeScript reference where node lacks it).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash, createHmac } from "node:crypto";
import { loadTestModule, hex, unhex } from "../helpers/wasm.ts";

const m = loadTestModule("crypto_hash");
const e = m.exports;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
const seq = (from: number, to: number): Uint8Array =>
  Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Deterministic xorshift32 generator so that a failure is reproducible.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}
function randomBytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}
/** Sorted random cut points in [0, n] (duplicates allowed, so empty updates happen too). */
function randomCuts(r: () => number, n: number, count: number): number[] {
  const cuts = Array.from({ length: count }, () => r() % (n + 1));
  return cuts.sort((a, b) => a - b);
}

// ---- Hash drivers ----

type Hash = "sha256" | "sha512" | "md4" | "md5";
const DIGEST: Record<Hash, number> = { sha256: 32, sha512: 64, md4: 16, md5: 16 };

function oneShot(h: Hash, data: Uint8Array): string {
  const p = m.put(data);
  const out = m.alloc(DIGEST[h]);
  e[`${h}_oneshot`](p, data.length, out);
  const r = hex(m.get(out, DIGEST[h]));
  m.free(p);
  m.free(out);
  return r;
}

/** Init, one update per piece between consecutive cuts, final; also checks ctx is wiped. */
function incremental(h: Hash, data: Uint8Array, cuts: number[]): string {
  const size = e[`${h}_ctx_size`]();
  const ctx = m.alloc(size);
  const p = m.put(data);
  const out = m.alloc(DIGEST[h]);
  e[`${h}_init`](ctx);
  let at = 0;
  for (const c of [...cuts, data.length]) {
    e[`${h}_update`](ctx, p + at, c - at);
    at = c;
  }
  e[`${h}_final`](ctx, out);
  const r = hex(m.get(out, DIGEST[h]));
  assert.ok(m.get(ctx, size).every((b) => b === 0), `${h} context wiped after final`);
  m.free(ctx);
  m.free(p);
  m.free(out);
  return r;
}

// ---- Reference implementations for what node:crypto (OpenSSL 3 default provider) lacks ----

/** MD4 written straight from RFC 1320 section 3, for the random cross-check. */
function md4Ref(msg: Uint8Array): string {
  const n = ((msg.length + 8) >> 6) + 1;
  const buf = new Uint8Array(n * 64);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const dv = new DataView(buf.buffer);
  dv.setUint32(n * 64 - 8, (msg.length * 8) >>> 0, true);
  dv.setUint32(n * 64 - 4, Math.floor(msg.length / 0x20000000), true);
  const rotl = (x: number, s: number) => (x << s) | (x >>> (32 - s));
  const F = (x: number, y: number, z: number) => (x & y) | (~x & z);
  const G = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
  const H = (x: number, y: number, z: number) => x ^ y ^ z;
  const st = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let blk = 0; blk < n; blk++) {
    const X = Array.from({ length: 16 }, (_, i) => dv.getUint32(blk * 64 + i * 4, true));
    const v = st.slice();
    const step = (i: number, f: typeof F, k: number, s: number, add: number) => {
      const a = (4 - (i % 4)) % 4;
      v[a] = rotl((v[a] + f(v[(a + 1) % 4], v[(a + 2) % 4], v[(a + 3) % 4]) + X[k] + add) | 0, s);
    };
    const r2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
    const r3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let i = 0; i < 16; i++) step(i, F, i, [3, 7, 11, 19][i % 4], 0);
    for (let i = 0; i < 16; i++) step(i, G, r2[i], [3, 5, 9, 13][i % 4], 0x5a827999);
    for (let i = 0; i < 16; i++) step(i, H, r3[i], [3, 9, 11, 15][i % 4], 0x6ed9eba1);
    for (let i = 0; i < 4; i++) st[i] = (st[i] + v[i]) | 0;
  }
  const out = new DataView(new ArrayBuffer(16));
  for (let i = 0; i < 4; i++) out.setUint32(i * 4, st[i], true);
  return hex(new Uint8Array(out.buffer));
}

/** RC4 keystream XOR, straight from the algorithm description. */
function rc4Ref(key: Uint8Array, data: Uint8Array): Uint8Array {
  const S = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i] + key[i % key.length]) & 0xff;
    [S[i], S[j]] = [S[j], S[i]];
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + S[i]) & 0xff;
    [S[i], S[j]] = [S[j], S[i]];
    out[n] = data[n] ^ S[(S[i] + S[j]) & 0xff];
  }
  return out;
}

// ---- Published hash vectors ----

const MSG448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const MSG896 =
  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
const MILLION_A = fill(1000000, 0x61);

test("SHA-256: FIPS 180-4 / NIST examples", () => {
  const v: [Uint8Array, string][] = [
    [ascii(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [ascii("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [ascii(MSG448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
    [ascii(MSG896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"],
    [MILLION_A, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ];
  for (const [msg, want] of v) {
    assert.is(oneShot("sha256", msg), want, `one-shot, ${msg.length} bytes`);
    assert.is(incremental("sha256", msg, randomCuts(rng(msg.length), msg.length, 7)), want);
  }
});

test("SHA-512: FIPS 180-4 / NIST examples", () => {
  const v: [Uint8Array, string][] = [
    [ascii(""), "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"],
    [ascii("abc"), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"],
    [ascii(MSG448), "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"],
    [ascii(MSG896), "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"],
    [MILLION_A, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"],
  ];
  for (const [msg, want] of v) {
    assert.is(oneShot("sha512", msg), want, `one-shot, ${msg.length} bytes`);
    assert.is(incremental("sha512", msg, randomCuts(rng(msg.length), msg.length, 7)), want);
  }
});

test("SHA-512: MS-SMB2 3.1.1 preauth integrity hash example (NEGOTIATE request, then response)", () => {
  // Microsoft Open Specifications blog, "SMB 2 and SMB 3 security in Windows 10",
  // appendix "Key derivation example for SMB 3.1.1 multichannel", first channel.
  const negReq = unhex(`FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000
    00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32
    6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000
    010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000
    0200060000000000020002000100`);
  const negResp = unhex(`FE534D4240000100000000000000010001000000000000000100000000000000FFFE000000000000
    000000000000000000000000000000000000000000000000410001001103020039CBCAF329714942
    BDCE5D60F09AB3FB2F000000000080000000800000008000D8DAE5ADCBAED00109094AB095AED001
    80004001C00100006082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182
    3702021E060A2B06010401823702020AA282010C048201084E45474F455854530100000000000000
    60000000700000007C7CC0FD06D6362D02DDE1CF343BFE292900F49750B4AA97934D9C4296B26E51
    FD370471B235E15A50DAE15BD5489C87000000000000000060000000010000000000000000000000
    5C33530DEAF90D4DB2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000
    7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC3084000000058000000
    3056A05430523027802530233121301F06035504031318546F6B656E205369676E696E6720507562
    6C6963204B65793027802530233121301F06035504031318546F6B656E205369676E696E67205075
    626C6963204B6579010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4
    83CA5B65385A251117BEB30712E50000020004000000000001000200`);
  const after1 = `DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0
    CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426`;
  const after2 = `324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE3C94A79F36011E99
    7E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513`;
  const h1 = incremental("sha512", new Uint8Array([...new Uint8Array(64), ...negReq]), [64]);
  assert.is(h1, hex(unhex(after1)));
  const h2 = oneShot("sha512", new Uint8Array([...unhex(h1), ...negResp]));
  assert.is(h2, hex(unhex(after2)));
});

test("MD4: RFC 1320 appendix A.5 test suite", () => {
  const v: [string, string][] = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
    ["1234567890".repeat(8), "e33b4ddc9c38f2199c3e7b164fcc0536"],
  ];
  for (const [s, want] of v) {
    assert.is(oneShot("md4", ascii(s)), want, JSON.stringify(s));
    assert.is(incremental("md4", ascii(s), randomCuts(rng(s.length + 1), s.length, 3)), want);
    assert.is(md4Ref(ascii(s)), want, "reference MD4 agrees with RFC 1320");
  }
});

test("MD4: MS-NLMP 4.2.1 NT hash, MD4(UNICODE(\"Password\"))", () => {
  const utf16 = new Uint8Array(Buffer.from("Password", "utf16le"));
  assert.is(oneShot("md4", utf16), "a4f49c406510bdcab6824ee7c30fd852");
});

test("MD5: RFC 1321 appendix A.5 test suite", () => {
  const v: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
    ["1234567890".repeat(8), "57edf4a22be3c955ac49da2e2107b67a"],
  ];
  for (const [s, want] of v) {
    assert.is(oneShot("md5", ascii(s)), want, JSON.stringify(s));
    assert.is(incremental("md5", ascii(s), randomCuts(rng(s.length + 1), s.length, 3)), want);
  }
});

test("hashes match node:crypto (MD4: the RFC 1320 reference) for lengths 0..300, one-shot and split", () => {
  const r = rng(0x5eed);
  for (const h of ["sha256", "sha512", "md5", "md4"] as Hash[]) {
    const ref = (d: Uint8Array) => (h === "md4" ? md4Ref(d) : createHash(h).update(d).digest("hex"));
    for (let n = 0; n <= 300; n++) {
      const d = randomBytes(r, n);
      const want = ref(d);
      assert.is(oneShot(h, d), want, `${h} one-shot, ${n} bytes`);
      assert.is(incremental(h, d, randomCuts(r, n, 1 + (r() % 6))), want, `${h} split, ${n} bytes`);
    }
  }
});

test("hashes match node:crypto on large inputs split at random points", () => {
  const r = rng(0xb16);
  for (const n of [65536, 1048576 + 13, 3 * 1048576 + 127]) {
    const d = randomBytes(r, n);
    for (const h of ["sha256", "sha512", "md5", "md4"] as Hash[]) {
      if (h === "md4" && n > 65536) continue; // the JS reference is slow; MD4 only hashes passwords
      const want = h === "md4" ? md4Ref(d) : createHash(h).update(d).digest("hex");
      assert.is(oneShot(h, d), want, `${h} one-shot, ${n} bytes`);
      assert.is(incremental(h, d, randomCuts(r, n, 20)), want, `${h} split, ${n} bytes`);
    }
  }
});

test("hash update ignores len <= 0, and one-shot output may overwrite its input", () => {
  const d = ascii("abc");
  const ctx = m.alloc(e.sha256_ctx_size());
  const p = m.put(d);
  const out = m.alloc(32);
  e.sha256_init(ctx);
  e.sha256_update(ctx, p, 0);
  e.sha256_update(ctx, p, -5);
  e.sha256_update(ctx, p, 3);
  e.sha256_update(ctx, p, -1);
  e.sha256_final(ctx, out);
  assert.is(hex(m.get(out, 32)), createHash("sha256").update(d).digest("hex"));
  const big = m.put(new Uint8Array(200).fill(7));
  e.sha512_oneshot(big, 200, big);
  assert.is(hex(m.get(big, 64)), createHash("sha512").update(new Uint8Array(200).fill(7)).digest("hex"));
  for (const q of [ctx, p, out, big]) m.free(q);
});

// ---- HMAC ----

type Mac = "sha256" | "sha512" | "md5";
const MAC_LEN: Record<Mac, number> = { sha256: 32, sha512: 64, md5: 16 };

function hmacOneShot(h: Mac, key: Uint8Array, data: Uint8Array): string {
  const k = m.put(key);
  const p = m.put(data);
  const out = m.alloc(MAC_LEN[h]);
  e[`hmac_${h}_oneshot`](k, key.length, p, data.length, out);
  const r = hex(m.get(out, MAC_LEN[h]));
  for (const q of [k, p, out]) m.free(q);
  return r;
}

function hmacIncremental(h: Mac, key: Uint8Array, data: Uint8Array, cuts: number[]): string {
  const size = e[`hmac_${h}_ctx_size`]();
  const ctx = m.alloc(size);
  const k = m.put(key);
  const p = m.put(data);
  const out = m.alloc(MAC_LEN[h]);
  e[`hmac_${h}_init`](ctx, k, key.length);
  let at = 0;
  for (const c of [...cuts, data.length]) {
    e[`hmac_${h}_update`](ctx, p + at, c - at);
    at = c;
  }
  e[`hmac_${h}_final`](ctx, out);
  const r = hex(m.get(out, MAC_LEN[h]));
  assert.ok(m.get(ctx, size).every((b) => b === 0), `hmac-${h} context wiped after final`);
  for (const q of [ctx, k, p, out]) m.free(q);
  return r;
}

// RFC 4231 section 4 test cases 1-7 (case 5 is truncated to 128 bits).
const RFC4231: [Uint8Array, Uint8Array, string, string][] = [
  [fill(20, 0x0b), ascii("Hi There"),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"],
  [ascii("Jefe"), ascii("what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"],
  [fill(20, 0xaa), fill(50, 0xdd),
    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"],
  [seq(1, 25), fill(50, 0xcd),
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"],
  [fill(20, 0x0c), ascii("Test With Truncation"),
    "a3b6167473100ee06e0c796c2955552b",
    "415fad6271580a531d4179bc891d87a6"],
  [fill(131, 0xaa), ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"],
  [fill(131, 0xaa), ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"],
];

test("HMAC-SHA256 and HMAC-SHA512: RFC 4231 test cases 1-7", () => {
  RFC4231.forEach(([key, data, w256, w512], i) => {
    assert.ok(hmacOneShot("sha256", key, data).startsWith(w256), `SHA-256 case ${i + 1}`);
    assert.ok(hmacOneShot("sha512", key, data).startsWith(w512), `SHA-512 case ${i + 1}`);
    const cuts = randomCuts(rng(i + 1), data.length, 3);
    assert.ok(hmacIncremental("sha256", key, data, cuts).startsWith(w256), `SHA-256 case ${i + 1} split`);
    assert.ok(hmacIncremental("sha512", key, data, cuts).startsWith(w512), `SHA-512 case ${i + 1} split`);
  });
});

test("HMAC-MD5: RFC 2202 section 2 test cases 1-7", () => {
  const v: [Uint8Array, Uint8Array, string][] = [
    [fill(16, 0x0b), ascii("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"],
    [ascii("Jefe"), ascii("what do ya want for nothing?"), "750c783e6ab0b503eaa86e310a5db738"],
    [fill(16, 0xaa), fill(50, 0xdd), "56be34521d144c88dbb8c733f0e8b3f6"],
    [seq(1, 25), fill(50, 0xcd), "697eaf0aca3a3aea3a75164746ffaa79"],
    [fill(16, 0x0c), ascii("Test With Truncation"), "56461ef2342edc00f9bab995690efd4c"],
    [fill(80, 0xaa), ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"],
    [fill(80, 0xaa), ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), "6f630fad67cda0ee1fb1f562db3aa53e"],
  ];
  v.forEach(([key, data, want], i) => {
    assert.is(hmacOneShot("md5", key, data), want, `case ${i + 1}`);
    assert.is(hmacIncremental("md5", key, data, randomCuts(rng(i + 9), data.length, 3)), want);
  });
});

test("HMAC-* match node:crypto for key lengths 0..200 and data lengths 0..300, split at random", () => {
  const r = rng(0x4d4143);
  for (const h of ["sha256", "sha512", "md5"] as Mac[]) {
    for (let i = 0; i <= 300; i++) {
      const key = randomBytes(r, i <= 200 ? i : r() % 300);
      const data = randomBytes(r, i);
      const want = createHmac(h, key).update(data).digest("hex");
      assert.is(hmacOneShot(h, key, data), want, `hmac-${h} key ${key.length} data ${i}`);
      assert.is(hmacIncremental(h, key, data, randomCuts(r, i, 1 + (r() % 5))), want);
    }
    for (const n of [64, 128, 129, 1048576 + 5]) {
      const key = randomBytes(r, n % 1000);
      const data = randomBytes(r, n);
      const want = createHmac(h, key).update(data).digest("hex");
      assert.is(hmacIncremental(h, key, data, randomCuts(r, n, 9)), want, `hmac-${h} ${n} bytes`);
    }
  }
});

// ---- RC4 ----

function rc4OneShot(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = m.put(key);
  const p = m.put(data);
  e.rc4_oneshot(k, key.length, p, p, data.length); // in place
  const r = m.get(p, data.length);
  m.free(k);
  m.free(p);
  return r;
}

function rc4Split(key: Uint8Array, data: Uint8Array, cuts: number[]): Uint8Array {
  const ctx = m.alloc(e.rc4_ctx_size());
  const k = m.put(key);
  const src = m.put(data);
  const dst = m.alloc(data.length);
  e.rc4_init(ctx, k, key.length);
  let at = 0;
  for (const c of [...cuts, data.length]) {
    e.rc4_crypt(ctx, src + at, dst + at, c - at);
    at = c;
  }
  const r = m.get(dst, data.length);
  for (const q of [ctx, k, src, dst]) m.free(q);
  return r;
}

test("RC4: RFC 6229 section 2 keystream vectors (40/64/128/256-bit keys, offsets 0..4096)", () => {
  const v: [string, [number, string][]][] = [
    ["0102030405", [
      [0, "b2396305f03dc027ccc3524a0a1118a8"], [16, "6982944f18fc82d589c403a47a0d0919"],
      [240, "28cb1132c96ce286421dcaadb8b69eae"], [256, "1cfcf62b03eddb641d77dfcf7f8d8c93"],
      [1520, "3294f744d8f9790507e70f62e5bbceea"], [1536, "d8729db41882259bee4f825325f5a130"],
      [4080, "068326a2118416d21f9d04b2cd1ca050"], [4096, "ff25b58995996707e51fbdf08b34d875"]]],
    ["0102030405060708", [
      [0, "97ab8a1bf0afb96132f2f67258da15a8"], [16, "8263efdb45c4a18684ef87e6b19e5b09"],
      [240, "9636ebc9841926f4f7d1f362bddf6e18"], [4080, "d5fa5a3469d29aaaf83d23589db8c85b"],
      [4096, "3fb46e2c8f0f068edce8cdcd7dfc5862"]]],
    ["0102030405060708090a0b0c0d0e0f10", [
      [0, "9ac7cc9a609d1ef7b2932899cde41b97"], [16, "5248c4959014126a6e8a84f11d1a9e1c"],
      [240, "065902e4b620f6cc36c8589f66432f2b"], [256, "d39d566bc6bce3010768151549f3873f"],
      [2032, "d03d1bc03cd33d70dff9fa5d71963ebd"], [2048, "8a44126411eaa78bd51e8d87a8879bf5"],
      [4080, "ff38265c1642c1abe8d3c2fe5e572bf8"], [4096, "a36a4c301ae8ac13610ccbc12256cacc"]]],
    ["0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", [
      [0, "eaa6bd25880bf93d3f5d1e4ca2611d91"], [16, "cfa45c9f7e714b54bdfa80027cb14380"],
      [240, "114ae344ded71b35f2e60febad727fd8"], [4080, "a13a7c79c7e119b5ab0296ab28c300b9"],
      [4096, "f3e4c0a2e02d1d01f7f0a74618af2b48"]]],
  ];
  for (const [keyHex, rows] of v) {
    const stream = rc4OneShot(unhex(keyHex), new Uint8Array(4112));
    const split = rc4Split(unhex(keyHex), new Uint8Array(4112), [1, 16, 17, 255, 256, 3000, 4095]);
    for (const [off, want] of rows) {
      assert.is(hex(stream.subarray(off, off + 16)), want, `key ${keyHex} offset ${off}`);
      assert.is(hex(split.subarray(off, off + 16)), want, `key ${keyHex} offset ${off} (split)`);
    }
  }
});

test("RC4 matches a reference implementation for key lengths 1..256+ and data split at random", () => {
  const r = rng(0xa4c);
  for (let i = 1; i <= 300; i += 7) {
    const key = randomBytes(r, i);
    const data = randomBytes(r, (r() % 700) + (i === 295 ? 70000 : 0));
    const want = hex(rc4Ref(key, data));
    assert.is(hex(rc4OneShot(key, data)), want, `key ${i} bytes, data ${data.length}`);
    assert.is(hex(rc4Split(key, data, randomCuts(r, data.length, 5))), want);
  }
  // Decryption is the same operation.
  const key = randomBytes(r, 16);
  const msg = randomBytes(r, 100);
  assert.equal(rc4OneShot(key, rc4OneShot(key, msg)), msg);
});

test("RC4 with keyLen <= 0 and crypt with len <= 0 do not trap", () => {
  const ctx = m.alloc(e.rc4_ctx_size());
  const p = m.put(new Uint8Array([1, 2, 3]));
  e.rc4_init(ctx, 0, 0);
  e.rc4_crypt(ctx, p, p, -1);
  e.rc4_crypt(ctx, p, p, 0);
  assert.equal(m.get(p, 3), new Uint8Array([1, 2, 3]));
  e.rc4_init(ctx, 0, -3);
  e.rc4_crypt(ctx, p, p, 3);
  assert.equal(m.get(p, 3), rc4Ref(new Uint8Array([0]), new Uint8Array([1, 2, 3])));
  m.free(ctx);
  m.free(p);
});

// ---- SP 800-108 KDF ----

function kdf(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits: number): Uint8Array {
  const k = m.put(key);
  const l = m.put(label);
  const c = m.put(context);
  const n = Math.max(bits >> 3, 1) + 8;
  const out = m.put(fill(n, 0xee));
  e.kdf_counter_hmac_sha256(k, key.length, l, label.length, c, context.length, out, bits);
  const r = m.get(out, n);
  for (const q of [k, l, c, out]) m.free(q);
  return r;
}

/** Independent SP 800-108 counter-mode KDF over node's HMAC-SHA256. */
function kdfRef(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits: number): string {
  const parts: Buffer[] = [];
  const be32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  for (let i = 1; parts.length * 256 < bits; i++) {
    parts.push(createHmac("sha256", key).update(be32(i)).update(label).update(Buffer.from([0]))
      .update(context).update(be32(bits)).digest());
  }
  return Buffer.concat(parts).subarray(0, bits >> 3).toString("hex");
}

test("KDF: MS-SMB2 key derivation examples for SMB 3.0 and 3.1.1 (both channels)", () => {
  // Microsoft Open Specifications blog, "SMB 2 and SMB 3 security in Windows 10: the anatomy of
  // signing and cryptographic keys", appendix. Labels/contexts per MS-SMB2 3.2.5.3.1, NUL included.
  // The table lists keys from the client's side: its EncryptionKey is the server's decryption key.
  const z = (s: string) => ascii(`${s}\0`);
  const preauth = unhex(`0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97
    51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01`);
  const s30 = unhex("7CD451825D0450D235424E44BA6E78CC");
  const s311 = unhex("270E1BA896585EEB7AF3472D3B4C75A7");
  const v: [Uint8Array, Uint8Array, Uint8Array, string][] = [
    [s30, z("SMB2AESCMAC"), z("SmbSign"), "0B7E9C5CAC36C0F6EA9AB275298CEDCE"],
    [s30, z("SMB2AESCCM"), z("ServerIn "), "FAD27796665B313EBB578F388632B4F7"],
    [s30, z("SMB2AESCCM"), z("ServerOut"), "B0F0427F7CEB416D1D9DCC0CD4F99447"],
    [s30, z("SMB2APP"), z("SmbRpc"), "BB23A4575AA26C721AF525AF15A87B4F"],
    [unhex("4E01A2B313BCF660CC250BEF021AEDE6"), z("SMB2AESCMAC"), z("SmbSign"), "BA1A17DBBFEC349BCA105563D598952F"],
    [s311, z("SMBSigningKey"), preauth, "73FE7A9A77BEF0BDE49C650D8CCB5F76"],
    [s311, z("SMBC2SCipherKey"), preauth, "629BCBC54422A0F572B97F45989B6073"],
    [s311, z("SMBS2CCipherKey"), preauth, "E2AF0DCEFAC68DA71A0DFBD0D1350D74"],
    [s311, z("SMBAppKey"), preauth, "6D7AD7954E9EC61E907B4D473DC178FF"],
  ];
  for (const [key, label, context, want] of v) {
    const got = kdf(key, label, context, 128);
    assert.is(hex(got.subarray(0, 16)), want.toLowerCase(), new TextDecoder().decode(label));
    assert.is(hex(got.subarray(16)), "ee".repeat(8), "nothing written past L/8 bytes");
  }
});

test("KDF matches an independent node:crypto implementation (L = 128, 256, 384, 512)", () => {
  const r = rng(0x800108);
  for (let i = 0; i < 60; i++) {
    const key = randomBytes(r, [16, 32, 0, 100][i % 4]);
    const label = randomBytes(r, r() % 40);
    const context = randomBytes(r, r() % 100);
    for (const bits of [128, 256, 384, 512]) {
      const got = kdf(key, label, context, bits);
      assert.is(hex(got.subarray(0, bits >> 3)), kdfRef(key, label, context, bits), `case ${i}, L=${bits}`);
      assert.is(hex(got.subarray(bits >> 3)), "ee".repeat(8));
    }
  }
});

test("KDF writes nothing for an invalid output length", () => {
  for (const bits of [0, -128, 127, 12]) {
    assert.is(hex(kdf(fill(16, 1), ascii("x"), ascii("y"), bits)), "ee".repeat(Math.max(bits >> 3, 1) + 8));
  }
});

test.run();

// Host crypto acceleration gives exactly what the AssemblyScript reference gives, on both
// sides of the size thresholds (assembly/crypto/accel.ts, host-common/node-crypto.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { loadTestModule, hex, type TestModule } from "../helpers/wasm.ts";
import { nodeCrypto } from "../../host-common/node-crypto.ts";

let calls = 0;
let m: TestModule;
const mem = () => new Uint8Array(m.exports.memory.buffer);
m = loadTestModule("accel", {
  crypto_caps: () => 7,
  hmac_sha256(k, kl, d, dl, o) {
    calls++;
    nodeCrypto.hmacSha256?.(mem().subarray(k, k + kl), mem().subarray(d, d + dl), mem().subarray(o, o + 32));
  },
  aes_gcm_seal(k, kl, n, a, al, s, d, l, t) {
    calls++;
    const ok = nodeCrypto.aesGcmSeal?.(mem().subarray(k, k + kl), mem().subarray(n, n + 12), mem().subarray(a, a + al),
      mem().subarray(s, s + l), mem().subarray(d, d + l), mem().subarray(t, t + 16));
    return ok ? 0 : -1;
  },
  aes_gcm_open(k, kl, n, a, al, s, d, l, t) {
    calls++;
    const r = nodeCrypto.aesGcmOpen?.(mem().subarray(k, k + kl), mem().subarray(n, n + 12), mem().subarray(a, a + al),
      mem().subarray(s, s + l), mem().subarray(d, d + l), mem().subarray(t, t + 16));
    return r === "ok" ? 0 : r === "bad-tag" ? 1 : -1;
  },
  aes_ccm_seal(k, kl, n, a, al, s, d, l, t) {
    calls++;
    const ok = nodeCrypto.aesCcmSeal?.(mem().subarray(k, k + kl), mem().subarray(n, n + 11), mem().subarray(a, a + al),
      mem().subarray(s, s + l), mem().subarray(d, d + l), mem().subarray(t, t + 16));
    return ok ? 0 : -1;
  },
  aes_ccm_open(k, kl, n, a, al, s, d, l, t) {
    calls++;
    const r = nodeCrypto.aesCcmOpen?.(mem().subarray(k, k + kl), mem().subarray(n, n + 11), mem().subarray(a, a + al),
      mem().subarray(s, s + l), mem().subarray(d, d + l), mem().subarray(t, t + 16));
    return r === "ok" ? 0 : r === "bad-tag" ? 1 : -1;
  },
});

const sizes = [0, 1, 64, 4095, 4096, 4097, 32767, 32768, 32769, 1 << 20, (8 << 20) + 3];

test("HMAC-SHA256: accelerated == reference for every size, and the host is used above 4 KiB", () => {
  const key = m.put(randomBytes(16));
  for (const n of sizes) {
    const data = m.put(randomBytes(n));
    const a = m.alloc(32);
    const b = m.alloc(32);
    const before = calls;
    m.exports.hmac_fast(key, 16, data, n, a);
    assert.is(calls - before, n >= 4096 ? 1 : 0, `host called for ${n}`);
    m.exports.hmac_ref(key, 16, data, n, b);
    assert.is(hex(m.get(a, 32)), hex(m.get(b, 32)), `size ${n}`);
    m.free(data);
  }
});

test("AES-GMAC (128 and 256): accelerated == reference for every size, host used above 32 KiB", () => {
  for (const kl of [16, 32]) {
    const key = m.put(randomBytes(kl));
    const nonce = m.put(randomBytes(12));
    for (const n of sizes) {
      const aad = m.put(randomBytes(n));
      const a = m.alloc(16);
      const b = m.alloc(16);
      const before = calls;
      m.exports.gmac_fast(key, kl, nonce, aad, n, a);
      assert.is(calls - before, n >= 32768 ? 1 : 0, `host called for ${n}`);
      m.exports.gmac_ref(key, kl, nonce, aad, n, b);
      assert.is(hex(m.get(a, 16)), hex(m.get(b, 16)), `key ${kl}, size ${n}`);
      m.free(aad);
    }
  }
});


const aeadSizes = [1, 15, 16, 64, 2047, 2048, 2049, 65541, 1 << 20];

for (const [name, ccm] of [["AES-GCM", 0], ["AES-CCM", 1]] as const) {
  test(`${name} (128 and 256) seal/open: host == reference for every size, host used from 2 KiB, in place`, () => {
    const nl = ccm ? 11 : 12;
    for (const kl of [16, 32]) {
      const key = m.put(randomBytes(kl));
      const nonce = m.put(randomBytes(nl));
      const aad = m.put(randomBytes(32)); // the SMB2 transform header from Nonce on
      for (const n of aeadSizes) {
        const plain = randomBytes(n);
        const src = m.put(plain);
        const outs = [m.alloc(n), m.alloc(n)];
        const tags = [m.alloc(16), m.alloc(16)];
        for (const host of [1, 0]) {
          const before = calls;
          assert.is(m.exports.aead_seal(ccm, host, key, kl, nonce, aad, 32, src, outs[host], n, tags[host]), 1);
          assert.is(calls - before, host && n >= 2048 ? 1 : 0, `host called for seal of ${n}`);
        }
        const what = `${name}-${kl * 8}, ${n} bytes`;
        assert.is(hex(m.get(outs[0], n)), hex(m.get(outs[1], n)), `ciphertext, ${what}`);
        assert.is(hex(m.get(tags[0], 16)), hex(m.get(tags[1], 16)), `tag, ${what}`);
        assert.not.equal(hex(m.get(outs[0], Math.min(n, 64))), hex(plain.subarray(0, 64)), `encrypted, ${what}`);
        for (const host of [1, 0]) {
          // decrypt in place, as the server does with a received frame
          const buf = m.put(m.get(outs[0], n));
          assert.is(m.exports.aead_open(ccm, host, key, kl, nonce, aad, 32, buf, buf, n, tags[0]), 1, `authentic, ${what}`);
          assert.ok(Buffer.from(m.get(buf, n)).equals(plain), `plaintext, ${what}, host ${host}`);
          const bad = m.put(m.get(outs[0], n));
          const badTag = m.put(m.get(tags[0], 16));
          mem()[badTag] ^= 1;
          assert.is(m.exports.aead_open(ccm, host, key, kl, nonce, aad, 32, bad, bad, n, badTag), 0, `forged tag refused, ${what}`);
          const flipped = m.put(m.get(outs[0], n));
          mem()[flipped + n - 1] ^= 0x80;
          assert.is(m.exports.aead_open(ccm, host, key, kl, nonce, aad, 32, flipped, flipped, n, tags[0]), 0, `modified ciphertext refused, ${what}`);
          for (const p of [buf, bad, badTag, flipped]) m.free(p);
        }
        for (const p of [src, ...outs, ...tags]) m.free(p);
      }
    }
  });
}

test.run();

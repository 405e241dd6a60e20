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
  crypto_caps: () => 3,
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

test.run();

// Crypto acceleration for the core from `node:crypto` (OpenSSL in Node, BoringSSL in Bun):
// HMAC-SHA256, AES-GCM (GMAC when there is no plaintext) and, where the library has it,
// AES-CCM — synchronous, as the core needs. The core's own code is the reference; tests
// cross-check these against it.
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import type { HostCrypto, OpenResult } from "./core.ts";

const gcmAlg = (key: Uint8Array) => (key.length === 32 ? "aes-256-gcm" : "aes-128-gcm");
const ccmAlg = (key: Uint8Array) => (key.length === 32 ? "aes-256-ccm" : "aes-128-ccm");

/** Whether this runtime's node:crypto has AES-CCM (OpenSSL does; BoringSSL in Bun does not). */
function hasCcm(): boolean {
  try {
    createCipheriv("aes-128-ccm", new Uint8Array(16), new Uint8Array(11), { authTagLength: 16 });
    return true;
  } catch {
    return false;
  }
}

/** Copies the cipher output into dst (which may be the same memory as the input). */
function put(dst: Uint8Array, a: Uint8Array, b: Uint8Array): void {
  dst.set(a);
  if (b.length > 0) dst.set(b, a.length);
}

const base: HostCrypto = {
  hmacSha256(key, data, out) {
    out.set(createHmac("sha256", key).update(data).digest());
  },
  aesGcmSeal(key, nonce, aad, src, dst, tag) {
    const c = createCipheriv(gcmAlg(key), key, nonce);
    c.setAAD(aad);
    if (src.length > 0) put(dst, c.update(src), c.final());
    else c.final();
    tag.set(c.getAuthTag());
    return true;
  },
  aesGcmOpen(key, nonce, aad, src, dst, tag): OpenResult {
    const d = createDecipheriv(gcmAlg(key), key, nonce);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const a = d.update(src);
    let b: Uint8Array;
    try {
      b = d.final();
    } catch {
      return "bad-tag";
    }
    put(dst, a, b);
    return "ok";
  },
};

const ccm: HostCrypto = {
  aesCcmSeal(key, nonce, aad, src, dst, tag) {
    const c = createCipheriv(ccmAlg(key), key, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: src.length });
    put(dst, c.update(src), c.final());
    tag.set(c.getAuthTag());
    return true;
  },
  aesCcmOpen(key, nonce, aad, src, dst, tag): OpenResult {
    const d = createDecipheriv(ccmAlg(key), key, nonce, { authTagLength: 16 });
    d.setAuthTag(tag);
    d.setAAD(aad, { plaintextLength: src.length });
    let a: Uint8Array;
    try {
      a = d.update(src); // CCM verifies the tag here and throws on a mismatch
      d.final();
    } catch {
      return "bad-tag";
    }
    put(dst, a, new Uint8Array(0));
    return "ok";
  },
};

export const nodeCrypto: HostCrypto = hasCcm() ? { ...base, ...ccm } : base;

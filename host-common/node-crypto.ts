// Crypto acceleration for the core from `node:crypto` (OpenSSL in Node, BoringSSL in Bun):
// HMAC-SHA256 and AES-GCM (GMAC when there is no plaintext), synchronous as the core needs.
import { createCipheriv, createHmac } from "node:crypto";
import type { HostCrypto } from "./core.ts";

export const nodeCrypto: HostCrypto = {
  hmacSha256(key, data, out) {
    out.set(createHmac("sha256", key).update(data).digest());
  },
  aesGcmSeal(key, nonce, aad, src, dst, tag) {
    const alg = key.length === 32 ? "aes-256-gcm" : "aes-128-gcm";
    const c = createCipheriv(alg, key, nonce);
    c.setAAD(aad);
    if (src.length > 0) {
      const a = c.update(src);
      dst.set(a);
      const b = c.final();
      dst.set(b, a.length);
    } else {
      c.final();
    }
    tag.set(c.getAuthTag());
    return true;
  },
};

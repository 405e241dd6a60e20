// SMB 3.x cryptography for the raw test client, over node:crypto only: the SP800-108 KDF,
// AES-CMAC (RFC 4493), key derivation (MS-SMB2 3.2.5.3.1 / 3.3.5.5.3), the 3.1.1 preauth
// integrity hash (3.2.5.2), message signing (3.1.4.1) and the TRANSFORM_HEADER (2.2.41, 3.1.4.3).
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";

export const CIPHER = { AES128_CCM: 1, AES128_GCM: 2, AES256_CCM: 3, AES256_GCM: 4 } as const;
export const CIPHER_NAMES: Record<number, string> = { 1: "aes-128-ccm", 2: "aes-128-gcm", 3: "aes-256-ccm", 4: "aes-256-gcm" };
/** SMB2_SIGNING_CAPABILITIES ids (2.2.3.1.7). */
export const SIGNING = { HMAC_SHA256: 0, AES_CMAC: 1, AES_GMAC: 2 } as const;
export const TRANSFORM_PROTOCOL_ID = 0x424d53fd;
export const TRANSFORM_HEADER_SIZE = 52;

const be32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** SP800-108 counter-mode KDF with HMAC-SHA256 (r = 32): K(i) = HMAC(Ki, i || Label || 0x00 || Context || L). */
export function kdf(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits = 128): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 1; blocks.length * 256 < bits; i++) {
    blocks.push(createHmac("sha256", key).update(be32(i)).update(label).update(Buffer.from([0])).update(context).update(be32(bits)).digest());
  }
  return Buffer.concat(blocks).subarray(0, bits >> 3);
}

/** A NUL-terminated ASCII label or context, as MS-SMB2 3.1.4.2 writes them. */
export const z = (s: string): Buffer => Buffer.from(`${s}\0`, "latin1");

function aesEcbBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** RFC 4493 doubling in GF(2^128): shift left one bit, XOR 0x87 when the top bit fell off. */
function dbl(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
  if (b[0] & 0x80) out[15] ^= 0x87;
  return out;
}

/** The CMAC subkeys K1, K2 (RFC 4493 2.3). */
export function cmacSubkeys(key: Uint8Array): [Buffer, Buffer] {
  const l = aesEcbBlock(key, Buffer.alloc(16));
  const k1 = dbl(l);
  return [k1, dbl(k1)];
}

/** AES-CMAC (RFC 4493) with a 16- or 32-byte key: CBC-MAC over the message with the last block masked. */
export function aesCmac(key: Uint8Array, msg: Uint8Array): Buffer {
  const [k1, k2] = cmacSubkeys(key);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const last = Buffer.alloc(16);
  const tail = msg.subarray((n - 1) * 16);
  last.set(tail);
  if (!complete) last[tail.length] = 0x80;
  const mask = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] ^= mask[i];
  const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, Buffer.alloc(16));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(msg.subarray(0, (n - 1) * 16)), c.update(last), c.final()]);
  return out.subarray(out.length - 16);
}

/** The 3.1.1 preauth integrity hash (3.2.5.2, 3.2.5.3.1): H = SHA-512(H || message), from 64 zero bytes. */
export class PreauthHash {
  value: Buffer;
  constructor(from?: Uint8Array) {
    this.value = Buffer.from(from ?? new Uint8Array(64));
  }
  update(msg: Uint8Array): this {
    this.value = createHash("sha512").update(this.value).update(msg).digest();
    return this;
  }
  clone(): PreauthHash {
    return new PreauthHash(this.value);
  }
}

export interface SessionKeys {
  signing: Buffer;
  application: Buffer;
  /** Client → server (the server's DecryptionKey). */
  encryption: Buffer;
  /** Server → client (the server's EncryptionKey). */
  decryption: Buffer;
}

/**
 * The session's keys (MS-SMB2 3.2.5.3.1): 2.x signs with the session key; 3.0/3.0.2 use fixed
 * contexts; 3.1.1 uses the preauth hash after the last SESSION_SETUP request, and 256-bit cipher
 * keys for the AES-256 ciphers.
 */
export function deriveKeys(dialect: number, sessionKey: Uint8Array, preauth?: Uint8Array, cipher = 0): SessionKeys {
  const k = Buffer.from(sessionKey);
  if (dialect < 0x0300) return { signing: k, application: k, encryption: Buffer.alloc(0), decryption: Buffer.alloc(0) };
  if (dialect < 0x0311) {
    return {
      signing: kdf(k, z("SMB2AESCMAC"), z("SmbSign")),
      application: kdf(k, z("SMB2APP"), z("SmbRpc")),
      encryption: kdf(k, z("SMB2AESCCM"), z("ServerIn ")),
      decryption: kdf(k, z("SMB2AESCCM"), z("ServerOut")),
    };
  }
  if (!preauth) throw new Error("3.1.1 keys need the preauth integrity hash");
  const bits = cipher === CIPHER.AES256_CCM || cipher === CIPHER.AES256_GCM ? 256 : 128;
  return {
    signing: kdf(k, z("SMBSigningKey"), preauth),
    application: kdf(k, z("SMBAppKey"), preauth),
    encryption: kdf(k, z("SMBC2SCipherKey"), preauth, bits),
    decryption: kdf(k, z("SMBS2CCipherKey"), preauth, bits),
  };
}

/** The signing algorithm in use: 2.x HMAC-SHA256, 3.0/3.0.2 CMAC, 3.1.1 as negotiated (CMAC without a context). */
export function signingAlgorithm(dialect: number, negotiated?: number): number {
  if (dialect < 0x0300) return SIGNING.HMAC_SHA256;
  if (dialect < 0x0311) return SIGNING.AES_CMAC;
  return negotiated ?? SIGNING.AES_CMAC;
}

/** The 16-byte signature of one SMB2 message (3.1.4.1); the Signature field is taken as zero. */
export function computeSignature(msg: Uint8Array, key: Uint8Array, algorithm: number): Buffer {
  const m = Buffer.from(msg);
  m.fill(0, 48, 64);
  if (algorithm === SIGNING.HMAC_SHA256) return createHmac("sha256", key).update(m).digest().subarray(0, 16);
  if (algorithm === SIGNING.AES_CMAC) return aesCmac(key, m);
  // AES-GMAC: nonce = MessageId || (1 if server→client) | (2 if CANCEL request); AAD = the message
  const nonce = Buffer.alloc(12);
  m.copy(nonce, 0, 24, 32);
  const flags = m.readUInt32LE(16);
  let role = flags & 1;
  if (m.readUInt16LE(12) === 12 && role === 0) role |= 2;
  nonce.writeUInt32LE(role, 8);
  const g = createCipheriv("aes-128-gcm", key, nonce);
  g.setAAD(m);
  g.final();
  return g.getAuthTag();
}

/** A copy of msg with SMB2_FLAGS_SIGNED set and a valid signature. */
export function sign(msg: Uint8Array, key: Uint8Array, algorithm: number): Buffer {
  const m = Buffer.from(msg);
  m.writeUInt32LE((m.readUInt32LE(16) | 0x8) >>> 0, 16);
  computeSignature(m, key, algorithm).copy(m, 48);
  return m;
}

/** True when msg has SMB2_FLAGS_SIGNED and a valid signature. */
export function verifySignature(msg: Uint8Array, key: Uint8Array, algorithm: number): boolean {
  const m = Buffer.from(msg);
  if ((m.readUInt32LE(16) & 0x8) === 0) return false;
  return computeSignature(m, key, algorithm).equals(m.subarray(48, 64));
}

const isGcm = (cipher: number) => cipher === CIPHER.AES128_GCM || cipher === CIPHER.AES256_GCM;
const algo = (cipher: number) => {
  const name = CIPHER_NAMES[cipher];
  if (!name) throw new Error(`unknown cipher ${cipher}`);
  return name as "aes-128-ccm" | "aes-128-gcm" | "aes-256-ccm" | "aes-256-gcm";
};
/** Nonce bytes the cipher uses: CCM 11, GCM 12 (the rest of the 16-byte field is zero). */
export const nonceLength = (cipher: number) => (isGcm(cipher) ? 12 : 11);

export interface TransformFields {
  /** Override OriginalMessageSize (default: the message's length). */
  originalMessageSize?: number;
  /** Flags/EncryptionAlgorithm (default 1). */
  flags?: number;
  /** The Nonce field (default: random bytes of the cipher's nonce length, the rest zero); the cipher uses its first 11 (CCM) or 12 (GCM) bytes. */
  nonce?: Uint8Array;
}

/**
 * Encrypts one SMB2 message (or compound) into TRANSFORM_HEADER + ciphertext (3.1.4.3): the
 * AAD is the header from Nonce to SessionId, the tag goes to Signature.
 */
export function seal(msg: Uint8Array, key: Uint8Array, cipher: number, sessionId: bigint, f: TransformFields = {}): Buffer {
  const nl = nonceLength(cipher);
  const h = Buffer.alloc(TRANSFORM_HEADER_SIZE);
  h.writeUInt32LE(TRANSFORM_PROTOCOL_ID, 0);
  const nonce = f.nonce ?? randomBytes(nl);
  h.set(nonce.subarray(0, 16), 20);
  h.writeUInt32LE(f.originalMessageSize ?? msg.length, 36);
  h.writeUInt16LE(f.flags ?? 1, 42);
  h.writeBigUInt64LE(sessionId, 44);
  const aad = h.subarray(20, 52);
  const iv = h.subarray(20, 20 + nl);
  let ct: Buffer;
  let tag: Buffer;
  if (isGcm(cipher)) {
    const c = createCipheriv(algo(cipher) as "aes-128-gcm", key, iv);
    c.setAAD(aad);
    ct = Buffer.concat([c.update(msg), c.final()]);
    tag = c.getAuthTag();
  } else {
    const c = createCipheriv(algo(cipher) as "aes-128-ccm", key, iv, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: msg.length });
    ct = Buffer.concat([c.update(msg), c.final()]);
    tag = c.getAuthTag();
  }
  tag.copy(h, 4);
  return Buffer.concat([h, ct]);
}

export interface Opened {
  /** The decrypted SMB2 message(s). */
  message: Buffer;
  sessionId: bigint;
  nonce: Buffer;
  flags: number;
  originalMessageSize: number;
}

/** Decrypts TRANSFORM_HEADER + ciphertext; throws when it is malformed or fails authentication. */
export function open(t: Uint8Array, key: Uint8Array, cipher: number): Opened {
  const b = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
  if (b.length <= TRANSFORM_HEADER_SIZE || b.readUInt32LE(0) !== TRANSFORM_PROTOCOL_ID) throw new Error("not a TRANSFORM_HEADER message");
  const nl = nonceLength(cipher);
  const originalMessageSize = b.readUInt32LE(36);
  const ct = b.subarray(TRANSFORM_HEADER_SIZE);
  if (originalMessageSize !== ct.length) throw new Error(`OriginalMessageSize ${originalMessageSize} != ${ct.length}`);
  const aad = b.subarray(20, 52);
  const iv = b.subarray(20, 20 + nl);
  const tag = b.subarray(4, 20);
  let message: Buffer;
  if (isGcm(cipher)) {
    const d = createDecipheriv(algo(cipher) as "aes-128-gcm", key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag);
    message = Buffer.concat([d.update(ct), d.final()]);
  } else {
    const d = createDecipheriv(algo(cipher) as "aes-128-ccm", key, iv, { authTagLength: 16 });
    d.setAuthTag(tag);
    d.setAAD(aad, { plaintextLength: ct.length });
    message = Buffer.concat([d.update(ct), d.final()]);
  }
  return { message, sessionId: b.readBigUInt64LE(44), nonce: Buffer.from(b.subarray(20, 36)), flags: b.readUInt16LE(42), originalMessageSize };
}

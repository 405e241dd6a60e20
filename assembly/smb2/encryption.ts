// SMB3 encryption: the SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41), decrypting requests
// (3.3.5.2.1.1) and encrypting responses (3.1.4.3) with AES-128/256-CCM and -GCM; the
// per-session cipher contexts and nonces. Cipher choice is in commands/negotiate.ts, the
// policy (which sessions and shares must encrypt) in config.ts and session_setup/tree_connect.
import { Conn } from "./conn";
import { Session, KEY_ENCRYPTION, KEY_DECRYPTION, SESSION_VALID } from "./session";
import { SMB2_TRANSFORM_PROTOCOL_ID } from "./header";
import { GCM_CTX_SIZE, gcmInit } from "../crypto/gcm";
import { ccmInit } from "../crypto/ccm";
import { gcmSealFast, gcmOpenFast, ccmSealFast, ccmOpenFast } from "../crypto/accel";
import { bufAlloc, bufFree } from "../util/buffers";
import { wipe } from "../util/bytes";
import { random_fill } from "../abi/imports";
import { ShareCfg, globalCfg, ENCRYPT_DEFAULT, ENCRYPT_DESIRED, ENCRYPT_MANDATORY, ENCRYPT_DISABLED } from "../config";

const SMB2_GLOBAL_CAP_ENCRYPTION: u32 = 0x40;

// MS-SMB2 2.2.3.1.2 cipher identifiers
export const CIPHER_AES128_CCM: u16 = 1;
export const CIPHER_AES128_GCM: u16 = 2;
export const CIPHER_AES256_CCM: u16 = 3;
export const CIPHER_AES256_GCM: u16 = 4;

/** ProtocolId, Signature (16), Nonce (16), OriginalMessageSize, Reserved, Flags, SessionId. */
export const TRANSFORM_HEADER_SIZE: u32 = 52;
/** Flags/EncryptionAlgorithm: 0x0001 (Encrypted / SMB2_ENCRYPTION_AES128_CCM in 3.0.x). */
const TRANSFORM_FLAG_ENCRYPTED: u16 = 1;
/** The authenticated data: the transform header from Nonce to the end. */
const AAD_OFFSET: usize = 20;
const AAD_SIZE: i32 = 32;

/** Each session holds two contexts: encryption (server → client) and decryption. */
export const CIPHER_CTX_SIZE: usize = 2 * <usize>GCM_CTX_SIZE;

/** The AES key length (bytes) of a cipher; 0 for none. */
export function cipherKeyLen(id: u16): i32 {
  if (id == CIPHER_AES128_CCM || id == CIPHER_AES128_GCM) return 16;
  if (id == CIPHER_AES256_CCM || id == CIPHER_AES256_GCM) return 32;
  return 0;
}

@inline function isGcm(id: u16): bool {
  return id == CIPHER_AES128_GCM || id == CIPHER_AES256_GCM;
}

/**
 * Sets up the session's cipher contexts from its derived keys (after deriveKeys), when the
 * connection negotiated a cipher. False when memory is exhausted.
 */
export function initCiphers(s: Session): bool {
  const id = s.conn.cipherId;
  const kl = cipherKeyLen(id);
  if (kl == 0) return true;
  if (s.cipherCtx == 0) {
    s.cipherCtx = bufAlloc(CIPHER_CTX_SIZE);
    if (s.cipherCtx == 0) return false;
  }
  const enc = s.cipherCtx;
  const dec = s.cipherCtx + <usize>GCM_CTX_SIZE;
  if (isGcm(id)) {
    gcmInit(enc, s.keys + KEY_ENCRYPTION, kl);
    gcmInit(dec, s.keys + KEY_DECRYPTION, kl);
  } else {
    ccmInit(enc, s.keys + KEY_ENCRYPTION, kl);
    ccmInit(dec, s.keys + KEY_DECRYPTION, kl);
  }
  // Nonces: a random 32-bit prefix per key and a 64-bit message counter (never reused).
  const r = memory.data(4);
  random_fill(r, 4);
  s.noncePrefix = load<u32>(r);
  s.nonceCounter = 0;
  return true;
}

/** Wipes and frees the session's cipher contexts. */
export function freeCiphers(s: Session): void {
  if (s.cipherCtx != 0) {
    wipe(s.cipherCtx, <i32>CIPHER_CTX_SIZE);
    bufFree(s.cipherCtx, CIPHER_CTX_SIZE);
    s.cipherCtx = 0;
  }
}

/** The session can encrypt and decrypt: keys derived and a cipher negotiated. */
export function canEncrypt(s: Session): bool {
  return s.hasKeys && s.cipherCtx != 0 && s.conn.cipherId != 0;
}

/**
 * Decrypts an encrypted frame in place (3.3.5.2.1.1). Returns the session it was encrypted
 * for, with the plain SMB2 message at frame + TRANSFORM_HEADER_SIZE; or a reason (why) to
 * disconnect and null. Nothing of a message that fails authentication is processed.
 */
export function decryptFrame(c: Conn, frame: usize, size: u32, why: Array<string>): Session | null {
  if (c.cipherId == 0) {
    why.push("encrypted message, but encryption was not negotiated");
    return null;
  }
  if (size <= TRANSFORM_HEADER_SIZE + 64) {
    why.push("encrypted message of " + size.toString() + " bytes is too short");
    return null;
  }
  const flags = load<u16>(frame, 42);
  if (flags != TRANSFORM_FLAG_ENCRYPTED) {
    why.push("transform header Flags 0x" + flags.toString(16) + " is not Encrypted");
    return null;
  }
  const len = load<u32>(frame, 36); // OriginalMessageSize
  if (len != size - TRANSFORM_HEADER_SIZE) {
    why.push("OriginalMessageSize " + len.toString() + " does not match the frame (" + (size - TRANSFORM_HEADER_SIZE).toString() + " bytes)");
    return null;
  }
  const sid = load<u64>(frame, 44);
  if (!c.sessions.has(sid)) {
    why.push("encrypted message for unknown session 0x" + sid.toString(16));
    return null;
  }
  const s = c.sessions.get(sid);
  if (!canEncrypt(s) || s.isGuest || s.isAnonymous) {
    why.push("encrypted message for session 0x" + sid.toString(16) + ", which has no encryption key");
    return null;
  }
  const id = c.cipherId;
  const kl = cipherKeyLen(id);
  const ctx = s.cipherCtx + <usize>GCM_CTX_SIZE;
  const key = s.keys + KEY_DECRYPTION;
  const msg = frame + <usize>TRANSFORM_HEADER_SIZE;
  const nonce = frame + 20;
  const tag = frame + 4;
  const ok = isGcm(id)
    ? gcmOpenFast(ctx, key, kl, nonce, frame + AAD_OFFSET, AAD_SIZE, msg, msg, <i32>len, tag)
    : ccmOpenFast(ctx, key, kl, nonce, frame + AAD_OFFSET, AAD_SIZE, msg, msg, <i32>len, tag);
  if (!ok) {
    why.push("encrypted message for session 0x" + sid.toString(16) + " failed authentication");
    return null;
  }
  return s;
}

/**
 * Encrypts the response frame [buf+4, buf+len) (after its 4-byte direct-TCP header) for the
 * session (3.1.4.3). Returns a new buffer of exactly len + TRANSFORM_HEADER_SIZE bytes holding
 * the direct-TCP header, the transform header and the ciphertext, or 0 when memory is
 * exhausted. buf stays the caller's.
 */
export function encryptFrame(s: Session, buf: usize, len: u32): usize {
  const msgLen = len - 4;
  const total = <usize>len + <usize>TRANSFORM_HEADER_SIZE;
  const out = bufAlloc(total);
  if (out == 0) return 0;
  store<u32>(out, bswap<u32>(msgLen + TRANSFORM_HEADER_SIZE));
  const t = out + 4;
  store<u32>(t, SMB2_TRANSFORM_PROTOCOL_ID);
  // Nonce: the 64-bit counter, then the random prefix; the rest of the 16 bytes is zero.
  memory.fill(t + 20, 0, 16);
  const id = s.conn.cipherId;
  s.nonceCounter++;
  store<u64>(t + 20, s.nonceCounter);
  if (isGcm(id)) store<u32>(t + 28, s.noncePrefix);
  else {
    store<u16>(t + 28, <u16>s.noncePrefix); // the CCM nonce is 11 bytes
    store<u8>(t + 30, <u8>(s.noncePrefix >>> 16));
  }
  store<u32>(t, msgLen, 36);
  store<u16>(t, 0, 40);
  store<u16>(t, TRANSFORM_FLAG_ENCRYPTED, 42);
  store<u64>(t, s.id, 44);
  const kl = cipherKeyLen(id);
  const key = s.keys + KEY_ENCRYPTION;
  const src = buf + 4;
  const dst = t + <usize>TRANSFORM_HEADER_SIZE;
  if (isGcm(id)) {
    gcmSealFast(s.cipherCtx, key, kl, t + 20, t + AAD_OFFSET, AAD_SIZE, src, dst, <i32>msgLen, t + 4);
  } else if (!ccmSealFast(s.cipherCtx, key, kl, t + 20, t + AAD_OFFSET, AAD_SIZE, src, dst, <i32>msgLen, t + 4)) {
    bufFree(out, total);
    return 0;
  }
  return out;
}

/** A session is valid and its traffic must be encrypted (3.3.5.2.9). */
export function sessionRequiresEncryption(s: Session): bool {
  return s.encryptData && s.state == SESSION_VALID;
}

/** The encryption policy that applies to a share: its own, or the global one. */
function sharePolicy(share: ShareCfg): i32 {
  return share.encryption != ENCRYPT_DEFAULT ? share.encryption : globalCfg.encryption;
}

/**
 * Session setup (3.3.5.5.3): 1 = the session encrypts (SMB2_SESSION_FLAG_ENCRYPT_DATA),
 * 0 = it does not, -1 = refuse it (encryption is mandatory and this session cannot encrypt:
 * a guest or anonymous session has no key; a client without a cipher cannot).
 */
export function sessionEncryptionPolicy(s: Session): i32 {
  const g = globalCfg.encryption;
  if (g != ENCRYPT_DESIRED && g != ENCRYPT_MANDATORY) return 0;
  if (!s.isGuest && !s.isAnonymous && canEncrypt(s)) return 1;
  return g == ENCRYPT_MANDATORY ? -1 : 0;
}

/**
 * Tree connect (3.3.5.7): 1 = the tree encrypts (SMB2_SHAREFLAG_ENCRYPT_DATA), 0 = it does
 * not, -1 = refuse (the share requires encryption and this session cannot encrypt).
 */
export function treeEncryptionPolicy(s: Session, share: ShareCfg): i32 {
  if (share.isIpc) return 0;
  const p = sharePolicy(share);
  if (p != ENCRYPT_DESIRED && p != ENCRYPT_MANDATORY) return 0;
  if (!s.isGuest && !s.isAnonymous && canEncrypt(s)) return 1;
  return p == ENCRYPT_MANDATORY ? -1 : 0;
}

/**
 * The cipher for a 3.1.1 connection (3.3.5.4): the server's most preferred one that the
 * client lists (ids at p, count n); 0 when none, or when encryption is disabled.
 */
export function chooseCipher(p: usize, n: u32): u16 {
  if (globalCfg.encryption == ENCRYPT_DISABLED) return 0;
  const pref = globalCfg.ciphers;
  for (let i = 0; i < pref.length; i++) {
    const want = unchecked(pref[i]);
    for (let k: u32 = 0; k < n; k++) if (load<u16>(p + <usize>k * 2) == want) return want;
  }
  return 0;
}

/** 3.0 and 3.0.2 encrypt with AES-128-CCM when both sides support it (3.3.5.4). */
export function cipherFor30(clientCaps: u32): u16 {
  if (globalCfg.encryption == ENCRYPT_DISABLED || (clientCaps & SMB2_GLOBAL_CAP_ENCRYPTION) == 0) return 0;
  const pref = globalCfg.ciphers;
  for (let i = 0; i < pref.length; i++) if (unchecked(pref[i]) == CIPHER_AES128_CCM) return CIPHER_AES128_CCM;
  return 0;
}

// MS-SMB2 3.1.4.1 signing and 3.1.5.1 verification: HMAC-SHA256 (2.0.2/2.1), AES-128-CMAC
// (3.0/3.0.2, and 3.1.1 by default) and AES-128-GMAC (3.1.1 when negotiated); and the
// 3.1.4.2 key derivation (SP800-108 KDF) of signing/application/cipher keys.
import { Session, KEY_SESSION, KEY_SIGNING, KEY_APPLICATION, KEY_ENCRYPTION, KEY_DECRYPTION, KEY_CRYPTO_CTX } from "./session";
import { SMB2_CANCEL, SMB2_FLAGS_SERVER_TO_REDIR } from "./header";
import { DIALECT_300, DIALECT_311 } from "../config";
import { SIGNING_AES_GMAC, SIGNING_HMAC_SHA256 } from "./commands/negotiate";
import { hmacSha256Fast, gmacFast } from "../crypto/accel";
import { aesCmac } from "../crypto/cmac";
import { gcmInit } from "../crypto/gcm";
import { kdfCounterHmacSha256 } from "../crypto/kdf";
import { cipherKeyLen, initCiphers } from "./encryption";
import { ctEqual, wipe } from "../util/bytes";
import { Channel, channelOf } from "./channel";
import { Conn } from "./conn";

const mac = memory.data(16);
const hmacOut = memory.data(32);
const saved = memory.data(16);
const nonce = memory.data(12);

function label(s: string): ArrayBuffer {
  // MS-SMB2 labels and contexts include the terminating NUL
  const b = String.UTF8.encode(s, true);
  return b;
}

const L_CMAC = label("SMB2AESCMAC");
const C_SIGN = label("SmbSign");
const L_APP30 = label("SMB2APP");
const C_RPC = label("SmbRpc");
const L_CCM = label("SMB2AESCCM");
const C_IN = label("ServerIn ");
const C_OUT = label("ServerOut");
const L_SIGN311 = label("SMBSigningKey");
const L_APP311 = label("SMBAppKey");
const L_C2S = label("SMBC2SCipherKey");
const L_S2C = label("SMBS2CCipherKey");

function kdf(s: Session, l: ArrayBuffer, ctx: usize, ctxLen: i32, outOff: usize, bits: i32): void {
  kdfCounterHmacSha256(s.keys + KEY_SESSION, 16, changetype<usize>(l), l.byteLength, ctx, ctxLen, s.keys + outOff, bits);
}

/**
 * Derives the session's keys from its 16-byte session key (MS-SMB2 3.3.5.5.3): for 2.x the
 * signing key is the session key; for 3.0/3.0.2 the fixed contexts; for 3.1.1 the session's
 * preauth integrity hash.
 */
export function deriveKeys(s: Session): bool {
  const d = s.conn.dialect;
  const k = s.keys;
  if (d < DIALECT_300) {
    memory.copy(k + KEY_SIGNING, k + KEY_SESSION, 16);
    memory.copy(k + KEY_APPLICATION, k + KEY_SESSION, 16);
  } else if (d < DIALECT_311) {
    kdf(s, L_CMAC, changetype<usize>(C_SIGN), C_SIGN.byteLength, KEY_SIGNING, 128);
    kdf(s, L_APP30, changetype<usize>(C_RPC), C_RPC.byteLength, KEY_APPLICATION, 128);
    kdf(s, L_CCM, changetype<usize>(C_IN), C_IN.byteLength, KEY_DECRYPTION, 128);
    kdf(s, L_CCM, changetype<usize>(C_OUT), C_OUT.byteLength, KEY_ENCRYPTION, 128);
  } else {
    kdf(s, L_SIGN311, s.preauthHash, 64, KEY_SIGNING, 128);
    kdf(s, L_APP311, s.preauthHash, 64, KEY_APPLICATION, 128);
    // AES-256 ciphers take 256-bit keys (L = 256) from the same session key (3.3.5.5.3)
    const bits = cipherKeyLen(s.conn.cipherId) == 32 ? 256 : 128;
    kdf(s, L_C2S, s.preauthHash, 64, KEY_DECRYPTION, bits);
    kdf(s, L_S2C, s.preauthHash, 64, KEY_ENCRYPTION, bits);
  }
  if (d >= DIALECT_311 && s.conn.signingAlgorithm == SIGNING_AES_GMAC) {
    gcmInit(k + KEY_CRYPTO_CTX, k + KEY_SIGNING, 16);
  }
  s.hasKeys = true;
  return initCiphers(s);
}

/** Derives a bound channel's signing key from the binding's session key (3.3.5.5.3 Channel.SigningKey). */
export function deriveChannelKey(s: Session, ch: Channel, sessionKey: usize): void {
  const c = ch.conn;
  if (c.dialect < DIALECT_311) {
    kdfCounterHmacSha256(sessionKey, 16, changetype<usize>(L_CMAC), L_CMAC.byteLength, changetype<usize>(C_SIGN), C_SIGN.byteLength, ch.key, 128);
  } else {
    kdfCounterHmacSha256(sessionKey, 16, changetype<usize>(L_SIGN311), L_SIGN311.byteLength, ch.preauthHash(), 64, ch.key, 128);
  }
  if (c.dialect >= DIALECT_311 && c.signingAlgorithm == SIGNING_AES_GMAC) gcmInit(ch.ctx, ch.key, 16);
}

/**
 * Computes the 16-byte signature of the message at h (len bytes, Signature field zeroed) with
 * the signing algorithm alg of dialect d and the 16-byte key (ctx: its GMAC context).
 */
function compute(h: usize, len: u32, d: u16, alg: u16, key: usize, ctx: usize, out: usize): void {
  if (d < DIALECT_300 || (d >= DIALECT_311 && alg == SIGNING_HMAC_SHA256)) {
    hmacSha256Fast(key, 16, h, <i32>len, hmacOut);
    memory.copy(out, hmacOut, 16);
    wipe(hmacOut, 32);
  } else if (d >= DIALECT_311 && alg == SIGNING_AES_GMAC) {
    store<u64>(nonce, load<u64>(h, 24)); // MessageId
    let role: u32 = (load<u32>(h, 16) & SMB2_FLAGS_SERVER_TO_REDIR) != 0 ? 1 : 0;
    if (load<u16>(h, 12) == SMB2_CANCEL && role == 0) role |= 2;
    store<u32>(nonce, role, 8);
    gmacFast(ctx, key, 16, nonce, h, <i32>len, out);
  } else {
    aesCmac(key, 16, h, <i32>len, out);
  }
}

/**
 * Signs the response at h (len bytes, incl. compound padding) going out over c, with the
 * channel's key (MS-SMB2 3.3.4.1.1); over a connection not bound to s (a binding refused)
 * with the session's own key. Sets SMB2_FLAGS_SIGNED.
 */
export function signResponse(h: usize, len: u32, s: Session, c: Conn, main: bool = false): void {
  if (!s.hasKeys) return;
  store<u32>(h, load<u32>(h, 16) | 0x8, 16);
  memory.fill(h + 48, 0, 16);
  const ch: Channel | null = main ? null : channelOf(s, c);
  if (ch !== null) compute(h, len, c.dialect, c.signingAlgorithm, ch.key, ch.ctx, h + 48);
  else compute(h, len, s.dialect, s.signingAlgorithm, s.keys + KEY_SIGNING, s.keys + KEY_CRYPTO_CTX, h + 48);
}

/**
 * Verifies a signed request in place (restores its Signature field) that came over c: with
 * c's channel key, or the session's own key when c is not bound to s (a binding request,
 * 3.3.5.2.4). Constant-time (P2).
 */
export function verifyRequest(h: usize, len: u32, s: Session, c: Conn, main: bool = false): bool {
  if (!s.hasKeys) return false;
  memory.copy(saved, h + 48, 16);
  memory.fill(h + 48, 0, 16);
  const ch: Channel | null = main ? null : channelOf(s, c);
  if (ch !== null) compute(h, len, c.dialect, c.signingAlgorithm, ch.key, ch.ctx, mac);
  else compute(h, len, s.dialect, s.signingAlgorithm, s.keys + KEY_SIGNING, s.keys + KEY_CRYPTO_CTX, mac);
  const ok = ctEqual(mac, saved, 16);
  memory.copy(h + 48, saved, 16);
  wipe(mac, 16);
  return ok;
}

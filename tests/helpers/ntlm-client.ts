// A small NTLMv2 + SPNEGO client for tests (MS-NLMP 3.1.5, RFC 4178), built on node:crypto's
// MD5/HMAC-MD5 plus JS MD4 and RC4 (Node 20's OpenSSL 3 has neither): plays the client side.
import { createHash, createHmac, randomBytes } from "node:crypto";

export const NEGOTIATE_UNICODE = 0x00000001;
export const NEGOTIATE_OEM = 0x00000002;
export const REQUEST_TARGET = 0x00000004;
export const NEGOTIATE_SIGN = 0x00000010;
export const NEGOTIATE_SEAL = 0x00000020;
export const NEGOTIATE_NTLM = 0x00000200;
export const NEGOTIATE_ALWAYS_SIGN = 0x00008000;
export const TARGET_TYPE_SERVER = 0x00020000;
export const NEGOTIATE_ESS = 0x00080000;
export const NEGOTIATE_TARGET_INFO = 0x00800000;
export const NEGOTIATE_VERSION = 0x02000000;
export const NEGOTIATE_128 = 0x20000000;
export const NEGOTIATE_KEY_EXCH = 0x40000000;
export const NEGOTIATE_56 = 0x80000000;
/** The flags a Windows 10 client sends in NEGOTIATE (0xe2088297). */
export const WINDOWS_FLAGS = 0xe2088297;

const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
export const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf16le"));
const u16 = (v: number): Uint8Array => new Uint8Array([v & 0xff, (v >>> 8) & 0xff]);
const u32 = (v: number): Uint8Array => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);

export function md5(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac("md5", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** RC4 keystream XOR (a fresh cipher per call). */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256).map((_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]) & 0xff;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
  }
  return out;
}

/** MD4 (RFC 1320). */
export function md4(msg: Uint8Array): Uint8Array {
  const n = ((msg.length + 8) >>> 6) + 1;
  const w = new Uint32Array(n * 16);
  for (let i = 0; i < msg.length; i++) w[i >> 2] |= msg[i] << ((i & 3) * 8);
  w[msg.length >> 2] |= 0x80 << ((msg.length & 3) * 8);
  w[n * 16 - 2] = msg.length * 8;
  const rotl = (x: number, s: number) => (x << s) | (x >>> (32 - s));
  let [a, b, c, d] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let blk = 0; blk < n * 16; blk += 16) {
    const x = w.subarray(blk, blk + 16);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const r1 = (a: number, b: number, c: number, d: number, k: number, s: number) => rotl((a + ((b & c) | (~b & d)) + x[k]) | 0, s);
    const r2 = (a: number, b: number, c: number, d: number, k: number, s: number) =>
      rotl((a + ((b & c) | (b & d) | (c & d)) + x[k] + 0x5a827999) | 0, s);
    const r3 = (a: number, b: number, c: number, d: number, k: number, s: number) => rotl((a + (b ^ c ^ d) + x[k] + 0x6ed9eba1) | 0, s);
    for (const k of [0, 4, 8, 12]) {
      a = r1(a, b, c, d, k, 3); d = r1(d, a, b, c, k + 1, 7); c = r1(c, d, a, b, k + 2, 11); b = r1(b, c, d, a, k + 3, 19);
    }
    for (const k of [0, 1, 2, 3]) {
      a = r2(a, b, c, d, k, 3); d = r2(d, a, b, c, k + 4, 5); c = r2(c, d, a, b, k + 8, 9); b = r2(b, c, d, a, k + 12, 13);
    }
    for (const k of [0, 2, 1, 3]) {
      a = r3(a, b, c, d, k, 3); d = r3(d, a, b, c, k + 8, 9); c = r3(c, d, a, b, k + 4, 11); b = r3(b, c, d, a, k + 12, 15);
    }
    [a, b, c, d] = [(a + aa) | 0, (b + bb) | 0, (c + cc) | 0, (d + dd) | 0];
  }
  return cat(u32(a), u32(b), u32(c), u32(d));
}

/** NT hash = MD4(UTF-16LE(password)). */
export const ntHash = (password: string): Uint8Array => md4(utf16(password));

/** A NEGOTIATE_MESSAGE with a Version field (40 bytes), as Windows sends it. */
export function negotiateMessage(flags: number = WINDOWS_FLAGS): Uint8Array {
  return cat(
    new TextEncoder().encode("NTLMSSP\0"), u32(1), u32(flags),
    u16(0), u16(0), u32(0), u16(0), u16(0), u32(0),
    new Uint8Array([10, 0, 0x61, 0x4a, 0, 0, 0, 15]),
  );
}

export interface Challenge {
  flags: number;
  serverChallenge: Uint8Array;
  targetName: Uint8Array;
  targetInfo: Uint8Array;
  version: Uint8Array;
}

export function parseChallenge(m: Uint8Array): Challenge {
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  if (new TextDecoder().decode(m.subarray(0, 8)) !== "NTLMSSP\0" || dv.getUint32(8, true) !== 2) {
    throw new Error("not a CHALLENGE_MESSAGE");
  }
  const field = (at: number) => {
    const len = dv.getUint16(at, true);
    const off = dv.getUint32(at + 4, true);
    if (off + len > m.length) throw new Error(`field at ${at} out of bounds`);
    return m.slice(off, off + len);
  };
  return {
    flags: dv.getUint32(20, true),
    serverChallenge: m.slice(24, 32),
    targetName: field(12),
    targetInfo: field(40),
    version: m.slice(48, 56),
  };
}

/** AV pairs as [id, value] in order (EOL included). */
export function parseAvPairs(b: Uint8Array): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  for (let p = 0; p + 4 <= b.length; ) {
    const id = b[p] | (b[p + 1] << 8);
    const n = b[p + 2] | (b[p + 3] << 8);
    out.push([id, b.slice(p + 4, p + 4 + n)]);
    p += 4 + n;
    if (id === 0) break;
  }
  return out;
}

export interface AuthOptions {
  user: string;
  domain: string;
  workstation?: string;
  /** NT hash of the password (16 bytes). */
  hash: Uint8Array;
  negotiate: Uint8Array;
  challenge: Uint8Array;
  /** Flags for AUTHENTICATE (default: the CHALLENGE's flags). */
  flags?: number;
  /** Send a MIC (MsvAvFlags 0x2); default true. */
  mic?: boolean;
  /** Domain used in NTOWFv2 when it differs from the one in the message (NIL UserDom clients). */
  ntowfDomain?: string;
  /** Override: NT response / LM response bytes (for v1 / anonymous cases). */
  ntResponse?: Uint8Array;
  lmResponse?: Uint8Array;
}

export interface Auth {
  message: Uint8Array;
  exportedSessionKey: Uint8Array;
  flags: number;
  /** Offset of the MIC in message (for tampering tests). */
  micOffset: number;
  ntOffset: number;
}

/** Builds an NTLMv2 AUTHENTICATE_MESSAGE (3.1.5.1.2) answering `challenge`. */
export function authenticateMessage(o: AuthOptions): Auth {
  const ch = parseChallenge(o.challenge);
  const flags = o.flags ?? ch.flags;
  const withMic = o.mic ?? true;
  const av = parseAvPairs(ch.targetInfo).filter(([id]) => id !== 0);
  const ts = av.find(([id]) => id === 7)?.[1] ?? new Uint8Array(8);
  if (withMic) av.push([6, u32(2)]);
  const info = cat(...av.map(([id, v]) => cat(u16(id), u16(v.length), v)), u32(0));
  const temp = cat(new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0]), ts, randomBytes(8), u32(0), info, u32(0));
  const owf = hmacMd5(o.hash, utf16(o.user.toUpperCase() + (o.ntowfDomain ?? o.domain)));
  const proof = hmacMd5(owf, ch.serverChallenge, temp);
  const nt = o.ntResponse ?? cat(proof, temp);
  const lm = o.lmResponse ?? new Uint8Array(24);
  const baseKey = hmacMd5(owf, proof);
  let exported: Uint8Array = baseKey;
  let encKey: Uint8Array = new Uint8Array(0);
  if (flags & NEGOTIATE_KEY_EXCH) {
    exported = new Uint8Array(randomBytes(16));
    encKey = rc4(baseKey, exported);
  }
  const dom = utf16(o.domain);
  const usr = utf16(o.user);
  const ws = utf16(o.workstation ?? "CLIENT");
  // Payload order: domain, user, workstation, LM, NT, EncryptedRandomSessionKey (any order is legal).
  const payload = [dom, usr, ws, lm, nt, encKey];
  const offsets: number[] = [];
  let off = 88;
  for (const b of payload) {
    offsets.push(off);
    off += b.length;
  }
  const ntOffset = offsets[4];
  // Header field order (2.2.1.3): LM, NT, domain, user, workstation, session key.
  const fields = [3, 4, 0, 1, 2, 5].map((i) => cat(u16(payload[i].length), u16(payload[i].length), u32(offsets[i])));
  const msg = cat(
    new TextEncoder().encode("NTLMSSP\0"), u32(3), ...fields, u32(flags),
    new Uint8Array([10, 0, 0x61, 0x4a, 0, 0, 0, 15]), new Uint8Array(16), ...payload,
  );
  if (withMic) msg.set(hmacMd5(exported, o.negotiate, o.challenge, msg), 72);
  return { message: msg, exportedSessionKey: exported, flags, micOffset: 72, ntOffset };
}

const magic = (s: string) => new TextEncoder().encode(`session key to ${s} key magic constant\0`);

/** NTLMSSP_MESSAGE_SIGNATURE with ESS (3.4.4.2) under a fresh RC4 handle, as for a mechListMIC. */
export function ntlmSignature(exportedKey: Uint8Array, flags: number, clientToServer: boolean, seq: number, data: Uint8Array): Uint8Array {
  const dir = clientToServer ? "client-to-server" : "server-to-client";
  const signKey = md5(exportedKey, magic(`${dir} signing`));
  const n = flags & NEGOTIATE_128 ? 16 : flags & NEGOTIATE_56 ? 7 : 5;
  const sealKey = md5(exportedKey.subarray(0, n), magic(`${dir} sealing`));
  let checksum = hmacMd5(signKey, u32(seq), data).subarray(0, 8);
  if (flags & NEGOTIATE_KEY_EXCH) checksum = rc4(sealKey, checksum);
  return cat(u32(1), checksum, u32(seq));
}

// ---- DER / SPNEGO (RFC 4178) ----

export function der(tag: number, ...content: Uint8Array[]): Uint8Array {
  const c = cat(...content);
  const n = c.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else if (n < 0x100) len = [0x81, n];
  else if (n < 0x10000) len = [0x82, n >> 8, n & 0xff];
  else len = [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return cat(new Uint8Array([tag, ...len]), c);
}

export const OID_SPNEGO = new Uint8Array([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]);
export const OID_NTLMSSP = new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]);
/** 1.2.840.48018.1.2.2 (MS Kerberos) and 1.2.840.113554.1.2.2 (Kerberos 5). */
export const OID_MS_KRB5 = new Uint8Array([0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02]);
export const OID_KRB5 = new Uint8Array([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]);

/** The DER MechTypeList (SEQUENCE OF OID): the data the mechListMIC covers. */
export const mechTypeList = (oids: Uint8Array[]): Uint8Array => der(0x30, ...oids.map((o) => der(0x06, o)));

/** A GSS-wrapped negTokenInit: mechTypes, optional reqFlags, mechToken, mechListMIC. */
export function negTokenInit(oids: Uint8Array[], mechToken?: Uint8Array, reqFlags = false): Uint8Array {
  const parts = [der(0xa0, mechTypeList(oids))];
  if (reqFlags) parts.push(der(0xa1, der(0x03, new Uint8Array([0x00, 0x00]))));
  if (mechToken) parts.push(der(0xa2, der(0x04, mechToken)));
  return der(0x60, der(0x06, OID_SPNEGO), der(0xa0, der(0x30, ...parts)));
}

/** A negTokenResp from the client: responseToken and optional mechListMIC (negState omitted unless given). */
export function negTokenResp(token?: Uint8Array, mic?: Uint8Array, negState?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (negState !== undefined) parts.push(der(0xa0, der(0x0a, new Uint8Array([negState]))));
  if (token) parts.push(der(0xa2, der(0x04, token)));
  if (mic) parts.push(der(0xa3, der(0x04, mic)));
  return der(0xa1, der(0x30, ...parts));
}

export interface ParsedResp {
  negState?: number;
  supportedMech?: Uint8Array;
  responseToken?: Uint8Array;
  mechListMIC?: Uint8Array;
}

/** Parses a negTokenResp (strict: definite lengths, every field where RFC 4178 puts it). */
export function parseNegTokenResp(b: Uint8Array): ParsedResp {
  const tlv = (buf: Uint8Array, at: number) => {
    const tag = buf[at];
    let n = buf[at + 1];
    let hdr = 2;
    if (n & 0x80) {
      const k = n & 0x7f;
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + buf[at + 2 + i];
      hdr += k;
    }
    if (at + hdr + n > buf.length) throw new Error("DER length past end");
    return { tag, value: buf.subarray(at + hdr, at + hdr + n), end: at + hdr + n };
  };
  const outer = tlv(b, 0);
  if (outer.tag !== 0xa1 || outer.end !== b.length) throw new Error("not a negTokenResp");
  const seq = tlv(outer.value, 0);
  if (seq.tag !== 0x30) throw new Error("negTokenResp without SEQUENCE");
  const r: ParsedResp = {};
  for (let p = 0; p < seq.value.length; ) {
    const f = tlv(seq.value, p);
    const inner = tlv(f.value, 0);
    if (f.tag === 0xa0) r.negState = inner.value[0];
    else if (f.tag === 0xa1) r.supportedMech = inner.value.slice();
    else if (f.tag === 0xa2) r.responseToken = inner.value.slice();
    else if (f.tag === 0xa3) r.mechListMIC = inner.value.slice();
    p = f.end;
  }
  return r;
}

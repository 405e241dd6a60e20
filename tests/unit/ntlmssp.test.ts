// Unit tests for assembly/auth/ntlmssp.ts: MS-NLMP 4.2.4 NTLMv2 vectors, MIC, signing, and
// hostile AUTHENTICATE messages. Vectors: MS-NLMP 4.2.1-4.2.4 (the 4.2.4.3 CHALLENGE/AUTHENTICATE
// messages), and Chromium's net/ntlm/ntlm_test_data.h for an AUTHENTICATE carrying a MIC.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hex, loadTestModule, unhex } from "../helpers/wasm.ts";
import {
  NEGOTIATE_128, NEGOTIATE_KEY_EXCH, NEGOTIATE_SIGN, NEGOTIATE_UNICODE, REQUEST_TARGET, TARGET_TYPE_SERVER,
  NEGOTIATE_TARGET_INFO, NEGOTIATE_VERSION, WINDOWS_FLAGS, authenticateMessage, hmacMd5, md4, md5, negotiateMessage,
  ntHash, parseAvPairs, parseChallenge, rc4, utf16,
} from "../helpers/ntlm-client.ts";

const m = loadTestModule("ntlmssp");
const x = m.exports;

const OK_USER = 0;
const OK_GUEST = 1;
const OK_ANONYMOUS = 2;
const LOGON_FAILURE = 3;
const INVALID = 4;

// MS-NLMP 4.2.1 common values.
const PASSWORD_HASH = unhex("a4f49c406510bdcab6824ee7c30fd852"); // NTOWFv1("Password"), 4.2.2.1.2
const SERVER_CHALLENGE = unhex("0123456789abcdef");
const RANDOM_SESSION_KEY = unhex("55555555555555555555555555555555");
// 4.2.4.3 CHALLENGE_MESSAGE (flags 0xe28a8233, TargetInfo: NbDomainName "Domain", NbComputerName "Server").
const SPEC_CHALLENGE = unhex(
  "4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef 0000000000000000" +
    "24002400 44000000 060070170000000f 530065007200760065007200" +
    "02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000",
);
// 4.2.4.3 AUTHENTICATE_MESSAGE (flags 0xe2888235, KEY_EXCH, no MIC).
const SPEC_AUTHENTICATE = unhex(
  "4e544c4d535350000300000018001800 6c00000054005400840000000c000c00 480000000800080054000000" +
    "100010005c00000010001000d8000000 358288e20501280a0000000f" +
    "44006f006d00610069006e00 5500730065007200 43004f004d00500055005400450052 00" +
    "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa" +
    "68cd0ab851e51c96aabc927bebef6a1c 01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
    "02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000" +
    "c5dad2544fc9799094ce1ce90bc9d03e",
);
// 4.2.4.1.3 temp (NTLMv2_CLIENT_CHALLENGE with Time 0, ClientChallenge aa*8).
const SPEC_TEMP = unhex(
  "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
    "02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000",
);
// Chromium ntlm_test_data.h: kExpectedNegotiateMsg and kExpectedAuthenticateMsgSpecResponseV2 (MIC).
const CHROMIUM_NEGOTIATE = unhex("4e544c4d53535000010000000782080000000000200000000000000020000000");
const D = "44006f006d00610069006e00"; // "Domain"
const CHROMIUM_AUTHENTICATE = unhex(
  "4e544c4d53535000 03000000 18001800 58000000 8a008a00 70000000 0c000c00 fa000000" +
    "08000800 06010000 10001000 0e010000 00000000 58000000 03820800 0000000000000000" +
    "f7361633f0ad9bdf4a7c421bc6b824a3" + "00".repeat(24) +
    "8c0260dbef690662af9c42d50782d2ed 0101000000000000800bc8fd00d4d201aaaaaaaaaaaaaaaa00000000" +
    `02000c00${D} 01000c00530065007200760065007200 0600040002000000` +
    "0a0010006586e99d81c2fc984e47172fd4dd0310" +
    "09001600 48005400540050002f00530065007200760065007200 00000000 00000000" +
    `${D} 5500730065007200 43004f004d0050005500540045005200`,
);

const put = (b: Uint8Array) => m.put(b);
const out = (n: number) => m.alloc(n);

x.user_add(put(utf16("User")), 8, put(PASSWORD_HASH));
x.user_add(put(utf16("alice")), 10, put(ntHash("wonderland")));

function session(mapToGuest = 0): { id: number; challenge: Uint8Array; negotiate: Uint8Array } {
  const id = x.srv_new(mapToGuest);
  const negotiate = negotiateMessage();
  const p = x.srv_negotiate(id, put(negotiate), negotiate.length);
  assert.ok(p !== 0, "NEGOTIATE accepted");
  return { id, challenge: m.get(p, x.out_len()), negotiate };
}

function authenticate(id: number, msg: Uint8Array): number {
  return x.srv_authenticate(id, put(msg), msg.length);
}

function userOf(id: number, fn: (id: number, o: number) => number): string {
  const o = out(512);
  return Buffer.from(m.get(o, fn(id, o))).toString("utf16le");
}

test("JS helpers: MD4 NT hash of 'Password' (MS-NLMP 4.2.2.1.2) and RC4 key exchange (4.2.4.2.3)", () => {
  assert.is(hex(md4(utf16("Password"))), hex(PASSWORD_HASH));
  assert.is(hex(md4(new Uint8Array(0))), "31d6cfe0d16ae931b73c59d7e0c089c0"); // RFC 1320 A.5
  assert.is(hex(rc4(unhex("8de40ccadbc14a82f15cb0ad0de95ca3"), RANDOM_SESSION_KEY)), "c5dad2544fc9799094ce1ce90bc9d03e");
});

test("NTOWFv2 and NTProofStr match MS-NLMP 4.2.4.1.1 / 4.2.4.2.2", () => {
  const owf = out(16);
  const u = utf16("User");
  const d = utf16("Domain");
  x.ntowf_v2(put(PASSWORD_HASH), put(u), u.length, put(d), d.length, owf);
  assert.is(hex(m.get(owf, 16)), "0c868a403bfd7a93a3001ef22ef02e3f");
  // The user name is upper-cased, the domain is not.
  const u2 = utf16("uSeR");
  const owf2 = out(16);
  x.ntowf_v2(put(PASSWORD_HASH), put(u2), u2.length, put(d), d.length, owf2);
  assert.is(hex(m.get(owf2, 16)), "0c868a403bfd7a93a3001ef22ef02e3f");
  const proof = out(16);
  x.nt_proof_str(owf, put(SERVER_CHALLENGE), put(SPEC_TEMP), SPEC_TEMP.length, proof);
  assert.is(hex(m.get(proof, 16)), "68cd0ab851e51c96aabc927bebef6a1c");
  // SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr) (4.2.4.1.2), cross-checked with node:crypto.
  assert.is(hex(hmacMd5(m.get(owf, 16), m.get(proof, 16))), "8de40ccadbc14a82f15cb0ad0de95ca3");
});

test("NTOWFv2 upper-cases the user one UTF-16 unit at a time (no length change), never traps", () => {
  // Per-unit upper case like RtlUpcaseUnicodeString: "ß" stays (its full upper case "SS" is longer).
  const up = (s: string) => s.split("").map((c) => (c.toUpperCase().length === 1 ? c.toUpperCase() : c)).join("");
  for (const user of ["josé", "straße", "ǆemal", "\ud800lone", "ﬀ", "Ωmega", ""]) {
    const u = utf16(user);
    const d = utf16("Dom");
    const o = out(16);
    x.ntowf_v2(put(PASSWORD_HASH), put(u), u.length, put(d), d.length, o);
    assert.is(hex(m.get(o, 16)), hex(hmacMd5(PASSWORD_HASH, utf16(`${up(user)}Dom`))), user);
  }
});

test("the 4.2.4.3 AUTHENTICATE_MESSAGE is accepted and yields ExportedSessionKey 55..55", () => {
  const id = x.srv_new(0);
  x.srv_set_messages(id, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
  assert.is(authenticate(id, SPEC_AUTHENTICATE), OK_USER);
  const k = x.srv_key(id);
  assert.ok(k !== 0);
  assert.is(hex(m.get(k, 16)), hex(RANDOM_SESSION_KEY));
  assert.is(userOf(id, x.srv_user), "User");
  assert.is(userOf(id, x.srv_domain), "Domain");
  assert.is(x.srv_mic_present(id), 0);
  assert.is(x.srv_flags(id) >>> 0, (0xe2888235 & 0xe28a8233) >>> 0);
  assert.is(authenticate(id, SPEC_AUTHENTICATE), INVALID, "the challenge is single-use");
  assert.is(hex(m.get(x.srv_key_storage(id), 16)), "00".repeat(16), "a failed attempt clears the key");
  x.srv_set_messages(id, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
  assert.is(authenticate(id, SPEC_AUTHENTICATE), OK_USER);
  x.srv_dispose(id);
  assert.is(x.srv_key(id), 0);
  assert.is(hex(m.get(x.srv_key_storage(id), 16)), "00".repeat(16), "dispose wipes the key");
});

test("the 4.2.4.3 message fails with a wrong password, a changed challenge, or one flipped proof bit", () => {
  const wrong = x.srv_new(0);
  const chal = SPEC_CHALLENGE.slice();
  chal[24] ^= 1;
  x.srv_set_messages(wrong, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(chal), chal.length);
  assert.is(authenticate(wrong, SPEC_AUTHENTICATE), LOGON_FAILURE);
  assert.is(x.srv_key(wrong), 0);
  for (const at of [0x84, 0x84 + 15, 0x84 + 20, 0x84 + 0x53]) {
    const id = x.srv_new(0);
    x.srv_set_messages(id, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
    const msg = SPEC_AUTHENTICATE.slice();
    msg[at] ^= 0x10;
    assert.is(authenticate(id, msg), LOGON_FAILURE, `flip at ${at}`);
  }
  // A known user with the wrong password.
  const s = session();
  const a = authenticateMessage({ user: "alice", domain: "D", hash: ntHash("not-the-password"), negotiate: s.negotiate, challenge: s.challenge });
  assert.is(authenticate(s.id, a.message), LOGON_FAILURE);
  assert.is(x.srv_key(s.id), 0);
});

test("a MIC-bearing AUTHENTICATE (Chromium vector) verifies; any change to the MIC is refused", () => {
  const setup = () => {
    const id = x.srv_new(0);
    x.srv_set_messages(id, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
    return id;
  };
  assert.is(CHROMIUM_AUTHENTICATE.length, 286);
  const id = setup();
  assert.is(authenticate(id, CHROMIUM_AUTHENTICATE), OK_USER);
  assert.is(x.srv_mic_present(id), 1);
  // No KEY_EXCH: ExportedSessionKey = SessionBaseKey (Chromium kExpectedSessionBaseKeyWithClientTimestampV2).
  assert.is(hex(m.get(x.srv_key(id), 16)), "623dbd071be7a530b6a95c2eb4982470");
  for (const at of [72, 80, 87, 0x10e /* workstation name: covered only by the MIC */]) {
    const msg = CHROMIUM_AUTHENTICATE.slice();
    msg[at] ^= 1;
    assert.is(authenticate(setup(), msg), LOGON_FAILURE, `change at ${at}`);
  }
  // The NEGOTIATE message is covered too.
  const other = x.srv_new(0);
  const neg = CHROMIUM_NEGOTIATE.slice();
  neg[12] ^= 0x10;
  x.srv_set_messages(other, put(neg), neg.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
  assert.is(authenticate(other, CHROMIUM_AUTHENTICATE), LOGON_FAILURE);
});

test("signing and sealing keys and GSS_WrapEx match MS-NLMP 4.2.4.2.3 / 4.2.4.4", () => {
  const key = put(RANDOM_SESSION_KEY);
  const flags = 0xe2888235 & 0xe28a8233;
  const k = (fn: () => void, o: number) => {
    fn();
    return hex(m.get(o, 16));
  };
  const cs = out(16);
  const ce = out(16);
  const ss = out(16);
  const se = out(16);
  assert.is(k(() => x.sign_key(key, 1, cs), cs), "4788dc861b4782f35d43fd98fe1a2d39");
  assert.is(k(() => x.seal_key(key, flags, 1, ce), ce), "59f600973cc4960a25480a7c196e4c58");
  assert.is(k(() => x.sign_key(key, 0, ss), ss), "d04d6f10741041d1d246d64188d7a8ad");
  assert.is(k(() => x.seal_key(key, flags, 0, se), se), "9355f3a957c1583d25c4c2f11e40390e");
  // Cross-check the derivation against node:crypto MD5.
  const magic = new TextEncoder().encode("session key to client-to-server signing key magic constant\0");
  assert.is(hex(md5(RANDOM_SESSION_KEY, magic)), "4788dc861b4782f35d43fd98fe1a2d39");
  // 56-bit and 40-bit sealing keys use 7 and 5 key bytes.
  const sealMagic = new TextEncoder().encode("session key to client-to-server sealing key magic constant\0");
  const k56 = out(16);
  x.seal_key(key, 0x80000000, 1, k56);
  assert.is(hex(m.get(k56, 16)), hex(md5(RANDOM_SESSION_KEY.subarray(0, 7), sealMagic)));
  const k40 = out(16);
  x.seal_key(key, 0, 1, k40);
  assert.is(hex(m.get(k40, 16)), hex(md5(RANDOM_SESSION_KEY.subarray(0, 5), sealMagic)));

  const plain = utf16("Plaintext");
  const sealed = out(plain.length);
  const sig = out(16);
  x.wrap(cs, ce, 0, put(plain), plain.length, sealed, sig);
  assert.is(hex(m.get(sealed, plain.length)), "54e50165bf1936dc996020c1811b0f06fb5f");
  assert.is(hex(m.get(sig, 16)), "010000007fb38ec5c55d497600000000");
  // GetMIC without key exchange: checksum = HMAC_MD5(SignKey, seq || msg)[0..8], not encrypted.
  const sig2 = out(16);
  x.mac(cs, 0, 7, put(plain), plain.length, sig2);
  const h = hmacMd5(m.get(cs, 16), new Uint8Array([7, 0, 0, 0]), plain).subarray(0, 8);
  assert.is(hex(m.get(sig2, 16)), `01000000${hex(h)}07000000`);
});

test("CHALLENGE_MESSAGE: granted flags, target name, AV pairs, random challenge", () => {
  const a = session();
  const b = session();
  const ch = parseChallenge(a.challenge);
  // Windows' 0xe2088297 minus LM_KEY and OEM, plus TARGET_TYPE_SERVER and TARGET_INFO.
  const want = ((WINDOWS_FLAGS & ~0x82) | TARGET_TYPE_SERVER | NEGOTIATE_TARGET_INFO) >>> 0;
  assert.is(want, 0xe28a8215);
  assert.is(ch.flags >>> 0, want, `flags ${(ch.flags >>> 0).toString(16)}`);
  assert.is(Buffer.from(ch.targetName).toString("utf16le"), "Server");
  assert.is(hex(ch.version.subarray(7)), "0f");
  assert.not.equal(hex(ch.serverChallenge), hex(parseChallenge(b.challenge).serverChallenge));
  const av = parseAvPairs(ch.targetInfo);
  assert.equal(av.map(([id]) => id), [2, 1, 4, 3, 7, 0]);
  const s = (v: Uint8Array) => Buffer.from(v).toString("utf16le");
  assert.is(s(av[0][1]), "Domain");
  assert.is(s(av[1][1]), "Server");
  assert.is(s(av[2][1]), "domain.test");
  assert.is(s(av[3][1]), "server.domain.test");
  const ft = Buffer.from(av[4][1]).readBigUInt64LE();
  const ms = Number(ft / 10000n) - 11644473600000;
  assert.ok(Math.abs(ms - Date.now()) < 60_000, "timestamp is now");
  // A minimal client (UNICODE | NTLM only) gets no SIGN/KEY_EXCH/VERSION and no target name.
  const id = x.srv_new(0);
  const neg = negotiateMessage(NEGOTIATE_UNICODE | 0x200);
  const p = x.srv_negotiate(id, put(neg), neg.length);
  const c2 = parseChallenge(m.get(p, x.out_len()));
  assert.is(c2.flags >>> 0, (NEGOTIATE_UNICODE | 0x200 | NEGOTIATE_TARGET_INFO) >>> 0);
  assert.is(c2.targetName.length, 0);
  assert.is(c2.flags & (NEGOTIATE_SIGN | NEGOTIATE_KEY_EXCH | NEGOTIATE_128 | NEGOTIATE_VERSION | REQUEST_TARGET), 0);
  // An OEM-only client gets OEM and an 8-bit target name.
  const id3 = x.srv_new(0);
  const oem = negotiateMessage(0x2 | REQUEST_TARGET);
  const c3 = parseChallenge(m.get(x.srv_negotiate(id3, put(oem), oem.length), x.out_len()));
  assert.is(c3.flags >>> 0, (0x2 | REQUEST_TARGET | TARGET_TYPE_SERVER | NEGOTIATE_TARGET_INFO) >>> 0);
  assert.is(Buffer.from(c3.targetName).toString("latin1"), "Server");
});

test("round trip with KEY_EXCH and MIC; user names are case-insensitive", () => {
  const s = session();
  const a = authenticateMessage({ user: "ALICE", domain: "WORKGROUP", hash: ntHash("wonderland"), negotiate: s.negotiate, challenge: s.challenge });
  assert.ok(a.flags & NEGOTIATE_KEY_EXCH);
  assert.is(authenticate(s.id, a.message), OK_USER);
  assert.is(hex(m.get(x.srv_key(s.id), 16)), hex(a.exportedSessionKey));
  assert.is(x.srv_mic_present(s.id), 1);
  assert.is(userOf(s.id, x.srv_user), "ALICE");
  // Tampered MIC → failure.
  const t = session();
  const b = authenticateMessage({ user: "alice", domain: "WORKGROUP", hash: ntHash("wonderland"), negotiate: t.negotiate, challenge: t.challenge });
  b.message[b.micOffset + 3] ^= 0x40;
  assert.is(authenticate(t.id, b.message), LOGON_FAILURE);
  assert.is(x.srv_key(t.id), 0);
});

test("clients that compute NTOWFv2 with an empty domain are accepted", () => {
  const s = session();
  const a = authenticateMessage({
    user: "alice", domain: "WORKGROUP", ntowfDomain: "", hash: ntHash("wonderland"), negotiate: s.negotiate, challenge: s.challenge,
  });
  assert.is(authenticate(s.id, a.message), OK_USER);
  assert.is(hex(m.get(x.srv_key(s.id), 16)), hex(a.exportedSessionKey));
  assert.is(userOf(s.id, x.srv_domain), "WORKGROUP");
});

test("anonymous, guest mapping, NTLMv1 and LMv2-only responses", () => {
  const empty = new Uint8Array(0);
  // Anonymous: empty user, empty NT response, LM = Z(1).
  let s = session();
  let a = authenticateMessage({ user: "", domain: "", hash: empty, negotiate: s.negotiate, challenge: s.challenge, ntResponse: empty, lmResponse: new Uint8Array(1), mic: false, flags: 0x00088215 });
  assert.is(authenticate(s.id, a.message), OK_ANONYMOUS);
  assert.is(x.srv_key(s.id), 0);
  // Anonymous: empty user and empty NT and LM responses.
  s = session();
  a = authenticateMessage({ user: "", domain: "", hash: empty, negotiate: s.negotiate, challenge: s.challenge, ntResponse: empty, lmResponse: empty, mic: false });
  assert.is(authenticate(s.id, a.message), OK_ANONYMOUS);
  // Unknown user: failure, or guest when mapping is on (no session key either way).
  s = session();
  a = authenticateMessage({ user: "mallory", domain: "X", hash: ntHash("x"), negotiate: s.negotiate, challenge: s.challenge });
  assert.is(authenticate(s.id, a.message), LOGON_FAILURE);
  s = session(1);
  a = authenticateMessage({ user: "mallory", domain: "X", hash: ntHash("x"), negotiate: s.negotiate, challenge: s.challenge });
  assert.is(authenticate(s.id, a.message), OK_GUEST);
  assert.is(x.srv_key(s.id), 0);
  // A known user with a wrong password is never mapped to guest.
  s = session(1);
  a = authenticateMessage({ user: "alice", domain: "X", hash: ntHash("x"), negotiate: s.negotiate, challenge: s.challenge });
  assert.is(authenticate(s.id, a.message), LOGON_FAILURE);
  // NTLMv1 (24-byte NT response) and LMv2-only (empty NT, 24-byte LM) are refused.
  s = session();
  a = authenticateMessage({ user: "alice", domain: "X", hash: ntHash("wonderland"), negotiate: s.negotiate, challenge: s.challenge, ntResponse: new Uint8Array(24).fill(7), mic: false });
  assert.is(authenticate(s.id, a.message), LOGON_FAILURE);
  s = session();
  a = authenticateMessage({ user: "alice", domain: "X", hash: ntHash("wonderland"), negotiate: s.negotiate, challenge: s.challenge, ntResponse: empty, lmResponse: new Uint8Array(24).fill(7), mic: false });
  assert.is(authenticate(s.id, a.message), LOGON_FAILURE);
});

test("malformed messages: INVALID, never a trap; AUTHENTICATE before CHALLENGE is refused", () => {
  const id = x.srv_new(0);
  assert.is(authenticate(id, SPEC_AUTHENTICATE), INVALID, "no CHALLENGE sent yet");
  const neg = negotiateMessage();
  for (let n = 0; n < 16; n++) assert.is(x.srv_negotiate(x.srv_new(0), put(neg), n), 0, `NEGOTIATE prefix ${n}`);
  const bad = neg.slice();
  bad[8] = 3;
  assert.is(x.srv_negotiate(x.srv_new(0), put(bad), bad.length), 0, "wrong MessageType");
  // Every field offset/length pushed past the end.
  for (const at of [12, 20, 28, 36, 44, 52]) {
    const msg = SPEC_AUTHENTICATE.slice();
    new DataView(msg.buffer).setUint32(at + 4, msg.length - 1, true);
    const sid = x.srv_new(0);
    x.srv_set_messages(sid, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
    assert.is(authenticate(sid, msg), INVALID, `field at ${at}`);
  }
  // An odd-length UTF-16 user name.
  const odd = SPEC_AUTHENTICATE.slice();
  odd[36] = 7;
  const sid = x.srv_new(0);
  x.srv_set_messages(sid, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
  assert.is(authenticate(sid, odd), INVALID);
});

test("every prefix and random corruption of AUTHENTICATE never traps and never logs on", () => {
  const setup = () => {
    const id = x.srv_new(0);
    x.srv_set_messages(id, put(CHROMIUM_NEGOTIATE), CHROMIUM_NEGOTIATE.length, put(SPEC_CHALLENGE), SPEC_CHALLENGE.length);
    return id;
  };
  for (const msg of [SPEC_AUTHENTICATE, CHROMIUM_AUTHENTICATE]) {
    const p = put(msg);
    for (let n = 0; n < msg.length; n++) {
      const r = x.srv_authenticate(setup(), p, n);
      assert.ok(r === INVALID || r === LOGON_FAILURE, `prefix ${n}: ${r}`);
    }
  }
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 3000; i++) {
    const msg = CHROMIUM_AUTHENTICATE.slice();
    const flips = 1 + (rnd() % 4);
    for (let f = 0; f < flips; f++) msg[12 + (rnd() % 248)] ^= 1 + (rnd() % 255); // header and NT response
    const r = authenticate(setup(), msg);
    assert.ok(r === INVALID || r === LOGON_FAILURE, `corruption ${i}: ${r}`); // the MIC covers every byte
  }
  for (let i = 0; i < 500; i++) {
    const len = rnd() % 400;
    const junk = new Uint8Array(len).map(() => rnd() & 0xff);
    if (len >= 12) junk.set([0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0, 3, 0, 0, 0]);
    const r = authenticate(setup(), junk);
    assert.ok(r === INVALID || r === LOGON_FAILURE, `junk ${i}: ${r}`);
  }
});

test.run();

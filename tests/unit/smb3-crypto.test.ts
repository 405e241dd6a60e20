// Unit tests for the raw client's SMB 3.x crypto (tests/helpers/smb3-crypto.ts): AES-CMAC
// against RFC 4493, the KDF and key derivation against the Microsoft Open Specifications blog
// examples, the preauth hash, signing, and TRANSFORM_HEADER seal/open (blog CCM/GCM examples).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import {
  aesCmac, cmacSubkeys, kdf, z, deriveKeys, PreauthHash, seal, open, sign, verifySignature, computeSignature,
  CIPHER, SIGNING, TRANSFORM_HEADER_SIZE,
} from "../helpers/smb3-crypto.ts";

const unhex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// ---- RFC 4493 section 4 ----
const RFC_KEY = unhex("2b7e151628aed2a6abf7158809cf4f3c");
const RFC_MSG = unhex(`6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710`);

test("AES-CMAC: RFC 4493 subkeys and examples 1-4", () => {
  const [k1, k2] = cmacSubkeys(RFC_KEY);
  assert.is(hex(k1), "fbeed618357133667c85e08f7236a8de");
  assert.is(hex(k2), "f7ddac306ae266ccf90bc11ee46d513b");
  const v: [number, string][] = [
    [0, "bb1d6929e95937287fa37d129b756746"],
    [16, "070a16b46b4d4144f79bdd9dd04a287c"],
    [40, "dfa66747de9ae63030ca32611497c827"],
    [64, "51f0bebf7e3b9d92fc49741779363cfe"],
  ];
  for (const [len, want] of v) assert.is(hex(aesCmac(RFC_KEY, RFC_MSG.subarray(0, len))), want, `Mlen = ${len}`);
});

test("AES-CMAC: every length 0..70 differs from its neighbours and a flipped bit changes the tag", () => {
  const msg = randomBytes(70);
  const seen = new Set<string>();
  for (let n = 0; n <= 70; n++) {
    const t = hex(aesCmac(RFC_KEY, msg.subarray(0, n)));
    assert.not.ok(seen.has(t), `length ${n}`);
    seen.add(t);
    if (n > 0) {
      const m = Buffer.from(msg.subarray(0, n));
      m[n - 1] ^= 1;
      assert.is.not(hex(aesCmac(RFC_KEY, m)), t);
    }
  }
});

// ---- Microsoft Open Specifications blog: "SMB 2 and SMB 3 security in Windows 10" appendix ----
const PREAUTH = unhex(`0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97
  51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01`);

test("KDF and key derivation: the SMB 3.0 and 3.1.1 examples", () => {
  const k30 = deriveKeys(0x0300, unhex("7CD451825D0450D235424E44BA6E78CC"));
  assert.is(hex(k30.signing), "0b7e9c5cac36c0f6ea9ab275298cedce");
  assert.is(hex(k30.encryption), "fad27796665b313ebb578f388632b4f7", "ServerIn = client's encryption key");
  assert.is(hex(k30.decryption), "b0f0427f7ceb416d1d9dcc0cd4f99447", "ServerOut = client's decryption key");
  assert.is(hex(k30.application), "bb23a4575aa26c721af525af15a87b4f");
  assert.equal(deriveKeys(0x0302, unhex("7CD451825D0450D235424E44BA6E78CC")), k30, "3.0.2 = 3.0");
  const k311 = deriveKeys(0x0311, unhex("270E1BA896585EEB7AF3472D3B4C75A7"), PREAUTH, CIPHER.AES128_GCM);
  assert.is(hex(k311.signing), "73fe7a9a77bef0bde49c650d8ccb5f76");
  assert.is(hex(k311.encryption), "629bcbc54422a0f572b97f45989b6073");
  assert.is(hex(k311.decryption), "e2af0dcefac68da71a0dfbd0d1350d74");
  assert.is(hex(k311.application), "6d7ad7954e9ec61e907b4d473dc178ff");
  const k21 = deriveKeys(0x0210, unhex("270E1BA896585EEB7AF3472D3B4C75A7"));
  assert.is(hex(k21.signing), "270e1ba896585eeb7af3472d3b4c75a7", "2.x signs with the session key");
});

test("KDF: AES-256 cipher keys are 32 bytes whose first half is not the 128-bit key (L is in the input)", () => {
  const sk = randomBytes(16);
  const k128 = deriveKeys(0x0311, sk, PREAUTH, CIPHER.AES128_CCM);
  const k256 = deriveKeys(0x0311, sk, PREAUTH, CIPHER.AES256_GCM);
  assert.is(k256.encryption.length, 32);
  assert.is(k256.decryption.length, 32);
  assert.is(k128.encryption.length, 16);
  assert.is.not(hex(k256.encryption.subarray(0, 16)), hex(k128.encryption));
  assert.equal(k256.signing, k128.signing, "signing keys stay 128-bit");
  // independent one-block check of the 256-bit output: HMAC(1 || label || 0 || context || 256)
  const one = createHmac("sha256", sk).update(Buffer.from([0, 0, 0, 1])).update(z("SMBC2SCipherKey")).update(Buffer.from([0]))
    .update(PREAUTH).update(Buffer.from([0, 0, 1, 0])).digest();
  assert.is(hex(k256.encryption), hex(one));
  assert.is.not(hex(kdf(sk, z("x"), z("y"), 512).subarray(0, 32)), hex(kdf(sk, z("x"), z("y"), 256)), "L changes every block");
});

test("preauth integrity hash: the blog's NEGOTIATE request/response example", () => {
  const negReq = unhex(`FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000
    00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32
    6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000
    010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000
    0200060000000000020002000100`);
  const h = new PreauthHash().update(negReq);
  assert.is(hex(h.value), hex(unhex(`DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0
    CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426`)));
  const c = h.clone().update(Buffer.from("x"));
  assert.is.not(hex(c.value), hex(h.value), "clone is independent");
});

// ---- signing ----

function message(command: number, flags = 0, mid = 7n): Buffer {
  const m = randomBytes(64 + 40);
  m.writeUInt32LE(0x424d53fe, 0);
  m.writeUInt16LE(command, 12);
  m.writeUInt32LE(flags, 16);
  m.writeBigUInt64LE(mid, 24);
  return m;
}

test("signing: HMAC-SHA256, CMAC and GMAC sign and verify; any change breaks the signature", () => {
  const key = randomBytes(16);
  for (const alg of [SIGNING.HMAC_SHA256, SIGNING.AES_CMAC, SIGNING.AES_GMAC]) {
    const s = sign(message(9), key, alg);
    assert.ok(verifySignature(s, key, alg), `alg ${alg}`);
    assert.ok((s.readUInt32LE(16) & 8) !== 0, "SMB2_FLAGS_SIGNED set");
    for (const at of [0, 20, 47, 64, s.length - 1]) {
      const t = Buffer.from(s);
      t[at] ^= 0x40;
      assert.not.ok(verifySignature(t, key, alg), `alg ${alg}, byte ${at}`);
    }
    assert.not.ok(verifySignature(s, randomBytes(16), alg), "other key");
    const unsigned = Buffer.from(s);
    unsigned.writeUInt32LE(unsigned.readUInt32LE(16) & ~8, 16);
    assert.not.ok(verifySignature(unsigned, key, alg), "flag cleared");
  }
  // HMAC: the first 16 bytes of HMAC-SHA256 over the message with a zero Signature
  const m = message(9);
  const z16 = Buffer.from(m);
  z16.fill(0, 48, 64);
  assert.is(hex(computeSignature(m, key, SIGNING.HMAC_SHA256)), hex(createHmac("sha256", key).update(z16).digest().subarray(0, 16)));
});

test("GMAC signing: the nonce holds MessageId, the response bit and the CANCEL bit", () => {
  const key = randomBytes(16);
  const base = message(9, 0, 5n);
  const sig = (m: Buffer) => hex(computeSignature(m, key, SIGNING.AES_GMAC));
  const other = Buffer.from(base);
  other.writeBigUInt64LE(6n, 24);
  assert.is.not(sig(other), sig(base), "MessageId");
  const resp = Buffer.from(base);
  resp.writeUInt32LE(1, 16);
  assert.is.not(sig(resp), sig(base), "ServerToRedir");
  // independent: AES-128-GCM tag over (message with zero Signature) as AAD, empty plaintext
  const gmac = (m: Buffer, role: number) => {
    const n = Buffer.alloc(12);
    m.copy(n, 0, 24, 32);
    n.writeUInt32LE(role, 8);
    const a = Buffer.from(m);
    a.fill(0, 48, 64);
    const g = createCipheriv("aes-128-gcm", key, n);
    g.setAAD(a);
    g.final();
    return hex(g.getAuthTag());
  };
  assert.is(sig(base), gmac(base, 0), "request");
  assert.is(sig(resp), gmac(resp, 1), "response");
  const cancel = message(12, 0, 5n);
  assert.is(sig(cancel), gmac(cancel, 2), "CANCEL request");
  const cancelResp = message(12, 1, 5n);
  assert.is(sig(cancelResp), gmac(cancelResp, 1), "a CANCEL response has no CANCEL bit");
});

// ---- TRANSFORM_HEADER: blog examples "Encryption in SMB 3.0" and "SMB 3.1.1 Encryption in Windows 10" ----

function transformVector(name: string, cipher: number, key: string, transformed: string, plain: string) {
  const t = unhex(transformed);
  const o = open(t, unhex(key), cipher);
  assert.is(hex(o.message), hex(unhex(plain)), `${name}: plaintext`);
  assert.is(o.flags, 1);
  const again = seal(o.message, unhex(key), cipher, o.sessionId, { nonce: t.subarray(20, 36) });
  assert.is(hex(again), hex(t), `${name}: seal reproduces the message`);
  for (const at of [4, 19, 20, 36, 44, 51, 52, t.length - 1]) {
    const bad = Buffer.from(t);
    bad[at] ^= 1;
    assert.throws(() => open(bad, unhex(key), cipher), undefined, `${name}: byte ${at} flipped`);
  }
}

test("seal/open: SMB 3.0 AES-128-CCM WRITE request and response", () => {
  transformVector("3.0 request", CIPHER.AES128_CCM, "261B72350558F2E9DCF613070383EDBF",
    `FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5
    2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A44C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5
    AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB`,
    `FE534D4240000100000000000900400008000000000000000400000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000
    310070001700000000000000000000001501000039000002010000003902000000000000000000007000000000000000536D623320656E6372797074696F6E20
    74657374696E67`);
  transformVector("3.0 response", CIPHER.AES128_CCM, "8FE2B57EC34D2DB5B1A9727F526BBDB5",
    `FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014
    00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787
    1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D177309E5B`,
    `FE534D4240000100000000000900210009000000000000000400000000000000FFFE0000010000001100001400E4080000000000000000000000000000000000
    11000000170000000000000000000000`);
});

test("seal/open: SMB 3.1.1 AES-128-GCM WRITE request and response", () => {
  transformVector("3.1.1 request", CIPHER.AES128_GCM, "A2F5E80E5D59103034F32E52F698E5EC",
    `FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C00000000870000000000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02
    D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB44576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9
    1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8`,
    `FE534D4240000100000000000900010008000000000000000500000000000000FFFE00000100000025000000001000000000000000000000000000000000000031007000170000000000000000000000
    0600000004000000010000000400000000000000000000007000000000000000536D623320656E6372797074696F6E2074657374696E67`);
  transformVector("3.1.1 response", CIPHER.AES128_GCM, "748C50868C90F302962A5C35F5F9A8BF",
    `FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B400000000000000005000000000000100250000000010000026BBBF949983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8
    F2D793A815C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B82E03C9E18A050FF0EA1C967`,
    `FE534D4240000100000000000900010001000000000000000500000000000000FFFE00000100000025000000001000000000000000000000000000000000000011000000170000000000000000000000`);
});

test("seal/open: all four ciphers round-trip 0 B..1 MiB; header fields as MS-SMB2 2.2.41 lays them out", () => {
  for (const cipher of [CIPHER.AES128_CCM, CIPHER.AES128_GCM, CIPHER.AES256_CCM, CIPHER.AES256_GCM]) {
    const key = randomBytes(cipher >= 3 ? 32 : 16);
    for (const n of [64, 65, 1000, 1 << 20]) {
      const msg = randomBytes(n);
      const t = seal(msg, key, cipher, 0x1122334455667788n);
      assert.is(t.length, TRANSFORM_HEADER_SIZE + n);
      assert.is(t.readUInt32LE(0), 0x424d53fd);
      assert.is(t.readUInt32LE(36), n, "OriginalMessageSize");
      assert.is(t.readUInt16LE(42), 1, "Flags");
      assert.is(t.readBigUInt64LE(44), 0x1122334455667788n, "SessionId");
      const nl = cipher === CIPHER.AES128_GCM || cipher === CIPHER.AES256_GCM ? 12 : 11;
      assert.ok(t.subarray(20 + nl, 36).equals(Buffer.alloc(16 - nl)), "unused nonce bytes are zero");
      assert.not.ok(t.subarray(52, 52 + Math.min(n, 64)).equals(msg.subarray(0, Math.min(n, 64))), "ciphertext differs");
      assert.ok(open(t, key, cipher).message.equals(msg), `cipher ${cipher}, ${n} bytes`);
    }
    const t = seal(randomBytes(100), key, cipher, 1n);
    assert.throws(() => open(t, randomBytes(key.length), cipher), undefined, "wrong key");
  }
});

test.run();

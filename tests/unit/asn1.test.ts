// Unit tests for assembly/wire/asn1.ts: X.690 DER headers (short/long form, rejections), nested
// walking of real SPNEGO tokens, OID compare, and the writer's length encoding.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hex, loadTestModule, unhex } from "../helpers/wasm.ts";
import { OID_KRB5, OID_MS_KRB5, OID_NTLMSSP, der, negTokenInit, negotiateMessage } from "../helpers/ntlm-client.ts";

const m = loadTestModule("asn1");
const x = m.exports;

// The negTokenInit2 that Windows and Samba servers put in the SMB2 NEGOTIATE response (MS-SPNG 2.2.1).
const NEG_TOKEN_INIT2 = unhex(
  "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa32a3028a0261b24" +
    Buffer.from("not_defined_in_RFC4178@please_ignore").toString("hex"),
);

interface Rec {
  depth: number;
  tag: number;
  off: number;
  len: number;
}

function walk(b: Uint8Array): Rec[] | null {
  const recs = m.alloc(16 * 64);
  const n = x.der_walk(m.put(b), b.length, recs, 64);
  if (n < 0) return null;
  const dv = new DataView(m.get(recs, 16 * Math.min(n, 64)).buffer);
  const out: Rec[] = [];
  for (let i = 0; i < Math.min(n, 64); i++) {
    out.push({ depth: dv.getInt32(i * 16, true), tag: dv.getInt32(i * 16 + 4, true), off: dv.getInt32(i * 16 + 8, true), len: dv.getInt32(i * 16 + 12, true) });
  }
  return out;
}

test("walks the negTokenInit2 of a Windows/Samba NEGOTIATE response", () => {
  const r = walk(NEG_TOKEN_INIT2);
  assert.ok(r);
  const tags = (r as Rec[]).map((e) => `${e.depth}:${e.tag.toString(16)}`);
  assert.equal(tags, ["0:60", "1:6", "1:a0", "2:30", "3:a0", "4:30", "5:6", "3:a3", "4:30", "5:a0", "6:1b"]);
  const oid = (r as Rec[])[6];
  assert.is(x.oid_is_ntlmssp(m.put(NEG_TOKEN_INIT2.subarray(oid.off, oid.off + oid.len)), oid.len), 1);
  const spnegoOid = (r as Rec[])[1];
  assert.is(x.oid_is_ntlmssp(m.put(NEG_TOKEN_INIT2.subarray(spnegoOid.off)), spnegoOid.len), 0);
  const hint = (r as Rec[])[10];
  assert.is(Buffer.from(NEG_TOKEN_INIT2.subarray(hint.off, hint.off + hint.len)).toString(), "not_defined_in_RFC4178@please_ignore");
});

test("walks a Kerberos-first client negTokenInit with an NTLMSSP mechToken", () => {
  const tok = negTokenInit([OID_MS_KRB5, OID_KRB5, OID_NTLMSSP], negotiateMessage(), true);
  const r = walk(tok) as Rec[];
  assert.ok(r);
  const oids = r.filter((e) => e.tag === 6).map((e) => hex(tok.subarray(e.off, e.off + e.len)));
  assert.equal(oids, ["2b0601050502", hex(OID_MS_KRB5), hex(OID_KRB5), hex(OID_NTLMSSP)]);
  const octets = r.find((e) => e.tag === 4) as Rec;
  assert.is(hex(tok.subarray(octets.off, octets.off + octets.len)), hex(negotiateMessage()));
  assert.ok(r.some((e) => e.tag === 3), "reqFlags BIT STRING");
});

test("long-form lengths (0x81, 0x82, 0x83) decode; the writer produces minimal DER", () => {
  for (const n of [0, 1, 127, 128, 255, 256, 1000, 65535, 65536, 70000]) {
    const data = new Uint8Array(n).map((_, i) => i * 13);
    const want = der(0xa2, der(0x30, der(0x04, data)));
    const p = x.der_nest(m.put(data), n);
    assert.is(hex(m.get(p, x.built_len())), hex(want), `n=${n}`);
    const r = walk(want) as Rec[];
    assert.ok(r, `walk n=${n}`);
    assert.is(r[2].len, n);
    assert.is(r[2].off, want.length - n);
  }
});

test("rejects indefinite length, over-long length fields, lengths past the end, high tag numbers", () => {
  assert.is(walk(unhex("30800400 0000")), null, "indefinite length");
  assert.is(walk(unhex("3085000000000100")), null, "5 length octets");
  assert.is(walk(unhex("0405 01020304")), null, "short form past the end");
  assert.is(walk(unhex("048200ff 00")), null, "long form past the end");
  assert.is(walk(unhex("0484ffffffff 00")), null, "4-octet length past the end");
  assert.is(walk(unhex("3003 0405 00")), null, "inner element past its parent");
  assert.is(walk(unhex("1f01 00")), null, "high-tag-number form");
  assert.is(walk(unhex("04")), null, "tag without length");
  assert.is(walk(unhex("0482 01")), null, "truncated length octets");
  assert.equal(walk(unhex("0400 0500")), [{ depth: 0, tag: 4, off: 2, len: 0 }, { depth: 0, tag: 5, off: 4, len: 0 }]);
  assert.equal(walk(new Uint8Array(0)), []);
  // Non-minimal long form is tolerated (BER senders), with the right bounds.
  assert.equal(walk(unhex("048103 616263")), [{ depth: 0, tag: 4, off: 3, len: 3 }]);
});

test("every strict prefix of a token is an error; garbage never traps", () => {
  const tok = negTokenInit([OID_MS_KRB5, OID_NTLMSSP], negotiateMessage());
  for (let n = 1; n < tok.length; n++) assert.is(walk(tok.subarray(0, n)), null, `prefix ${n}`);
  let seed = 99;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 3000; i++) {
    const b = tok.slice();
    for (let k = 0; k < 3; k++) b[rnd() % b.length] = rnd() & 0xff;
    walk(b.subarray(0, rnd() % (b.length + 1)));
  }
  for (let i = 0; i < 1000; i++) walk(new Uint8Array(rnd() % 64).map(() => rnd() & 0xff));
});

test("writer misuse (unbalanced end, too deep) gives an empty result and an error flag", () => {
  assert.is(x.der_misuse(), 1100);
});

test.run();

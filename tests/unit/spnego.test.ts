// Unit tests for assembly/auth/spnego.ts: negTokenInit2, token parsing/building, and full
// SESSION_SETUP exchanges where this test plays a Windows-like NTLMv2 + SPNEGO client.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hex, loadTestModule, unhex } from "../helpers/wasm.ts";
import {
  OID_KRB5, OID_MS_KRB5, OID_NTLMSSP, authenticateMessage, der, mechTypeList, negTokenInit, negTokenResp,
  negotiateMessage, ntHash, ntlmSignature, parseChallenge, parseNegTokenResp, utf16,
} from "../helpers/ntlm-client.ts";

const m = loadTestModule("spnego");
const x = m.exports;

const SUCCESS = 0;
const MORE_PROCESSING_REQUIRED = 0xc0000016;
const LOGON_FAILURE = 0xc000006d;
const INVALID_PARAMETER = 0xc000000d;
const GUEST = 1;
const ANONYMOUS = 2;
const RAW = 4;
const MIC_REQUIRED = 8;

x.user_add(m.put(utf16("alice")), 10, m.put(ntHash("wonderland")));

const step = (id: number, b: Uint8Array): number => x.auth_step(id, m.put(b), b.length) >>> 0;
const outOf = (id: number): Uint8Array => m.get(x.auth_out(id), x.auth_out_len(id));
const str = (id: number, fn: (id: number, o: number) => number): string => {
  const o = m.alloc(256);
  return Buffer.from(m.get(o, fn(id, o))).toString("utf16le");
};

test("negTokenInit2 for NEGOTIATE is byte-exact with what Windows/Samba send", () => {
  const p = x.neg_token_init2();
  const want = der(0x60, der(0x06, unhex("2b0601050502")), der(0xa0, der(0x30,
    der(0xa0, mechTypeList([OID_NTLMSSP])),
    der(0xa3, der(0x30, der(0xa0, der(0x1b, new TextEncoder().encode("not_defined_in_RFC4178@please_ignore"))))),
  )));
  assert.is(hex(m.get(p, x.out_len())), hex(want));
  assert.is(hex(want).slice(0, 28), "604806062b0601050502a03e303c");
});

test("parses client negTokenInit: mechTypes DER, preference, mechToken, MIC fields", () => {
  const neg = negotiateMessage();
  const tok = negTokenInit([OID_MS_KRB5, OID_KRB5, OID_NTLMSSP], neg, true);
  const o = m.alloc(32);
  assert.is(x.parse_init(m.put(tok), tok.length, o), 1);
  const f = new Int32Array(m.get(o, 32).buffer);
  const types = mechTypeList([OID_MS_KRB5, OID_KRB5, OID_NTLMSSP]);
  assert.is(hex(tok.subarray(f[0], f[0] + f[1])), hex(types));
  assert.is(hex(tok.subarray(f[2], f[2] + f[3])), hex(neg));
  assert.is(f[5], -1, "no mechListMIC");
  assert.is(f[6], 0, "first mech is Kerberos");
  assert.is(f[7], 1, "NTLMSSP offered");
  // Without the GSS [APPLICATION 0] wrapper, NTLMSSP first, with an RFC 4178 mechListMIC [3].
  const bare = der(0xa0, der(0x30, der(0xa0, mechTypeList([OID_NTLMSSP, OID_KRB5])), der(0xa3, der(0x04, new Uint8Array(16).fill(9)))));
  assert.is(x.parse_init(m.put(bare), bare.length, o), 1);
  const g = new Int32Array(m.get(o, 32).buffer);
  assert.is(g[3], -1, "no mechToken");
  assert.is(hex(bare.subarray(g[4], g[4] + g[5])), "09".repeat(16));
  assert.is(g[6], 1);
  // Malformed: wrong GSS OID, mechTypes holding a non-OID, no mechTypes at all.
  for (const bad of [
    der(0x60, der(0x06, unhex("2b0601050503")), der(0xa0, der(0x30, der(0xa0, mechTypeList([OID_NTLMSSP]))))),
    der(0xa0, der(0x30, der(0xa0, der(0x30, der(0x04, new Uint8Array(1)))))),
    der(0xa0, der(0x30, der(0xa2, der(0x04, neg)))),
    der(0xa1, der(0x30)),
  ]) {
    assert.is(x.parse_init(m.put(bad), bad.length, o), 0, hex(bad));
  }
});

test("builds and parses negTokenResp", () => {
  const tok = new Uint8Array(300).map((_, i) => i);
  const mic = new Uint8Array(16).fill(0xab);
  const p = x.build_resp(1, 1, m.put(tok), tok.length, m.put(mic), 16);
  const b = m.get(p, x.out_len());
  assert.is(hex(b), hex(der(0xa1, der(0x30, der(0xa0, der(0x0a, new Uint8Array([1]))), der(0xa1, der(0x06, OID_NTLMSSP)),
    der(0xa2, der(0x04, tok)), der(0xa3, der(0x04, mic))))));
  const o = m.alloc(24);
  assert.is(x.parse_resp(m.put(b), b.length, o), 1);
  const f = new Int32Array(m.get(o, 24).buffer);
  assert.equal([f[0], f[1], f[3], f[5]], [1, 1, 300, 16]);
  assert.is(hex(b.subarray(f[2], f[2] + f[3])), hex(tok));
  const r2 = x.build_resp(2, 0, 0, -1, 0, -1);
  assert.is(hex(m.get(r2, x.out_len())), "a1073005a0030a0102");
  assert.is(x.parse_resp(m.put(unhex("a1073005a0030a0107")), 9, o), 0, "negState out of range");
});

interface Flow {
  id: number;
  status: number;
  out: Uint8Array;
}

/** Leg 1 with a negTokenInit carrying NTLMSSP NEGOTIATE; returns the server's CHALLENGE. */
function start(mapToGuest = 0, oids = [OID_NTLMSSP]): { id: number; negotiate: Uint8Array; challenge: Uint8Array; types: Uint8Array } {
  const id = x.auth_new(mapToGuest);
  const negotiate = negotiateMessage();
  assert.is(step(id, negTokenInit(oids, negotiate)), MORE_PROCESSING_REQUIRED);
  const r = parseNegTokenResp(outOf(id));
  assert.is(r.negState, 1, "accept-incomplete");
  assert.is(hex(r.supportedMech as Uint8Array), hex(OID_NTLMSSP));
  return { id, negotiate, challenge: r.responseToken as Uint8Array, types: mechTypeList(oids) };
}

function finish(s: { id: number; negotiate: Uint8Array; challenge: Uint8Array; types: Uint8Array }, user: string, password: string, withMechMic = true): Flow & { key: Uint8Array } {
  const a = authenticateMessage({ user, domain: "WORKGROUP", hash: ntHash(password), negotiate: s.negotiate, challenge: s.challenge });
  const mic = withMechMic ? ntlmSignature(a.exportedSessionKey, a.flags, true, 0, s.types) : undefined;
  const status = step(s.id, negTokenResp(a.message, mic));
  return { id: s.id, status, out: outOf(s.id), key: a.exportedSessionKey };
}

test("full exchange: NEGOTIATE → CHALLENGE → AUTHENTICATE + MIC + mechListMIC → success", () => {
  const s = start();
  const ch = parseChallenge(s.challenge);
  assert.is(Buffer.from(ch.targetName).toString("utf16le"), "WASMSMB");
  const f = finish(s, "Alice", "wonderland");
  assert.is(f.status, SUCCESS);
  const r = parseNegTokenResp(f.out);
  assert.is(r.negState, 0, "accept-completed");
  assert.is(r.supportedMech, undefined);
  const a = x.auth_key(s.id);
  assert.ok(a !== 0);
  assert.is(hex(m.get(a, 16)), hex(f.key), "session key = the client's ExportedSessionKey");
  // The server's mechListMIC verifies with the server-to-client keys over the same mechTypes.
  const flags = parseChallenge(s.challenge).flags;
  assert.is(hex(r.mechListMIC as Uint8Array), hex(ntlmSignature(f.key, flags, false, 0, s.types)));
  assert.is(str(s.id, x.auth_user), "Alice");
  assert.is(str(s.id, x.auth_domain), "WORKGROUP");
  assert.is(x.auth_flags(s.id), 0);
  assert.is(step(s.id, negTokenResp(new Uint8Array(4))), INVALID_PARAMETER, "no steps after completion");
  x.auth_dispose(s.id);
  assert.is(hex(m.get(x.auth_key_storage(s.id), 16)), "00".repeat(16), "dispose wipes the key");
});

test("without a client mechListMIC (NTLMSSP preferred) the exchange completes without one", () => {
  const s = start();
  const f = finish(s, "alice", "wonderland", false);
  assert.is(f.status, SUCCESS);
  assert.is(parseNegTokenResp(f.out).mechListMIC, undefined);
});

test("Kerberos preferred: server selects NTLMSSP with request-mic; mechListMIC is then required", () => {
  const oids = [OID_MS_KRB5, OID_KRB5, OID_NTLMSSP];
  const run = (withMic: boolean) => {
    const id = x.auth_new(0);
    const krbToken = der(0x60, der(0x06, OID_KRB5), new Uint8Array([1, 0, 0x6e, 0x03, 0x02, 0x01, 0x05]));
    assert.is(step(id, negTokenInit(oids, krbToken)), MORE_PROCESSING_REQUIRED);
    const r1 = parseNegTokenResp(outOf(id));
    assert.is(r1.negState, 3, "request-mic");
    assert.is(hex(r1.supportedMech as Uint8Array), hex(OID_NTLMSSP));
    assert.is(r1.responseToken, undefined);
    assert.is(x.auth_flags(id) & MIC_REQUIRED, MIC_REQUIRED);
    const negotiate = negotiateMessage();
    assert.is(step(id, negTokenResp(negotiate)), MORE_PROCESSING_REQUIRED);
    const r2 = parseNegTokenResp(outOf(id));
    assert.is(r2.negState, 1);
    return finish({ id, negotiate, challenge: r2.responseToken as Uint8Array, types: mechTypeList(oids) }, "alice", "wonderland", withMic);
  };
  const ok = run(true);
  assert.is(ok.status, SUCCESS);
  assert.ok(parseNegTokenResp(ok.out).mechListMIC);
  assert.is(run(false).status, LOGON_FAILURE, "mechListMIC missing although required");
});

test("wrong password, tampered NTLM MIC, tampered mechListMIC → LOGON_FAILURE with a reject token", () => {
  let f = finish(start(), "alice", "Wonderland");
  assert.is(f.status, LOGON_FAILURE);
  assert.is(parseNegTokenResp(f.out).negState, 2);
  assert.is(x.auth_key(f.id), 0);

  const s = start();
  const a = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate: s.negotiate, challenge: s.challenge });
  a.message[a.micOffset] ^= 1;
  assert.is(step(s.id, negTokenResp(a.message, ntlmSignature(a.exportedSessionKey, a.flags, true, 0, s.types))), LOGON_FAILURE);

  const t = start();
  const b = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate: t.negotiate, challenge: t.challenge });
  const bad = ntlmSignature(b.exportedSessionKey, b.flags, true, 0, t.types);
  bad[5] ^= 1;
  assert.is(step(t.id, negTokenResp(b.message, bad)), LOGON_FAILURE);
  assert.is(x.auth_key(t.id), 0);
  // A mechListMIC over a different mechTypes list (downgrade) is refused too.
  const u = start();
  const c = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate: u.negotiate, challenge: u.challenge });
  const other = ntlmSignature(c.exportedSessionKey, c.flags, true, 0, mechTypeList([OID_NTLMSSP, OID_KRB5]));
  assert.is(step(u.id, negTokenResp(c.message, other)), LOGON_FAILURE);
  f = finish(start(), "alice", "wonderland");
  assert.is(f.status, SUCCESS, "control: the same exchange untampered succeeds");
});

test("anonymous and guest logons complete without a session key", () => {
  const s = start();
  const empty = new Uint8Array(0);
  const a = authenticateMessage({ user: "", domain: "", hash: empty, negotiate: s.negotiate, challenge: s.challenge, ntResponse: empty, lmResponse: new Uint8Array(1), mic: false });
  assert.is(step(s.id, negTokenResp(a.message)), SUCCESS);
  assert.is(x.auth_flags(s.id), ANONYMOUS);
  assert.is(x.auth_key(s.id), 0);

  const g = finish(start(1), "nobody", "x");
  assert.is(g.status, SUCCESS);
  assert.is(x.auth_flags(g.id), GUEST);
  assert.is(x.auth_key(g.id), 0);
  assert.is(parseNegTokenResp(g.out).mechListMIC, undefined);
  assert.is(str(g.id, x.auth_user), "nobody");
  assert.is(finish(start(0), "nobody", "x").status, LOGON_FAILURE, "no guest mapping");
});

test("raw NTLMSSP without SPNEGO is answered in kind", () => {
  const id = x.auth_new(0);
  const negotiate = negotiateMessage();
  assert.is(step(id, negotiate), MORE_PROCESSING_REQUIRED);
  const challenge = outOf(id);
  assert.is(parseChallenge(challenge).serverChallenge.length, 8);
  const a = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate, challenge });
  assert.is(step(id, a.message), SUCCESS);
  assert.is(x.auth_out_len(id), 0);
  assert.is(x.auth_flags(id), RAW);
  assert.is(hex(m.get(x.auth_key(id), 16)), hex(a.exportedSessionKey));
});

test("an empty first buffer gets the negTokenInit2; a list without NTLMSSP is rejected", () => {
  const id = x.auth_new(0);
  assert.is(step(id, new Uint8Array(0)), MORE_PROCESSING_REQUIRED);
  assert.is(hex(outOf(id)).slice(0, 8), "60480606");
  const f = finish(start(0), "alice", "wonderland");
  assert.is(f.status, SUCCESS);
  const k = x.auth_new(0);
  assert.is(step(k, negTokenInit([OID_KRB5], new Uint8Array([1, 2, 3]))), LOGON_FAILURE);
  assert.is(parseNegTokenResp(outOf(k)).negState, 2);
  assert.is(step(k, negTokenResp(negotiateMessage())), INVALID_PARAMETER);
});

test("truncated and garbage tokens at every leg never trap and never succeed", () => {
  const tok1 = negTokenInit([OID_MS_KRB5, OID_NTLMSSP], negotiateMessage());
  for (let n = 1; n < tok1.length; n++) {
    const r = x.auth_step(x.auth_new(0), m.put(tok1), n) >>> 0;
    assert.is(r, INVALID_PARAMETER, `leg 1 prefix ${n}`);
  }
  // Leg 3: truncate the SPNEGO wrapper, and separately the NTLM message inside a valid wrapper.
  const s0 = start();
  const a0 = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate: s0.negotiate, challenge: s0.challenge });
  const mic0 = ntlmSignature(a0.exportedSessionKey, a0.flags, true, 0, s0.types);
  const wrapped = negTokenResp(a0.message, mic0);
  for (let n = 0; n < wrapped.length; n++) {
    const s = start();
    const r = x.auth_step(s.id, m.put(wrapped), n) >>> 0;
    assert.ok(r === INVALID_PARAMETER || r === LOGON_FAILURE, `leg 3 prefix ${n}: ${r.toString(16)}`);
  }
  for (let n = 0; n < a0.message.length; n++) {
    const s = start();
    const r = step(s.id, negTokenResp(a0.message.subarray(0, n), mic0));
    assert.ok(r === INVALID_PARAMETER || r === LOGON_FAILURE, `NTLM prefix ${n}: ${r.toString(16)}`);
  }
  // Corrupt the last leg of a Kerberos-preferred exchange (mechListMIC required): no change may pass.
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const oids = [OID_MS_KRB5, OID_NTLMSSP];
  for (let i = 0; i < 1500; i++) {
    const id = x.auth_new(0);
    const negotiate = negotiateMessage();
    step(id, negTokenInit(oids));
    assert.is(step(id, negTokenResp(negotiate)), MORE_PROCESSING_REQUIRED);
    const challenge = parseNegTokenResp(outOf(id)).responseToken as Uint8Array;
    const a = authenticateMessage({ user: "alice", domain: "W", hash: ntHash("wonderland"), negotiate, challenge });
    const b = negTokenResp(a.message, ntlmSignature(a.exportedSessionKey, a.flags, true, 0, mechTypeList(oids)));
    if (i === 0) {
      assert.is(step(id, b), SUCCESS, "control: the untouched token succeeds");
      continue;
    }
    const k = 1 + (rnd() % 3);
    for (let j = 0; j < k; j++) b[rnd() % b.length] ^= 1 + (rnd() % 255);
    const r = step(id, b);
    assert.ok(r === INVALID_PARAMETER || r === LOGON_FAILURE, `corruption ${i}: ${r.toString(16)}`);
  }
  for (let i = 0; i < 500; i++) {
    const junk = new Uint8Array(rnd() % 200).map(() => rnd() & 0xff);
    const id = x.auth_new(rnd() & 1);
    const r1 = step(id, junk);
    assert.ok(r1 !== SUCCESS);
    step(start().id, junk);
  }
});

test.run();

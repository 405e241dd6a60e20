// Unit tests for host-common/users.ts (ksmbdpwd.db parsing, formatting and editing).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../../host-common/config.ts";
import {
  deleteUser, findUser, foldUserName, formatUsers, parseUsers, setUser, setUserPassword, userNameProblem,
} from "../../host-common/users.ts";

/** Minimal MD4 (RFC 1320) for the tests; the server injects the core's implementation. */
function md4(msg: Uint8Array): Uint8Array {
  const total = (((msg.length + 8) >>> 6) << 6) + 64;
  const buf = new Uint8Array(total);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const dv = new DataView(buf.buffer);
  dv.setUint32(total - 8, (msg.length * 8) >>> 0, true);
  dv.setUint32(total - 4, Math.floor(msg.length / 0x20000000), true);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));
  const fns = [
    (x: number, y: number, z: number) => (x & y) | (~x & z),
    (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z),
    (x: number, y: number, z: number) => x ^ y ^ z,
  ];
  const order = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15],
    [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15],
  ];
  const shifts = [[3, 7, 11, 19], [3, 5, 9, 13], [3, 9, 11, 15]];
  const consts = [0, 0x5a827999, 0x6ed9eba1];
  for (let off = 0; off < total; off += 64) {
    const x: number[] = [];
    for (let i = 0; i < 16; i++) x.push(dv.getUint32(off + i * 4, true));
    let [a, b, c, d] = h;
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 16; i++) {
        const t = rotl((a + fns[r](b, c, d) + x[order[r][i]] + consts[r]) | 0, shifts[r][i % 4]);
        [a, b, c, d] = [d, t, b, c];
      }
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) ov.setUint32(i * 4, h[i] >>> 0, true);
  return out;
}

/** NTOWFv1 (MS-NLMP 3.3.1): MD4 of the UTF-16LE password. */
function ntHash(password: string): Uint8Array {
  const b = new Uint8Array(password.length * 2);
  for (let i = 0; i < password.length; i++) {
    b[2 * i] = password.charCodeAt(i) & 0xff;
    b[2 * i + 1] = password.charCodeAt(i) >>> 8;
  }
  return md4(b);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const ascii = (s: string) => new TextEncoder().encode(s);

test("test MD4 matches RFC 1320 vectors and MS-NLMP NTOWFv1(\"Password\")", () => {
  assert.is(hex(md4(ascii(""))), "31d6cfe0d16ae931b73c59d7e0c089c0");
  assert.is(hex(md4(ascii("abc"))), "a448017aaf21d8525fc10ae87aa6729d");
  assert.is(hex(md4(ascii("12345678901234567890123456789012345678901234567890123456789012345678901234567890"))),
    "e33b4ddc9c38f2199c3e7b164fcc0536");
  assert.is(hex(ntHash("Password")), "a4f49c406510bdcab6824ee7c30fd852");
});

test("parseUsers reads name:base64 lines, keeps spelling, skips blank lines and CRLF", () => {
  const pw = ntHash("Password");
  const b64 = btoa(String.fromCharCode(...pw));
  const m = parseUsers(`Alice:${b64}\r\n\n  \nbob:${btoa("\x00".repeat(16))}\n`, "users.db");
  assert.equal([...m.keys()], ["Alice", "bob"]);
  assert.is(hex(m.get("Alice") as Uint8Array), "a4f49c406510bdcab6824ee7c30fd852");
  assert.is(hex(m.get("bob") as Uint8Array), "00".repeat(16));
});

test("formatUsers and parseUsers round trip", () => {
  const m = new Map<string, Uint8Array>();
  setUserPassword(m, "Alice", "Password", ntHash);
  setUser(m, "Dr. Who", new Uint8Array(16).map((_, i) => 255 - i));
  const text = formatUsers(m);
  assert.is(text, "Alice:pPScQGUQvcq2gk7nww/YUg==\nDr. Who://79/Pv6+fj39vX08/Lx8A==\n");
  const back = parseUsers(text, "users.db");
  assert.equal([...back.keys()], ["Alice", "Dr. Who"]);
  assert.equal(back.get("Dr. Who"), m.get("Dr. Who"));
  assert.is(formatUsers(back), text);
});

function throwsAt(text: string, line: number, fragment: string) {
  try {
    parseUsers(text, "pw.db");
  } catch (e) {
    assert.instance(e, ConfigError);
    const msg = (e as Error).message;
    assert.ok(msg.startsWith(`pw.db:${line}: `), msg);
    assert.ok(msg.includes(fragment), msg);
    return;
  }
  assert.unreachable(`no error for ${JSON.stringify(text)}`);
}

test("parseUsers reports bad lines with file:line", () => {
  const ok = `a:${btoa("x".repeat(16))}`;
  throwsAt(`${ok}\nnocolon\n`, 2, "name:base64");
  throwsAt(`${ok}\n\nb:AAAA\n`, 3, "16 bytes");
  throwsAt(`b:${btoa("x".repeat(17))}\n`, 1, "16 bytes");
  throwsAt("b:AAAAAAAAAAAAAAAAAAAAAB==\n", 1, "16 bytes"); // non-canonical padding bits
  throwsAt(`${ok}\n:${btoa("x".repeat(16))}\n`, 2, "empty");
  throwsAt(`${ok}\nA:${btoa("y".repeat(16))}\n`, 2, "duplicate user");
  throwsAt(`x|y:${btoa("y".repeat(16))}\n`, 1, `"|"`);
});

test("userNameProblem enforces length and forbidden characters", () => {
  assert.is(userNameProblem("alice"), null);
  assert.is(userNameProblem("a".repeat(64)), null);
  assert.is(userNameProblem("Zoë Ünicode"), null);
  assert.ok(userNameProblem("") !== null);
  assert.ok(userNameProblem("a".repeat(65)) !== null);
  for (const c of ["/", "\\", "[", "]", ":", ";", "|", "=", ",", "+", "*", "?", "<", ">", '"', "\x00", "\t", "\x7f"]) {
    assert.ok(userNameProblem(`a${c}b`) !== null, JSON.stringify(c));
  }
});

test("names compare case-insensitively; setUser keeps the first spelling and position", () => {
  const m = new Map<string, Uint8Array>();
  setUser(m, "Alice", new Uint8Array(16).fill(1));
  setUser(m, "bob", new Uint8Array(16).fill(2));
  setUser(m, "ALICE", new Uint8Array(16).fill(3));
  assert.equal([...m.keys()], ["Alice", "bob"]);
  assert.equal(m.get("Alice"), new Uint8Array(16).fill(3));
  assert.equal(findUser(m, "aLiCe")?.name, "Alice");
  assert.is(findUser(m, "carol"), undefined);
  assert.is(foldUserName("straße"), "STRAßE"); // no multi-character expansion
  assert.ok(deleteUser(m, "BOB"));
  assert.not.ok(deleteUser(m, "bob"));
  assert.equal([...m.keys()], ["Alice"]);
});

test("setUser rejects bad names and hashes and copies the hash", () => {
  const m = new Map<string, Uint8Array>();
  assert.throws(() => setUser(m, "a:b", new Uint8Array(16)), /":"/);
  assert.throws(() => setUser(m, "a", new Uint8Array(15)), /16 bytes/);
  const h = new Uint8Array(16).fill(9);
  setUser(m, "a", h);
  h.fill(0);
  assert.equal(m.get("a"), new Uint8Array(16).fill(9));
  assert.is(m.size, 1);
});

test.run();

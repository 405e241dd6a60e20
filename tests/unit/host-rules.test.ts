// hosts allow / hosts deny: smb.conf syntax (host-common/access-config.ts) and the core's
// decision (assembly/auth/host_rules.ts), end to end through serializeHostList, with Samba's
// rule (lib/util/access.c): allow wins; with both lists, hosts in neither may connect.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";
import { parseHostEntry, parseHostList, parseUserList, serializeHostList } from "../../host-common/access-config.ts";

const m = loadTestModule("host_rules");
const te = new TextEncoder();
const td = new TextDecoder();

function put(s: string): [number, number] {
  const b = te.encode(s);
  return [m.put(b.length > 0 ? b : new Uint8Array(1)), b.length];
}

/** 1 allowed, 0 refused, -1 malformed; undefined list = none. */
function decide(allow: string | undefined, deny: string | undefined, peer: string): number {
  const a = put(allow === undefined ? "-" : serializeHostList(parseHostList(allow)) || "-");
  const d = put(deny === undefined ? "-" : serializeHostList(parseHostList(deny)) || "-");
  const p = put(peer);
  return m.exports.decide(a[0], a[1], d[0], d[1], p[0], p[1]) as number;
}

function peerHex(peer: string): string | null {
  const p = put(peer);
  const out = m.alloc(64);
  return m.exports.peer_hex(p[0], p[1], out) ? td.decode(m.get(out, 32)) : null;
}

test("peer names of Node, Deno and Bun parse to 128-bit addresses (IPv4 mapped)", () => {
  assert.is(peerHex("127.0.0.1:4455"), "00000000000000000000ffff7f000001");
  assert.is(peerHex("::1:4455"), "00000000000000000000000000000001");
  assert.is(peerHex("[::1]:4455"), "00000000000000000000000000000001");
  assert.is(peerHex("::ffff:10.1.2.3:80"), "00000000000000000000ffff0a010203");
  assert.is(peerHex("fe80::1:2:3%eth0:445"), "fe800000000000000000000100020003");
  assert.is(peerHex("2001:db8:0:0:0:0:0:7:9"), "20010db8000000000000000000000007");
  assert.is(peerHex("garbage"), null);
  assert.is(peerHex("1.2.3.256:1"), null);
});

test("entries: addresses, a.b.c. prefixes, net/len, net/mask, ALL, localhost; host names refused", () => {
  const one = (e: string) => serializeHostList({ match: parseHostEntry(e) ?? [], except: [] });
  assert.is(one("192.168.1."), "00000000000000000000ffffc0a80100/120");
  assert.is(one("10.0.0.0/255.0.0.0"), "00000000000000000000ffff0a000000/104");
  assert.is(one("10.0.0.0/8"), "00000000000000000000ffff0a000000/104");
  assert.is(one("2001:db8::/32"), "20010db8000000000000000000000000/32");
  assert.is(one("ALL"), "00000000000000000000000000000000/0");
  assert.is(parseHostEntry("server.example"), null);
  assert.is(parseHostEntry("10.0.0.0/255.0.255.0"), null); // not contiguous
  assert.is(parseHostEntry("10.0.0.0/33"), null);
  assert.throws(() => parseHostList("10.0.0.1 fileserver"), /"fileserver" is not an address/);
  assert.throws(() => parseHostList("ALL EXCEPT 1.2.3.4 EXCEPT 5.6.7.8"), /EXCEPT may appear only once/);
});

test("Samba's decision table", () => {
  const lo = "127.0.0.1:1000";
  assert.is(decide(undefined, undefined, lo), 1);
  assert.is(decide("127.", undefined, lo), 1);
  assert.is(decide("10.0.0.0/8", undefined, lo), 0);
  assert.is(decide(undefined, "127.0.0.1", lo), 0);
  assert.is(decide(undefined, "10.", lo), 1);
  assert.is(decide("127.0.0.1", "ALL", lo), 1, "allow wins over deny");
  assert.is(decide("10.", "192.168.", lo), 1, "both lists, listed in neither: allowed");
  assert.is(decide("10.", "ALL", lo), 0);
  assert.is(decide(undefined, "ALL EXCEPT 127.0.0.1", lo), 1);
  assert.is(decide(undefined, "ALL EXCEPT 127.0.0.2", lo), 0);
  assert.is(decide("localhost", undefined, "::1:99"), 1);
  assert.is(decide("localhost", undefined, "127.8.9.10:99"), 1);
  assert.is(decide("::1", undefined, "::ffff:127.0.0.1:5"), 0);
  assert.is(decide("2001:db8::/32", undefined, "[2001:db8:1::5]:445"), 1);
  assert.is(decide("2001:db8::/32", undefined, "[2001:db9::5]:445"), 0);
  assert.is(decide("127.", undefined, "not-an-address"), 0, "unparsable peers are refused when lists exist");
});

test("the core refuses malformed rule text", () => {
  const bad = put("zz000000000000000000ffff0a000000/104");
  const none = put("-");
  const p = put("127.0.0.1:1");
  assert.is(m.exports.decide(bad[0], bad[1], none[0], none[1], p[0], p[1]), -1);
  const long = put("00000000000000000000ffff0a000000/1040");
  assert.is(m.exports.decide(long[0], long[1], none[0], none[1], p[0], p[1]), -1);
});

test("user lists: commas, spaces, quotes; groups warn and match nobody; bad characters refused", () => {
  const warnings: string[] = [];
  assert.equal(parseUserList('alice, bob  "carol smith",@staff +ops', (w) => warnings.push(w)), ["alice", "bob", "carol smith"]);
  assert.is(warnings.length, 2);
  assert.throws(() => parseUserList("a\\b", () => {}), /not allowed/);
});

test.run();

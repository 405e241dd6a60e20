// Server-side copy pieces: SRV_COPYCHUNK_COPY limit checks (MS-SMB2 2.2.31.1, 3.3.5.15.6 with
// Windows' limits 256 chunks / 1 MiB / 16 MiB), SRV_COPYCHUNK_RESPONSE (2.2.32.1), resume keys
// (3.3.5.15.5: bound to open and session, tag compared in constant time), NETWORK_INTERFACE_INFO
// (2.2.32.5) and the config's hex `interfaces` list.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule, hex } from "../helpers/wasm.ts";

const m = loadTestModule("copychunk");
const ex = m.exports as unknown as Record<string, (...a: unknown[]) => unknown>;
const MiB = 1 << 20;
const END = 0xffff_ffff_ffff_ffffn;

type Chunk = [bigint | number, bigint | number, number];

/** SRV_COPYCHUNK_COPY with a zero key; count overrides ChunkCount. */
function copyInput(chunks: Chunk[], count = chunks.length): Uint8Array {
  const b = Buffer.alloc(32 + 24 * chunks.length);
  b.fill(0xab, 0, 24);
  b.writeUInt32LE(count, 24);
  chunks.forEach(([s, t, l], i) => {
    b.writeBigUInt64LE(BigInt(s), 32 + 24 * i);
    b.writeBigUInt64LE(BigInt(t), 40 + 24 * i);
    b.writeUInt32LE(l, 48 + 24 * i);
  });
  return new Uint8Array(b);
}

function check(input: Uint8Array, inCount = input.length): number {
  const p = m.put(input);
  const r = m.exports.check_chunks(p, inCount);
  m.free(p);
  return r;
}

test("checkChunks accepts valid requests and returns the largest chunk", () => {
  assert.is(check(copyInput([[0, 0, 4096]])), 4096);
  assert.is(check(copyInput([[0, 0, 50], [50, 50, 50], [0, 9000, 70]])), 70);
  assert.is(check(copyInput([])), 0, "no chunks");
  assert.is(check(copyInput([[0, 0, MiB]])), MiB, "exactly 1 MiB");
  assert.is(check(copyInput(Array.from({ length: 16 }, (_, i): Chunk => [0, i * MiB, MiB]))), MiB, "exactly 16 MiB");
  assert.is(check(copyInput(Array.from({ length: 256 }, (_, i): Chunk => [i, i, 1]))), 1, "256 chunks");
  assert.is(check(copyInput([[0, END, 10]])), 10, "TargetOffset all-ones (end of file)");
  assert.is(check(copyInput([[END, 0, 10]])), 10, "source offsets are checked when reading (INVALID_VIEW_SIZE)");
  assert.is(check(copyInput([[0, 0x1f_ffff_ffff_fff0n, 15]])), 15, "target + length up to 2^53 - 1");
});

test("checkChunks refuses every limit violation and short buffers (-1)", () => {
  const cases: [string, Uint8Array, number?][] = [
    ["257 chunks", copyInput(Array.from({ length: 257 }, (_, i): Chunk => [i, i, 1]))],
    ["chunk of 1 MiB + 1", copyInput([[0, 0, MiB + 1]])],
    ["16 MiB + 1 in all", copyInput([...Array.from({ length: 16 }, (_, i): Chunk => [0, i * MiB, MiB]), [0, 0, 1]])],
    ["zero-length chunk", copyInput([[0, 0, 4096], [0, 0, 0]])],
    ["length 0xffffffff", copyInput([[0, 0, 0xffffffff]])],
    ["negative TargetOffset", copyInput([[0, 0x8000_0000_0000_0000n, 1]])],
    ["TargetOffset -2", copyInput([[0, END - 1n, 1]])],
    ["target + length past 2^53 - 1", copyInput([[0, 0x1f_ffff_ffff_fff0n, 16]])],
    ["ChunkCount larger than the buffer", copyInput([[0, 0, 1]], 2)],
    ["ChunkCount 0xffffffff", copyInput([[0, 0, 1]], 0xffffffff)],
  ];
  for (const [what, input] of cases) assert.is(check(input), -1, what);
  const one = copyInput([[0, 0, 1]]);
  assert.is(check(one, 31), -1, "InputCount below SRV_COPYCHUNK_COPY");
  assert.is(check(one, 55), -1, "InputCount one byte short of the chunk");
  assert.is(check(one, 56), 1);
});

test("allAtEndOfFile is true only when every TargetOffset is all-ones", () => {
  const at = (chunks: Chunk[]) => {
    const p = m.put(copyInput(chunks));
    const r = m.exports.all_at_eof(p);
    m.free(p);
    return r;
  };
  assert.is(at([[0, END, 1], [5, END, 2]]), 1);
  assert.is(at([[0, END, 1], [5, 0, 2]]), 0);
  assert.is(at([[0, END - 1n, 1]]), 0);
});

test("SRV_COPYCHUNK_RESPONSE: counts, and the limits of 3.3.5.15.6.2", () => {
  const p = m.alloc(12);
  m.exports.write_limits(p);
  assert.is(hex(m.get(p, 12)), "00010000" + "00001000" + "00000001");
  m.exports.write_response(p, 3, 1234, 0x01020304);
  const b = Buffer.from(m.get(p, 12));
  assert.equal([b.readUInt32LE(0), b.readUInt32LE(4), b.readUInt32LE(8)], [3, 1234, 0x01020304]);
  m.free(p);
});

test("resume keys: VolatileId + 16-byte tag bound to (VolatileId, PersistentId, SessionId)", () => {
  const key = (v: bigint, p: bigint, s: bigint) => {
    const o = m.alloc(24);
    ex.make_key(o, v, p, s);
    const k = m.get(o, 24);
    m.free(o);
    return k;
  };
  const matches = (k: Uint8Array, v: bigint, p: bigint, s: bigint) => {
    const q = m.put(k);
    const r = ex.key_matches(q, v, p, s) as number;
    m.free(q);
    return r;
  };
  const k = key(0x1122334455667788n, 0x1122334455667788n, 0xabcdefn);
  assert.is(Buffer.from(k).readBigUInt64LE(0), 0x1122334455667788n, "the VolatileId leads");
  assert.equal(key(0x1122334455667788n, 0x1122334455667788n, 0xabcdefn), k, "deterministic within a server run");
  assert.is(matches(k, 0x1122334455667788n, 0x1122334455667788n, 0xabcdefn), 1);
  assert.is(matches(k, 0x1122334455667788n, 0x1122334455667788n, 0xabcdeen), 0, "another session");
  assert.is(matches(k, 0x1122334455667788n, 0x1122334455667789n, 0xabcdefn), 0, "another PersistentId");
  assert.is(matches(k, 0x1122334455667789n, 0x1122334455667788n, 0xabcdefn), 0, "another VolatileId");
  for (let i = 8; i < 24; i++) {
    const bad = k.slice();
    bad[i] ^= 0x01;
    assert.is(matches(bad, 0x1122334455667788n, 0x1122334455667788n, 0xabcdefn), 0, `tag byte ${i}`);
  }
  const tags = new Set([1n, 2n, 3n].map((s) => hex(key(5n, 5n, s).subarray(8))));
  assert.is(tags.size, 3, "one tag per session");
  // the tag is keyed by a per-run random secret: a fresh module gives another tag
  const m2 = loadTestModule("copychunk");
  const o = m2.alloc(24);
  (m2.exports as unknown as Record<string, (...a: unknown[]) => unknown>).make_key(o, 0x1122334455667788n, 0x1122334455667788n, 0xabcdefn);
  assert.not.equal(hex(m2.get(o, 24).subarray(8)), hex(k.subarray(8)));
});

/** Loads a [global] section with the given interfaces value; returns whether it was accepted. */
function loadInterfaces(value: string): boolean {
  const text = new TextEncoder().encode(`[global]\ninterfaces=${value}\n`);
  const p = m.put(text);
  const r = m.exports.load_config(p, text.length);
  m.free(p);
  return r === 1;
}

test("config `interfaces`: hex addresses of 8 or 32 digits, comma separated", () => {
  assert.ok(loadInterfaces("7f000001,fe800000000000000000000000000001"));
  assert.is(m.exports.interface_count(), 2);
  assert.ok(loadInterfaces(""));
  assert.is(m.exports.interface_count(), 0);
  for (const bad of ["7f00001", "7f0000011", "7f00000g", "7f000001,", "127.0.0.1", "fe80::1"]) assert.not.ok(loadInterfaces(bad), bad);
});

test("NETWORK_INTERFACE_INFO: 152-byte entries, Next chain, IfIndex from 1, 10 Gbit/s, IPv4/IPv6 sockaddrs", () => {
  assert.ok(loadInterfaces("c0a80114,00000000,20010db8000000000000000000000001,00000000000000000000000000000000"));
  const p = m.alloc(1024);
  const n = m.exports.encode_interfaces(p, 1024);
  assert.is(n, 2 * 152, "the unspecified addresses are left out");
  const b = Buffer.from(m.get(p, n));
  const e0 = b.subarray(0, 152);
  const e1 = b.subarray(152, 304);
  assert.equal([e0.readUInt32LE(0), e0.readUInt32LE(4), e0.readUInt32LE(8), e0.readUInt32LE(12)], [152, 1, 0, 0]);
  assert.is(e0.readBigUInt64LE(16), 10_000_000_000n);
  assert.is(hex(e0.subarray(24, 40)), "0200" + "0000" + "c0a80114" + "0000000000000000", "SOCKADDR_IN: family 2, port 0, address");
  assert.ok(e0.subarray(40).every((x) => x === 0));
  assert.equal([e1.readUInt32LE(0), e1.readUInt32LE(4), e1.readUInt32LE(8)], [0, 2, 0]);
  assert.is(hex(e1.subarray(24, 52)), "1700" + "0000" + "00000000" + "20010db8000000000000000000000001" + "00000000", "SOCKADDR_IN6: family 0x17, port, flow info, address, scope");
  assert.ok(e1.subarray(52).every((x) => x === 0));
  m.free(p);
});

test.run();

// The SMB2 codec layer: the request validation table (MS-SMB2 2.2.x), the credit window
// (3.3.1.1), CreditCharge checks (3.3.5.2.5), path parsing, wildcards (MS-FSA 2.1.4.4),
// FILETIME conversion (MS-DTYP 2.3.3) and the errno table.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";

const m = loadTestModule("smb2");
// u64 parameters and results cross the boundary as BigInt
const ex = m.exports as unknown as Record<string, (...a: unknown[]) => unknown>;
const consume = (id: number, charge: number) => ex.credits_consume(BigInt(id), charge) as number;
const low = () => Number(ex.credits_low() as bigint);
const high = () => Number(ex.credits_high() as bigint);
const utf16 = (s: string) => new Uint8Array(Buffer.from(s, "utf16le"));
const text = () => {
  const p = m.alloc(2048);
  const n = m.exports.last_text(p, 2048);
  return Buffer.from(m.get(p, n)).toString("utf16le");
};

/** A request: 64-byte header (command, StructureSize 64) + body. */
function request(command: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(64 + body.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x424d53fe, true);
  v.setUint16(4, 64, true);
  v.setUint16(12, command, true);
  b.set(body, 64);
  return b;
}
function body(size: number, fields: [number, number, number][]): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (const [off, width, val] of fields) {
    if (width === 2) v.setUint16(off, val, true);
    else v.setUint32(off, val, true);
  }
  return b;
}
function validate(req: Uint8Array): [boolean, string] {
  const p = m.put(req);
  const ok = m.exports.validate(p, req.length) === 1;
  m.free(p);
  return [ok, text()];
}

test("validation: StructureSize must match the command's", () => {
  assert.equal(validate(request(13, body(4, [[0, 2, 4]])))[0], true); // ECHO
  const [ok, why] = validate(request(13, body(4, [[0, 2, 5]])));
  assert.is(ok, false);
  assert.match(why, /StructureSize 5 is not 4/);
  assert.is(validate(request(18, body(36, [[0, 2, 36]])))[0], true, "lease break ack (36) allowed");
  assert.is(validate(request(19, body(4, [[0, 2, 4]])))[0], false, "unknown command");
});

test("validation: a body shorter than its fixed part is refused", () => {
  const [ok, why] = validate(request(9, body(40, [[0, 2, 49]]))); // WRITE needs 48
  assert.is(ok, false);
  assert.match(why, /shorter than its fixed part 48/);
});

test("validation: data areas must lie inside the request (TREE_CONNECT path, WRITE data, CREATE name, IOCTL input)", () => {
  // TREE_CONNECT: PathOffset @4 (u16), PathLength @6 (u16); body 8 fixed + path
  const good = request(3, body(8 + 20, [[0, 2, 9], [4, 2, 72], [6, 2, 20]]));
  assert.is(validate(good)[0], true);
  assert.is(validate(request(3, body(8 + 20, [[0, 2, 9], [4, 2, 72], [6, 2, 21]])))[0], false, "one byte past the end");
  assert.is(validate(request(3, body(8 + 20, [[0, 2, 9], [4, 2, 60], [6, 2, 4]])))[0], false, "offset inside the fixed part");
  assert.is(validate(request(3, body(8, [[0, 2, 9], [4, 2, 0xffff], [6, 2, 0xffff]])))[0], false, "huge offset and length");
  assert.is(validate(request(3, body(8, [[0, 2, 9], [4, 2, 0xffff], [6, 2, 0]])))[0], true, "empty area: offset ignored");
  // WRITE: DataOffset @2 (u16), Length @4 (u32)
  assert.is(validate(request(9, body(48 + 10, [[0, 2, 49], [2, 2, 112], [4, 4, 10]])))[0], true);
  assert.is(validate(request(9, body(48 + 10, [[0, 2, 49], [2, 2, 112], [4, 4, 0xffffffff]])))[0], false, "u32 overflow");
  // CREATE: NameOffset @44, NameLength @46; contexts @48/@52 (u32)
  assert.is(validate(request(5, body(56 + 8, [[0, 2, 57], [44, 2, 120], [46, 2, 8]])))[0], true);
  assert.is(validate(request(5, body(56 + 8, [[0, 2, 57], [44, 2, 120], [46, 2, 8], [48, 4, 0xfffffff0], [52, 4, 32]])))[0], false);
  // IOCTL: InputOffset @24, InputCount @28; OutputOffset @36, OutputCount @40
  assert.is(validate(request(11, body(56 + 24, [[0, 2, 57], [24, 4, 120], [28, 4, 24]])))[0], true);
  assert.is(validate(request(11, body(56 + 24, [[0, 2, 57], [24, 4, 120], [28, 4, 25]])))[0], false);
  assert.is(validate(request(11, body(56 + 24, [[0, 2, 57], [36, 4, 120], [40, 4, 4096]])))[0], false);
});

test("credit window: ids are used once, in or out of order, inside the granted window", () => {
  m.exports.credits_new();
  assert.is(consume(0, 1), 1, "NEGOTIATE uses id 0");
  assert.is(consume(0, 1), 0, "replay refused");
  assert.is(consume(1, 1), 0, "id 1 not granted yet");
  assert.is(m.exports.credits_grant(10, 1), 10);
  assert.is(high(), 11);
  assert.is(consume(3, 1), 1, "out of order");
  assert.is(low(), 1, "low stays below the hole");
  assert.is(consume(1, 2), 1, "ids 1-2 with charge 2");
  assert.is(low(), 4, "low moves past 1, 2, 3");
  assert.is(consume(9, 3), 0, "9..11 exceeds the window (high 11)");
  assert.is(consume(8, 3), 1, "8..10 fits");
});

test("credit window: grants are bounded by 8192 outstanding credits, and never run a client dry", () => {
  m.exports.credits_new();
  consume(0, 1);
  assert.is(m.exports.credits_grant(0, 1), 1, "a client with no credits gets one");
  assert.is(m.exports.credits_grant(60000, 1), 8191);
  assert.is(m.exports.credits_grant(100, 1), 0, "at the limit");
});

test("CreditCharge covers the payload: ceil(len / 64 KiB), 2.0.2 limited to 64 KiB", () => {
  assert.is(m.exports.charge_covers(1, 1, 65536), 1);
  assert.is(m.exports.charge_covers(1, 1, 65537), 0);
  assert.is(m.exports.charge_covers(2, 1, 65537), 1);
  assert.is(m.exports.charge_covers(0, 1, 100), 1, "0 counts as 1");
  assert.is(m.exports.charge_covers(128, 1, 8 << 20), 1);
  assert.is(m.exports.charge_covers(127, 1, 8 << 20), 0);
  assert.is(m.exports.charge_covers(0, 0, 65536), 1);
  assert.is(m.exports.charge_covers(0, 0, 65537), 0);
});

test("paths: backslashes become slashes, \"..\" resolves but never above the root; wildcards, streams and bad UTF-16 are refused", () => {
  const ok = 0;
  const invalid = 0xc0000033;
  const syntaxBad = 0xc000003b;
  const cases: [string, number, string][] = [
    ["", ok, ""], ["a.txt", ok, "a.txt"], ["dir\\sub\\f", ok, "dir/sub/f"], ["\\lead", ok, "lead"],
    ["trail\\", ok, "trail"], ["ünï\\кот", ok, "ünï/кот"],
    ["..", syntaxBad, ""], ["a\\..\\b", ok, "b"], ["a\\b\\..", ok, "a"], ["a\\..\\..\\b", syntaxBad, ""],
    [".\\a", invalid, ""], ["a\\\\b", invalid, ""],
    ["a/b", invalid, ""], ["f:stream", invalid, ""], ["a*", invalid, ""], ["a?", invalid, ""], ["a<b", invalid, ""],
    ["a\u0001b", invalid, ""], ["x\ud800", invalid, ""], ["\udc00y", invalid, ""], ["a|b", invalid, ""],
  ];
  for (const [input, status, path] of cases) {
    const b = utf16(input);
    const p = m.put(b);
    assert.is(m.exports.parse_path(p, b.length) >>> 0, status, JSON.stringify(input));
    if (status === ok) assert.is(text(), path);
  }
  const odd = m.put(new Uint8Array([0x41, 0x00, 0x42]));
  assert.is(m.exports.parse_path(odd, 3) >>> 0, invalid, "odd byte count");
  const long = utf16("x".repeat(256));
  assert.is(m.exports.parse_path(m.put(long), long.length) >>> 0, invalid, "component over 255");
});

test("wildcards: * ? and the DOS wildcards < > \" (MS-FSA 2.1.4.4), case-insensitive", () => {
  const match = (pat: string, name: string) => {
    const a = utf16(pat);
    const b = utf16(name);
    return m.exports.match_name(m.put(a), a.length, m.put(b), b.length) === 1;
  };
  const yes: [string, string][] = [
    ["*", "anything"], ["*.txt", "a.TXT"], ["a?c", "abc"], ["A*", "abc"], ["*a*b*", "xxaYYbzz"],
    ["<.txt", "file.txt"], ["<", "abc"], ["<.c", "a.b.c"], ["a>>", "a"], ["a>>", "ab"], ["file\"", "file"], ["file\"", "file."],
    ["<.*", "x.y"], ["f>>>>>>>.txt", "f.txt"],
  ];
  const no: [string, string][] = [
    ["*.txt", "a.txd"], ["a?c", "ac"], ["abc", "abcd"], ["<.txt", "a.b.tx"], ["<", "a.b"], ["a>", "abc"], ["file\"", "filex"],
    ["*a*b*", "xxbYYazz"],
  ];
  for (const [p, n] of yes) assert.ok(match(p, n), `${p} ~ ${n}`);
  for (const [p, n] of no) assert.not.ok(match(p, n), `${p} !~ ${n}`);
  // a pathological pattern stays fast (no exponential backtracking)
  const t = Date.now();
  match("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(200));
  assert.ok(Date.now() - t < 1000);
});

test("FILETIME: Unix ms ↔ 100-ns intervals since 1601 (MS-DTYP 2.3.3)", () => {
  assert.is(ex.ms_to_filetime(0), 0n, "unknown time is 0");
  assert.is(ex.ms_to_filetime(1000), 116444736010000000n);
  assert.is(ex.ms_to_filetime(1700000000123.5), 133444736001235000n);
  assert.is(ex.filetime_to_ms(116444736010000000n), 1000);
});

test("errno → NTSTATUS: one table", () => {
  const st = (e: number) => m.exports.errno_status(-e) >>> 0;
  assert.is(st(2), 0xc0000034); // ENOENT → OBJECT_NAME_NOT_FOUND
  assert.is(st(13), 0xc0000022); // EACCES → ACCESS_DENIED
  assert.is(st(17), 0xc0000035); // EEXIST → OBJECT_NAME_COLLISION
  assert.is(st(39), 0xc0000101); // ENOTEMPTY → DIRECTORY_NOT_EMPTY
  assert.is(st(28), 0xc000007f); // ENOSPC → DISK_FULL
  assert.is(st(4096), 0xc0000022); // outside the share → ACCESS_DENIED
  assert.is(st(9999), 0xc0000001); // unknown → UNSUCCESSFUL
});

test.run();

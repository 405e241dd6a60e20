// Unit tests for assembly/fs/dosattrib.ts (user.DOSATTRIB, Samba's librpc/idl/xattr.idl
// xattr_DOSATTRIB) and assembly/fs/ea.ts (EA lists, MS-FSCC 2.4.15/2.4.15.1; create contexts,
// MS-SMB2 2.2.13.2). Vectors: values Samba 4.17.12 wrote on this machine (`getfattr -e hex`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hex, loadTestModule, unhex } from "../helpers/wasm.ts";

const m = loadTestModule("metadata");
const E = m.exports;

const STATUS_SUCCESS = 0;
const STATUS_INVALID_EA_NAME = 0x80000013;
const STATUS_EA_LIST_INCONSISTENT = 0x80000014;

interface Decoded {
  ok: boolean;
  attrib: number;
  hasCreate: boolean;
  create: bigint;
}

function decode(bytes: Uint8Array): Decoded {
  const p = m.put(bytes.length > 0 ? bytes : new Uint8Array(1));
  const out = m.alloc(16);
  const ok = E.dosattrib_decode(p, bytes.length, out) === 1;
  const r = Buffer.from(m.get(out, 16));
  m.free(p);
  m.free(out);
  return { ok, attrib: r.readUInt32LE(0), hasCreate: (r.readUInt32LE(4) & 1) === 1, create: r.readBigUInt64LE(8) };
}

function encode(attrib: number, create: bigint): Uint8Array {
  const out = m.alloc(32);
  const n = E.dosattrib_encode(out, attrib, Number(create & 0xffffffffn), Number(create >> 32n));
  const r = m.get(out, n);
  m.free(out);
  return r;
}

// Samba 4.17.12 (smbd, "store dos attributes = yes"): a new file, a new directory, a file after
// `setmode +hsr` — all version 5.
const SAMBA_FILE = "00000500050000001100000020000000af545635fd7edd01";
const SAMBA_DIR = "00000500050000001100000010000000e97d5635fd7edd01";
const SAMBA_RHSA = "00000500050000001100000027000000941c5735fd7edd01";

test("decodes the version-5 values Samba 4.17 writes", () => {
  const f = decode(unhex(SAMBA_FILE));
  assert.ok(f.ok);
  assert.is(f.attrib, 0x20);
  assert.ok(f.hasCreate);
  assert.is(f.create, 0x01dd7efd355654afn);
  assert.is(decode(unhex(SAMBA_DIR)).attrib, 0x10);
  const h = decode(unhex(SAMBA_RHSA));
  assert.is(h.attrib, 0x27);
  assert.is(h.create, 0x01dd7efd35571c94n);
});

test("encodes exactly what Samba 4.17 writes, and round-trips", () => {
  assert.is(hex(encode(0x20, 0x01dd7efd355654afn)), SAMBA_FILE);
  assert.is(hex(encode(0x27, 0x01dd7efd35571c94n)), SAMBA_RHSA);
  for (const [a, t] of [[0, 0n], [0x2127, 0x01d0000000000001n], [0xffffffff, 0xffffffffffffffffn]] as const) {
    const d = decode(encode(a, t));
    assert.ok(d.ok);
    assert.is(d.attrib, a);
    assert.is(d.hasCreate, t !== 0n);
    assert.is(d.create, t);
  }
  // no create time: CREATE_TIME not claimed valid
  assert.is(hex(encode(0x20, 0n)), "000005000500000001000000200000000000000000000000");
});

/** xattr_DOSATTRIB with attrib_hex, version = level, the info at the next 4-byte boundary. */
function build(version: number, info: Buffer, attribHex = ""): Uint8Array {
  const s = Buffer.from(`${attribHex}\0`, "ascii");
  let off = s.length + (s.length & 1);
  const head = Buffer.alloc(off + 4);
  s.copy(head);
  head.writeUInt16LE(version, off);
  head.writeUInt16LE(version, off + 2);
  off += 4;
  const pad = Buffer.alloc((4 - (off & 3)) & 3);
  return Buffer.concat([head, pad, info]);
}

const T = 0x01d2030405060708n;
const u32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeUInt32LE(x >>> 0); return b; }));
const u64 = (...v: bigint[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(x); return b; }));

test("decodes versions 1 to 4 (IDL layouts), with and without Samba 3's hex prefix", () => {
  const v1 = build(1, Buffer.concat([u32(0x21, 0), u64(7n, 4096n, T, T + 1n)]));
  assert.equal(decode(v1), { ok: true, attrib: 0x21, hasCreate: true, create: T });
  const v2 = build(2, Buffer.concat([u32(1, 0x22, 0), u64(7n, 4096n, T, T + 1n, T + 2n), Buffer.from("n\0")]));
  assert.equal(decode(v2), { ok: true, attrib: 0x22, hasCreate: true, create: T });
  const v3 = build(3, Buffer.concat([u32(0x11, 0x23, 0), u64(7n, 4096n, T, T + 1n)]), "0x23");
  assert.equal(decode(v3), { ok: true, attrib: 0x23, hasCreate: true, create: T });
  const v4 = build(4, Buffer.concat([u32(0x11, 0x24), u64(99n, T)]));
  assert.equal(decode(v4), { ok: true, attrib: 0x24, hasCreate: true, create: T });
  // CREATE_TIME not valid → no create time
  const v4a = build(4, Buffer.concat([u32(0x01, 0x24), u64(99n, T)]));
  assert.equal(decode(v4a), { ok: true, attrib: 0x24, hasCreate: false, create: 0n });
  // zero create time → none
  const v1z = build(1, Buffer.concat([u32(0x20, 0), u64(0n, 0n, 0n, 0n)]));
  assert.is(decode(v1z).hasCreate, false);
});

test("decodes a bare hex string (Samba 3), with or without its NUL", () => {
  assert.equal(decode(Buffer.from("0x20\0")), { ok: true, attrib: 0x20, hasCreate: false, create: 0n });
  assert.is(decode(Buffer.from("0X1f")).attrib, 0x1f);
  assert.is(decode(Buffer.from("27")).attrib, 0x27);
  assert.not.ok(decode(Buffer.from("0x\0")).ok);
  assert.not.ok(decode(Buffer.from("0xzz\0")).ok);
  assert.not.ok(decode(Buffer.from("0x123456789\0")).ok);
});

test("rejects truncated values, unknown versions, differing levels and missing ATTRIB", () => {
  const good = unhex(SAMBA_FILE);
  for (let n = 0; n < good.length; n++) {
    if (n === 1) continue; // "\0" alone is an empty hex string: rejected below anyway
    const d = decode(good.subarray(0, n));
    assert.not.ok(d.ok, `truncated to ${n}`);
  }
  assert.not.ok(decode(new Uint8Array([0])).ok);
  const v6 = Buffer.from(good);
  v6.writeUInt16LE(6, 2);
  v6.writeUInt16LE(6, 4);
  assert.not.ok(decode(v6).ok, "version 6");
  const lvl = Buffer.from(good);
  lvl.writeUInt16LE(4, 4);
  assert.not.ok(decode(lvl).ok, "level differs from version");
  const noAttrib = Buffer.from(good);
  noAttrib.writeUInt32LE(0x10, 8);
  assert.not.ok(decode(noAttrib).ok, "valid_flags without ATTRIB");
  const ffff = Buffer.from(good);
  ffff.writeUInt16LE(0xffff, 2);
  ffff.writeUInt16LE(0xffff, 4);
  assert.not.ok(decode(ffff).ok, "0xFFFF after a string");
});

// ---- EA lists ----

interface Ea {
  name: string;
  value: string;
  flags?: number;
}

/** FILE_FULL_EA_INFORMATION list, entries aligned to 4 (as Windows and smbclient send it). */
function fullEaList(eas: Ea[]): Buffer {
  const parts = eas.map((e, i) => {
    const n = Buffer.from(e.name, "latin1");
    const v = Buffer.from(e.value, "latin1");
    let size = 8 + n.length + 1 + v.length;
    if (i < eas.length - 1) size = (size + 3) & ~3;
    const b = Buffer.alloc(size);
    b.writeUInt32LE(i < eas.length - 1 ? size : 0, 0);
    b.writeUInt8(e.flags ?? 0, 4);
    b.writeUInt8(n.length, 5);
    b.writeUInt16LE(v.length, 6);
    n.copy(b, 8);
    v.copy(b, 9 + n.length);
    return b;
  });
  return Buffer.concat(parts);
}

function validateFull(b: Uint8Array): number {
  const p = m.put(b.length > 0 ? b : new Uint8Array(1));
  const s = E.validate_full_ea_list(p, b.length) >>> 0;
  m.free(p);
  return s;
}

test("FILE_FULL_EA_INFORMATION lists: valid ones pass", () => {
  assert.is(validateFull(fullEaList([{ name: "EAONE", value: "VALUE1" }, { name: "SECONDEA", value: "ValueTwo" }])), STATUS_SUCCESS);
  assert.is(validateFull(fullEaList([{ name: "x", value: "" }])), STATUS_SUCCESS);
  assert.is(validateFull(fullEaList([{ name: "NEED", value: "v", flags: 0x80 }])), STATUS_SUCCESS);
});

test("FILE_FULL_EA_INFORMATION lists: every bad length or offset is refused", () => {
  const good = fullEaList([{ name: "EAONE", value: "VALUE1" }, { name: "SECONDEA", value: "ValueTwo" }]);
  // any truncation
  for (let n = 0; n < good.length; n++) assert.is(validateFull(good.subarray(0, n)), STATUS_EA_LIST_INCONSISTENT, `truncated to ${n}`);
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    f(b);
    return validateFull(b);
  };
  assert.is(mutate((b) => b.writeUInt32LE(17, 0)), STATUS_EA_LIST_INCONSISTENT, "NextEntryOffset not aligned");
  assert.is(mutate((b) => b.writeUInt32LE(12, 0)), STATUS_EA_LIST_INCONSISTENT, "NextEntryOffset inside the entry");
  assert.is(mutate((b) => b.writeUInt32LE(0xfffffffc, 0)), STATUS_EA_LIST_INCONSISTENT, "NextEntryOffset past the end");
  assert.is(mutate((b) => b.writeUInt32LE(good.length, 0)), STATUS_EA_LIST_INCONSISTENT, "NextEntryOffset at the end");
  assert.is(mutate((b) => b.writeUInt8(200, 5)), STATUS_EA_LIST_INCONSISTENT, "EaNameLength past the end");
  assert.is(mutate((b) => b.writeUInt16LE(0xffff, 6)), STATUS_EA_LIST_INCONSISTENT, "EaValueLength past the end");
  assert.is(mutate((b) => b.writeUInt16LE(8, 6)), STATUS_EA_LIST_INCONSISTENT, "EaValueLength past NextEntryOffset");
  assert.is(mutate((b) => b.writeUInt8(4, 5)), STATUS_EA_LIST_INCONSISTENT, "name not NUL-terminated");
  assert.is(mutate((b) => b.writeUInt8(1, 4)), STATUS_EA_LIST_INCONSISTENT, "unknown flag");
  assert.is(mutate((b) => b.writeUInt8(0, 5)), STATUS_EA_LIST_INCONSISTENT, "EaNameLength 0 while the name goes on");
  assert.is(validateFull(fullEaList([{ name: "", value: "v" }])), STATUS_INVALID_EA_NAME, "empty name");
  const last = good.length - (8 + 8 + 1 + 8);
  assert.is(mutate((b) => b.writeUInt32LE(4, last)), STATUS_EA_LIST_INCONSISTENT, "last entry points past the end");
  for (const c of ["*", "?", "/", "\\", ":", "|", "<", ">", "\"", "+", ",", ";", "=", "[", "]", "\x01"]) {
    assert.is(validateFull(fullEaList([{ name: `A${c}B`, value: "v" }])), STATUS_INVALID_EA_NAME, `name with ${JSON.stringify(c)}`);
  }
});

test("FILE_FULL_EA_INFORMATION lists: a loop of entries cannot hang the validator", () => {
  // every entry points 12 bytes on: it ends because the offsets only grow
  const b = Buffer.alloc(4096);
  for (let off = 0; off + 12 <= b.length; off += 12) {
    b.writeUInt32LE(12, off);
    b.writeUInt8(1, off + 5);
    b.write("a", off + 8, "latin1");
  }
  assert.is(validateFull(b), STATUS_EA_LIST_INCONSISTENT);
});

test("FILE_GET_EA_INFORMATION lists: valid and invalid", () => {
  const entry = (name: string, next: number) => {
    const n = Buffer.from(name, "latin1");
    const b = Buffer.alloc(next || 5 + n.length + 1);
    b.writeUInt32LE(next, 0);
    b.writeUInt8(n.length, 4);
    n.copy(b, 5);
    return b;
  };
  const check = (b: Uint8Array) => {
    const p = m.put(b.length > 0 ? b : new Uint8Array(1));
    const s = E.validate_get_ea_list(p, b.length) >>> 0;
    m.free(p);
    return s;
  };
  const good = Buffer.concat([entry("EAONE", 12), entry("SECONDEA", 0)]);
  assert.is(check(good), STATUS_SUCCESS);
  for (let n = 0; n < good.length; n++) assert.is(check(good.subarray(0, n)), STATUS_EA_LIST_INCONSISTENT, `truncated to ${n}`);
  const bad = Buffer.from(good);
  bad.writeUInt32LE(13, 0);
  assert.is(check(bad), STATUS_EA_LIST_INCONSISTENT);
  assert.is(check(entry("a*b", 0)), STATUS_INVALID_EA_NAME);
});

test("xattr names: only user.* names clients may use, never Samba's own", () => {
  const off = (s: string) => {
    const b = Buffer.from(s, "utf8");
    const p = m.put(b);
    const r = E.ea_name_offset(p, b.length);
    m.free(p);
    return r;
  };
  assert.is(off("user.EAONE"), 5);
  assert.is(off("user.x"), 5);
  for (const hidden of ["user.DOSATTRIB", "user.dosattrib", "user.DosStream.foo:$DATA", "user.SAMBA_PAI", "user.DosStreams", "user.DosEAs",
    "security.NTACL", "system.posix_acl_access", "trusted.x", "User.x", "user.", "user.a:b", `user.${"a".repeat(256)}`]) {
    assert.is(off(hidden), 0, hidden);
  }
});

/** A CREATE request: header (64) + body (56) + contexts at offset 120 (from the header). */
function createWithContexts(contexts: Array<{ name: string; data: Buffer; nameLen?: number; next?: number }>): { msg: Buffer; body: number } {
  const parts: Buffer[] = [];
  contexts.forEach((c, i) => {
    const name = Buffer.from(c.name, "latin1");
    const dataOff = (16 + name.length + 7) & ~7;
    let size = dataOff + c.data.length;
    if (i < contexts.length - 1) size = (size + 7) & ~7;
    const b = Buffer.alloc(size);
    b.writeUInt32LE(c.next ?? (i < contexts.length - 1 ? size : 0), 0);
    b.writeUInt16LE(16, 4);
    b.writeUInt16LE(c.nameLen ?? name.length, 6);
    b.writeUInt16LE(c.data.length ? dataOff : 0, 10);
    b.writeUInt32LE(c.data.length, 12);
    name.copy(b, 16);
    c.data.copy(b, dataOff);
    parts.push(b);
  });
  const ctx = Buffer.concat(parts);
  const msg = Buffer.alloc(120 + ctx.length);
  msg.writeUInt32LE(120, 64 + 48);
  msg.writeUInt32LE(ctx.length, 64 + 52);
  ctx.copy(msg, 120);
  return { msg, body: 64 };
}

function findCtx(msg: Buffer, tag: string): bigint {
  const p = m.put(msg);
  const out = m.alloc(8);
  E.find_create_context(p, msg.length, p + 64, Buffer.from(tag, "latin1").readUInt32LE(0), out);
  const r = Buffer.from(m.get(out, 8)).readBigInt64LE(0);
  m.free(p);
  m.free(out);
  return r;
}

test("create contexts: ExtA is found after other contexts; bad chains are refused", () => {
  const eas = fullEaList([{ name: "EAONE", value: "VALUE1" }]);
  const { msg } = createWithContexts([{ name: "MxAc", data: Buffer.alloc(0) }, { name: "ExtA", data: eas }]);
  const r = findCtx(msg, "ExtA");
  assert.ok(r >= 0n);
  const off = Number(r >> 32n);
  const len = Number(r & 0xffffffffn);
  assert.is(len, eas.length);
  assert.ok(msg.subarray(off, off + len).equals(eas));
  assert.is(findCtx(msg, "DHnQ"), -1n);
  assert.is(findCtx(createWithContexts([{ name: "x", data: Buffer.alloc(0) }]).msg, "ExtA"), -2n, "name shorter than 4");
  assert.is(findCtx(createWithContexts([{ name: "ExtA", data: eas, nameLen: 200 }]).msg, "ExtA"), -2n, "name past the context");
  assert.is(findCtx(createWithContexts([{ name: "MxAc", data: Buffer.alloc(0), next: 20 }, { name: "ExtA", data: eas }]).msg, "ExtA"), -2n, "Next not 8-aligned");
  const trunc = createWithContexts([{ name: "ExtA", data: eas }]).msg;
  assert.is(findCtx(trunc.subarray(0, trunc.length - 1), "ExtA"), -2n, "contexts past the message");
});

test.run();

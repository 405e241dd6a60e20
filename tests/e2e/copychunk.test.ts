// End-to-end: server-side copy (MS-SMB2 3.3.5.15.5 FSCTL_SRV_REQUEST_RESUME_KEY, 3.3.5.15.6
// FSCTL_SRV_COPYCHUNK/_WRITE) between two shares with different directories, resume keys bound
// to their session, limits (3.3.5.15.6.2), real counts on failure (REVIEW V1), data only (V8);
// FSCTL_QUERY_NETWORK_INTERFACE_INFO (3.3.5.15.11) and the IOCTL dispatcher's refusals (Node host).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Smb2Client, Command, Status, connectAnonymous, createBody, closeBody, writeBody, readBody, hexStatus, type Smb2Message } from "../helpers/smb2-raw.ts";
import { ioctlBody } from "../helpers/bad-input-templates.ts";

const FSCTL_SRV_REQUEST_RESUME_KEY = 0x00140078;
const FSCTL_SRV_COPYCHUNK = 0x001440f2;
const FSCTL_SRV_COPYCHUNK_WRITE = 0x001480f2;
const FSCTL_QUERY_NETWORK_INTERFACE_INFO = 0x001401fc;
const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;
const STATUS_INVALID_VIEW_SIZE = 0xc000001f;
const STATUS_FILE_LOCK_CONFLICT = 0xc0000054;
const STATUS_BUFFER_TOO_SMALL = 0xc0000023;
const MiB = 1 << 20;
const ALL_ONES = Buffer.alloc(16, 0xff);
// desired access
const FILE_READ_DATA = 0x1;
const FILE_WRITE_DATA = 0x2;
const FILE_APPEND_DATA = 0x4;
const FILE_READ_ATTRIBUTES = 0x80;
const SYNCHRONIZE = 0x100000;

const dir = mkdtempSync(join(tmpdir(), "smbcopy-"));
const shareA = join(dir, "a");
const shareB = join(dir, "b");
mkdirSync(shareA);
mkdirSync(shareB);
const conf = join(dir, "smb.conf");
writeFileSync(conf, `[global]
  interfaces = 127.0.0.1 127.0.0.2
[a]
  path = ${shareA}
  read only = no
  guest ok = yes
[b]
  path = ${shareB}
  read only = no
  guest ok = yes
`);
let srv: RunningServer;

test.before(async () => {
  srv = await startServer({ args: ["--config", conf], noPath: true });
});
test.after(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A 3.1.1 anonymous connection with trees on shares a and b (treeId: the last one, b). */
async function connect(dialects = [0x0311]): Promise<{ c: Smb2Client; a: number; b: number }> {
  const c = await connectAnonymous(srv.port, "a", dialects);
  const a = c.treeId;
  const m = await c.treeConnect("b");
  assert.is(hexStatus(m.status), hexStatus(0), "TREE_CONNECT b");
  return { c, a, b: c.treeId };
}

async function open(c: Smb2Client, tree: number, name: string, desiredAccess = 0x0012019f, createDisposition = 3): Promise<Buffer> {
  const m = await c.request(Command.CREATE, createBody(name, { desiredAccess, createDisposition }), { treeId: tree });
  assert.is(hexStatus(m.status), hexStatus(0), `CREATE ${name}`);
  return Buffer.from(m.body.subarray(64, 80));
}

async function writeAll(c: Smb2Client, tree: number, fid: Buffer, offset: number, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; at += 65536) {
    const m = await c.request(Command.WRITE, writeBody(fid, BigInt(offset + at), data.subarray(at, at + 65536)), { treeId: tree });
    assert.is(hexStatus(m.status), hexStatus(0), "WRITE");
  }
}

function ioctl(c: Smb2Client, tree: number, code: number, fid: Uint8Array, input: Uint8Array, maxOut: number): Promise<Smb2Message> {
  return c.request(Command.IOCTL, ioctlBody(code, fid, input, maxOut), { treeId: tree });
}

/** The Buffer of an IOCTL response (OutputOffset/OutputCount of 2.2.32). */
function output(m: Smb2Message): Buffer {
  const off = m.body.readUInt32LE(32) - 64;
  return m.body.subarray(off, off + m.body.readUInt32LE(36));
}

async function resumeKey(c: Smb2Client, tree: number, fid: Buffer): Promise<Buffer> {
  const m = await ioctl(c, tree, FSCTL_SRV_REQUEST_RESUME_KEY, fid, new Uint8Array(0), 32);
  assert.is(hexStatus(m.status), hexStatus(0), "REQUEST_RESUME_KEY");
  const out = output(m);
  assert.is(out.length, 32, "SRV_REQUEST_RESUME_KEY is 32 bytes");
  assert.is(out.readUInt32LE(24), 0, "ContextLength");
  return Buffer.from(out.subarray(0, 24));
}

/** SRV_COPYCHUNK_COPY (2.2.31.1): [source offset, target offset, length] per chunk. */
function copyInput(key: Buffer, chunks: [bigint | number, bigint | number, number][]): Buffer {
  const b = Buffer.alloc(32 + 24 * chunks.length);
  key.copy(b, 0);
  b.writeUInt32LE(chunks.length, 24);
  chunks.forEach(([s, t, l], i) => {
    b.writeBigUInt64LE(BigInt(s), 32 + 24 * i);
    b.writeBigUInt64LE(BigInt(t), 40 + 24 * i);
    b.writeUInt32LE(l, 48 + 24 * i);
  });
  return b;
}

/** Sends a copy; returns the status and the SRV_COPYCHUNK_RESPONSE counts (null without one). */
async function copy(c: Smb2Client, tree: number, dest: Buffer, input: Buffer, code = FSCTL_SRV_COPYCHUNK, maxOut = 12) {
  const m = await ioctl(c, tree, code, dest, input, maxOut);
  const out = m.body.length > 9 ? output(m) : null;
  const counts = out && out.length === 12 ? [out.readUInt32LE(0), out.readUInt32LE(4), out.readUInt32LE(8)] : null;
  return { status: hexStatus(m.status), counts };
}

const LIMITS = [256, MiB, 16 * MiB];

test("resume keys: 32-byte response, stable per open, distinct per open, MaxOutputResponse < 32 refused", async () => {
  const { c, a } = await connect();
  const f1 = await open(c, a, "key1.bin");
  const f2 = await open(c, a, "key2.bin");
  const k1 = await resumeKey(c, a, f1);
  assert.equal(await resumeKey(c, a, f1), k1, "same open, same key");
  assert.not.equal(await resumeKey(c, a, f2), k1, "another open, another key");
  const short = await ioctl(c, a, FSCTL_SRV_REQUEST_RESUME_KEY, f1, new Uint8Array(0), 31);
  assert.is(hexStatus(short.status), hexStatus(Status.INVALID_PARAMETER));
  c.end();
});

test("copy from share a to share b (different directories), 3 MiB in 1 MiB chunks: data and counts", async () => {
  const { c, a, b } = await connect();
  const data = randomBytes(3 * MiB);
  const src = await open(c, a, "big.bin");
  await writeAll(c, a, src, 0, data);
  writeFileSync(join(shareB, "big-copy.bin"), Buffer.alloc(10, 0x55));
  const dst = await open(c, b, "big-copy.bin");
  const key = await resumeKey(c, a, src);
  const r = await copy(c, b, dst, copyInput(key, [[0, 0, MiB], [MiB, MiB, MiB], [2 * MiB, 2 * MiB, MiB]]));
  assert.is(r.status, hexStatus(0));
  assert.equal(r.counts, [3, 0, 3 * MiB]);
  assert.ok(readFileSync(join(shareB, "big-copy.bin")).equals(data), "destination bytes on disk");
  // the source share's directory holds only the source
  assert.ok(readFileSync(join(shareA, "big.bin")).equals(data));
  c.end();
});

test("a resume key works only in its session, only while its open is open, and only unaltered", async () => {
  const { c, a, b } = await connect();
  const src = await open(c, a, "k-src.bin");
  await writeAll(c, a, src, 0, Buffer.alloc(4096, 1));
  const dst = await open(c, b, "k-dst.bin");
  const key = await resumeKey(c, a, src);
  const input = copyInput(key, [[0, 0, 4096]]);
  // another session (own connection) with its own destination
  const other = await connect();
  const dst2 = await open(other.c, other.b, "k-dst2.bin");
  assert.is((await copy(other.c, other.b, dst2, input)).status, hexStatus(Status.OBJECT_NAME_NOT_FOUND), "key of another session");
  other.c.end();
  const forged = Buffer.from(key);
  forged[23] ^= 1;
  assert.is((await copy(c, b, dst, copyInput(forged, [[0, 0, 4096]]))).status, hexStatus(Status.OBJECT_NAME_NOT_FOUND), "altered tag");
  assert.is((await copy(c, b, dst, input)).status, hexStatus(0), "the real key");
  assert.is(hexStatus((await c.request(Command.CLOSE, closeBody(src), { treeId: a })).status), hexStatus(0), "CLOSE source");
  assert.is((await copy(c, b, dst, input)).status, hexStatus(Status.OBJECT_NAME_NOT_FOUND), "source closed");
  c.end();
});

test("limits (3.3.5.15.6.2): INVALID_PARAMETER with 256 / 1 MiB / 16 MiB; MaxOutputResponse < 12 without a body", async () => {
  const { c, a } = await connect();
  const src = await open(c, a, "l-src.bin");
  await writeAll(c, a, src, 0, Buffer.alloc(8192, 2));
  const dst = await open(c, a, "l-dst.bin");
  const key = await resumeKey(c, a, src);
  const many = Array.from({ length: 257 }, (_, i) => [0, i, 1] as [number, number, number]);
  for (const [what, chunks] of [
    ["257 chunks", many],
    ["a chunk of 1 MiB + 1", [[0, 0, MiB + 1]]],
    ["17 MiB in all", Array.from({ length: 17 }, (_, i) => [0, i * MiB, MiB])],
    ["a zero-length chunk", [[0, 0, 4096], [0, 4096, 0]]],
    ["a negative TargetOffset", [[0, 0x8000_0000_0000_0000n, 4096]]],
  ] as [string, [bigint | number, bigint | number, number][]][]) {
    const r = await copy(c, a, dst, copyInput(key, chunks));
    assert.is(r.status, hexStatus(Status.INVALID_PARAMETER), what);
    assert.equal(r.counts, LIMITS, what);
  }
  const truncated = copyInput(key, [[0, 0, 4096], [0, 4096, 4096]]).subarray(0, 32 + 24);
  assert.equal((await copy(c, a, dst, truncated)).counts, LIMITS, "InputCount shorter than ChunkCount says");
  assert.is(readFileSync(join(shareA, "l-dst.bin")).length, 0, "nothing written");
  const small = await copy(c, a, dst, copyInput(key, [[0, 0, 4096]]), FSCTL_SRV_COPYCHUNK, 11);
  assert.is(small.status, hexStatus(Status.INVALID_PARAMETER));
  assert.is(small.counts, null, "plain error response");
  c.end();
});

test("failures report what was written: source past EOF after one chunk, dest range locked", async () => {
  const { c, a } = await connect();
  const data = randomBytes(8192);
  const src = await open(c, a, "f-src.bin");
  await writeAll(c, a, src, 0, data);
  const dst = await open(c, a, "f-dst.bin");
  const key = await resumeKey(c, a, src);
  const eof = await copy(c, a, dst, copyInput(key, [[0, 0, 3000], [4096, 3000, 8192]]));
  assert.is(eof.status, hexStatus(STATUS_INVALID_VIEW_SIZE));
  assert.equal(eof.counts, [1, 0, 3000]);
  assert.ok(readFileSync(join(shareA, "f-dst.bin")).equals(data.subarray(0, 3000)), "first chunk only");
  // another open locks [5000, 6000) of the destination: the second chunk fails
  const locker = await open(c, a, "f-dst.bin");
  const lock = Buffer.alloc(48);
  lock.writeUInt16LE(48, 0);
  lock.writeUInt16LE(1, 2);
  locker.copy(lock, 8);
  lock.writeBigUInt64LE(5000n, 24);
  lock.writeBigUInt64LE(1000n, 32);
  lock.writeUInt32LE(0x12, 40); // exclusive, fail immediately
  assert.is(hexStatus((await c.request(Command.LOCK, lock, { treeId: a })).status), hexStatus(0), "LOCK");
  const locked = await copy(c, a, dst, copyInput(key, [[0, 0, 4096], [0, 4096, 4096]]));
  assert.is(locked.status, hexStatus(STATUS_FILE_LOCK_CONFLICT));
  assert.equal(locked.counts, [1, 0, 4096]);
  c.end();
});

test("TargetOffset all-ones appends; FILE_APPEND_DATA alone may only append; COPYCHUNK needs read on the destination", async () => {
  const { c, a } = await connect();
  const data = randomBytes(4096);
  const src = await open(c, a, "ap-src.bin");
  await writeAll(c, a, src, 0, data);
  const key = await resumeKey(c, a, src);
  writeFileSync(join(shareA, "ap-dst.bin"), "head");
  const appendOnly = await open(c, a, "ap-dst.bin", FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE);
  const end = 0xffff_ffff_ffff_ffffn;
  assert.is((await copy(c, a, appendOnly, copyInput(key, [[0, 0, 100]]), FSCTL_SRV_COPYCHUNK_WRITE)).status, hexStatus(Status.ACCESS_DENIED), "offset 0 without FILE_WRITE_DATA");
  assert.is((await copy(c, a, appendOnly, copyInput(key, [[0, end, 100]]))).status, hexStatus(Status.ACCESS_DENIED), "COPYCHUNK without FILE_READ_DATA");
  const r = await copy(c, a, appendOnly, copyInput(key, [[0, end, 100], [100, end, 200]]), FSCTL_SRV_COPYCHUNK_WRITE);
  assert.is(r.status, hexStatus(0));
  assert.equal(r.counts, [2, 0, 300]);
  assert.ok(readFileSync(join(shareA, "ap-dst.bin")).equals(Buffer.concat([Buffer.from("head"), data.subarray(0, 300)])));
  const writeOnly = await open(c, a, "ap-dst3.bin", FILE_WRITE_DATA | SYNCHRONIZE);
  assert.is((await copy(c, a, writeOnly, copyInput(key, [[0, 0, 10]]))).status, hexStatus(Status.ACCESS_DENIED), "COPYCHUNK into a write-only open");
  assert.is((await copy(c, a, writeOnly, copyInput(key, [[0, 0, 10]]), FSCTL_SRV_COPYCHUNK_WRITE)).status, hexStatus(0), "COPYCHUNK_WRITE into it");
  const readWrite = await open(c, a, "ap-dst3.bin", FILE_READ_DATA | FILE_WRITE_DATA | SYNCHRONIZE);
  assert.is((await copy(c, a, readWrite, copyInput(key, [[0, 10, 10]]))).status, hexStatus(0), "COPYCHUNK with read and write");
  assert.ok(readFileSync(join(shareA, "ap-dst3.bin")).equals(Buffer.concat([data.subarray(0, 10), data.subarray(0, 10)])));
  const noRead = await open(c, a, "ap-src.bin", FILE_WRITE_DATA | SYNCHRONIZE);
  const k2 = await resumeKey(c, a, noRead);
  const dst = await open(c, a, "ap-dst2.bin");
  assert.is((await copy(c, a, dst, copyInput(k2, [[0, 0, 100]]))).status, hexStatus(Status.ACCESS_DENIED), "source without read access");
  c.end();
});

test("data only (REVIEW V8): the source's user.* xattrs are not copied", async () => {
  const { c, a } = await connect();
  const src = await open(c, a, "x-src.bin");
  await writeAll(c, a, src, 0, Buffer.alloc(100, 7));
  const set = spawnSync("setfattr", ["-n", "user.copytest", "-v", "marker", join(shareA, "x-src.bin")], { encoding: "utf8" });
  assert.is(set.status, 0, `setfattr: ${set.stderr}`);
  const dst = await open(c, a, "x-dst.bin");
  const key = await resumeKey(c, a, src);
  assert.is((await copy(c, a, dst, copyInput(key, [[0, 0, 100]]))).status, hexStatus(0));
  const dump = (f: string) => spawnSync("getfattr", ["-d", "-m", "-", join(shareA, f)], { encoding: "utf8" }).stdout;
  assert.match(dump("x-src.bin"), /user\.copytest/, "the marker is on the source");
  assert.not.match(dump("x-dst.bin"), /user\.copytest/, "and not on the copy");
  c.end();
});

test("the copy reads the whole chunk before writing: overlapping ranges of one file", async () => {
  const { c, a } = await connect();
  const data = randomBytes(8192);
  const f = await open(c, a, "ov.bin");
  await writeAll(c, a, f, 0, data);
  const key = await resumeKey(c, a, f);
  const r = await copy(c, a, f, copyInput(key, [[0, 1000, 6000]]));
  assert.equal(r.counts, [1, 0, 6000]);
  const want = Buffer.from(data);
  data.copy(want, 1000, 0, 6000);
  assert.ok(readFileSync(join(shareA, "ov.bin")).equals(want));
  // and a READ of the result agrees
  const m = await c.request(Command.READ, readBody(f, 1000n, 16), { treeId: a });
  assert.ok(m.body.subarray(16, 32).equals(data.subarray(0, 16)));
  c.end();
});

test("FSCTL_QUERY_NETWORK_INTERFACE_INFO: one entry per listen address; SMB2_GLOBAL_CAP_MULTI_CHANNEL on 3.x when the client offers it", async () => {
  const { c, a } = await connect();
  const m = await ioctl(c, a, FSCTL_QUERY_NETWORK_INTERFACE_INFO, ALL_ONES, new Uint8Array(0), 65536);
  assert.is(hexStatus(m.status), hexStatus(0));
  assert.ok(m.body.subarray(8, 24).equals(ALL_ONES), "FileId all-ones");
  const out = output(m);
  assert.is(out.length, 2 * 152);
  for (const [i, addr] of [[0, [127, 0, 0, 1]], [1, [127, 0, 0, 2]]] as [number, number[]][]) {
    const e = out.subarray(i * 152, i * 152 + 152);
    assert.is(e.readUInt32LE(0), i === 0 ? 152 : 0, "Next");
    assert.is(e.readUInt32LE(4), i + 1, "IfIndex");
    assert.is(e.readUInt32LE(8), 0, "Capability: no RSS, no RDMA");
    assert.is(e.readBigUInt64LE(16), 10_000_000_000n, "LinkSpeed");
    assert.is(e.readUInt16LE(24), 2, "Family InterNetwork");
    assert.is(e.readUInt16LE(26), 0, "Port");
    assert.equal([...e.subarray(28, 32)], addr);
    assert.ok(e.subarray(32).every((x) => x === 0), "reserved bytes zero");
  }
  assert.is(hexStatus((await ioctl(c, a, FSCTL_QUERY_NETWORK_INTERFACE_INFO, ALL_ONES, new Uint8Array(0), 200)).status), hexStatus(STATUS_BUFFER_TOO_SMALL));
  assert.is(hexStatus((await ioctl(c, a, FSCTL_QUERY_NETWORK_INTERFACE_INFO, Buffer.alloc(16), new Uint8Array(0), 65536)).status), hexStatus(Status.INVALID_PARAMETER), "a FileId that is not all-ones");
  c.end();
  // NEGOTIATE offers SMB2_GLOBAL_CAP_MULTI_CHANNEL (0x08) on 3.x to a client that offers it, and
  // 2.x gets no interface list
  for (const [dialects, caps, want] of [[[0x0300, 0x0302, 0x0311], 0x7f, 0x08], [[0x0311], 0x77, 0], [[0x0300], 0x7f, 0x08], [[0x0202, 0x0210], 0x7f, 0]] as [number[], number, number][]) {
    const c2 = await Smb2Client.connect(srv.port);
    const neg = await c2.negotiate(dialects, { capabilities: caps });
    assert.is(neg.body.readUInt32LE(24) & 0x08, want, `Capabilities for ${dialects.map((d) => d.toString(16))}, client capabilities 0x${caps.toString(16)}`);
    c2.end();
  }
  const old = await connect([0x0210]);
  assert.is(hexStatus((await ioctl(old.c, old.a, FSCTL_QUERY_NETWORK_INTERFACE_INFO, ALL_ONES, new Uint8Array(0), 65536)).status), hexStatus(Status.NOT_SUPPORTED));
  old.c.end();
});

test("IOCTL dispatcher: unknown FSCTL and non-FSCTL IOCTLs → NOT_SUPPORTED; unknown FileId → FILE_CLOSED; pipes are no copy targets", async () => {
  const { c, a } = await connect();
  const f = await open(c, a, "d.bin");
  assert.is(hexStatus((await ioctl(c, a, 0x00090000 | 0x3c, f, new Uint8Array(0), 64)).status), hexStatus(Status.NOT_SUPPORTED), "unknown FSCTL");
  const notFsctl = ioctlBody(FSCTL_SRV_REQUEST_RESUME_KEY, f, new Uint8Array(0), 32);
  notFsctl.writeUInt32LE(0, 48);
  assert.is(hexStatus((await c.request(Command.IOCTL, notFsctl, { treeId: a })).status), hexStatus(Status.NOT_SUPPORTED), "Flags without SMB2_0_IOCTL_IS_FSCTL");
  assert.is(hexStatus((await ioctl(c, a, FSCTL_SRV_REQUEST_RESUME_KEY, Buffer.alloc(16, 7), new Uint8Array(0), 32)).status), hexStatus(Status.FILE_CLOSED));
  assert.is(hexStatus((await ioctl(c, a, 0x00090000 | 0x3c, ALL_ONES, new Uint8Array(0), 64)).status), hexStatus(Status.FILE_CLOSED), "unknown FSCTL: the open is looked up first (3.3.5.15)");
  assert.is(hexStatus((await ioctl(c, a, FSCTL_PIPE_TRANSCEIVE, f, new Uint8Array(4), 64)).status), hexStatus(0xc0000010), "PIPE_TRANSCEIVE on a file: INVALID_DEVICE_REQUEST");
  const key = await resumeKey(c, a, f);
  const ipc = await c.treeConnect("IPC$");
  assert.is(hexStatus(ipc.status), hexStatus(0));
  const pipe = await c.request(Command.CREATE, createBody("srvsvc", { createOptions: 0, createDisposition: 1 }));
  assert.is(hexStatus(pipe.status), hexStatus(0), "open srvsvc");
  const r = await copy(c, c.treeId, Buffer.from(pipe.body.subarray(64, 80)), copyInput(key, [[0, 0, 1]]));
  assert.is(r.status, hexStatus(Status.INVALID_PARAMETER), "a pipe as destination");
  assert.equal(r.counts, LIMITS);
  c.end();
});

test.run();

// End-to-end, hard links (SET_INFO FileLinkInformation, MS-FSCC 2.4.27.2, MS-FSA 2.1.5.15.6) on
// Node, Deno and Bun: smbclient's `hardlink` makes a second name for one inode (nlink 2 on disk
// and in FileStandardInformation/FileAllInformation, data shared), links into subdirectories;
// an existing name, a directory, a name outside the share or behind a symlink leading out are
// refused; raw SET_INFO checks ReplaceIfExists, open and read-only targets, streams, delete-pending
// files, RootDirectory, buffer lengths, case-insensitive names, change notification and a
// read-only share.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIMES, startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient } from "../helpers/smbclient.ts";
import { Command, connectAnonymous, hexStatus, queryInfoBody, type Smb2Client, type Smb2Message } from "../helpers/smb2-raw.ts";

const USERS = { linker: "Linker-pw7" };
const AUTH = { user: "linker", password: USERS.linker };

const FILE_OPEN = 1;
const FILE_DIRECTORY = 0x1;
const FileLinkInformation = 11;
const FileDispositionInformation = 13;
const STATUS_PENDING = 0x00000103;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;
const STATUS_INVALID_PARAMETER = 0xc000000d;
const STATUS_ACCESS_DENIED = 0xc0000022;
const STATUS_OBJECT_NAME_COLLISION = 0xc0000035;
const STATUS_OBJECT_PATH_SYNTAX_BAD = 0xc000003b;
const STATUS_FILE_IS_A_DIRECTORY = 0xc00000ba;

/** SET_INFO (2.2.39) of a FILE_LINK_INFORMATION_TYPE_2 naming `name` (bufferLength overrides its length). */
function linkBody(fileId: Uint8Array, name: string, o: { replace?: boolean; root?: bigint; bufferLength?: number } = {}): Buffer {
  const n = Buffer.from(name, "utf16le");
  const info = Buffer.alloc(20 + n.length);
  info.writeUInt8(o.replace ? 1 : 0, 0);
  info.writeBigUInt64LE(o.root ?? 0n, 8);
  info.writeUInt32LE(n.length, 16);
  n.copy(info, 20);
  return setInfoBody(fileId, FileLinkInformation, info, o.bufferLength);
}

function setInfoBody(fileId: Uint8Array, cls: number, info: Buffer, bufferLength = info.length): Buffer {
  const b = Buffer.alloc(32 + info.length);
  b.writeUInt16LE(33, 0);
  b.writeUInt8(1, 2); // SMB2_0_INFO_FILE
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(bufferLength, 4);
  b.writeUInt16LE(96, 8);
  Buffer.from(fileId).copy(b, 16);
  info.copy(b, 32);
  return b;
}

async function link(c: Smb2Client, fileId: Uint8Array, name: string, o: { replace?: boolean; root?: bigint; bufferLength?: number } = {}): Promise<string> {
  return hexStatus((await c.request(Command.SET_INFO, linkBody(fileId, name, o))).status);
}

/** Opens `name` with the given access, links it to `to`, closes it; the SET_INFO status. */
async function linkByName(c: Smb2Client, name: string, to: string, o: { replace?: boolean; access?: number } = {}): Promise<string> {
  const f = await c.create(name, { createDisposition: FILE_OPEN, createOptions: 0, desiredAccess: o.access ?? 0x80 });
  assert.is(hexStatus(f.status), hexStatus(0), `open ${name}`);
  const st = await link(c, f.fileId as Buffer, to, o);
  await c.close(f.fileId as Buffer);
  return st;
}

/** The output buffer of a QUERY_INFO response. */
function output(m: Smb2Message): Buffer {
  const off = m.body.readUInt16LE(2);
  return m.raw.subarray(off, off + m.body.readUInt32LE(4));
}

const ino = (p: string) => statSync(p).ino;
const nlink = (p: string) => statSync(p).nlink;

for (const runtime of RUNTIMES) {
  let srv: RunningServer;
  let local: string;
  let outside: string;

  test(`${runtime}: start`, async () => {
    srv = await startServer({ runtime, users: USERS });
    local = mkdtempSync(join(tmpdir(), `hardlinks-${runtime}-`));
    outside = join(srv.dir, "outside");
    mkdirSync(outside);
    mkdirSync(join(srv.share, "sub"));
    symlinkSync(outside, join(srv.share, "outlink")); // a directory symlink leading out of the share
    writeFileSync(join(local, "f"), "first version\n");
    writeFileSync(join(local, "f2"), "second, longer version\n");
  });

  test(`${runtime}: smbclient hardlink: one inode, two names, nlink 2, shared data`, async () => {
    const r = await smbclient(srv.port, "share", "put f; hardlink f g; allinfo g", { ...AUTH, cwd: local });
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assert.match(r.out, /stream: \[::\$DATA\], 14 bytes/, r.out);
    const f = join(srv.share, "f");
    const g = join(srv.share, "g");
    assert.is(ino(g), ino(f), "same inode");
    assert.is(nlink(f), 2);
    assert.is(nlink(g), 2);
    // written through g, read through f
    const w = await smbclient(srv.port, "share", `put f2 g; get f ${join(local, "got")}`, { ...AUTH, cwd: local });
    assert.not.match(w.out, /NT_STATUS_/, w.out);
    assert.is(readFileSync(join(local, "got"), "utf8"), "second, longer version\n");
    assert.is(ino(g), ino(f), "still one inode");
  });

  test(`${runtime}: NumberOfLinks in FileStandardInformation and FileAllInformation`, async () => {
    const c = await connectAnonymous(srv.port);
    const h = await c.create("g", { createDisposition: FILE_OPEN, createOptions: 0, desiredAccess: 0x80 });
    assert.is(hexStatus(h.status), hexStatus(0));
    const std = await c.request(Command.QUERY_INFO, queryInfoBody(h.fileId as Buffer, 1, 5));
    assert.is(hexStatus(std.status), hexStatus(0));
    assert.is(output(std).readUInt32LE(16), 2, "FileStandardInformation.NumberOfLinks");
    const all = await c.request(Command.QUERY_INFO, queryInfoBody(h.fileId as Buffer, 1, 18));
    assert.is(hexStatus(all.status), hexStatus(0));
    assert.is(output(all).readUInt32LE(40 + 16), 2, "FileAllInformation.StandardInformation.NumberOfLinks");
    await c.close(h.fileId as Buffer);
    c.end();
  });

  test(`${runtime}: smbclient hardlink into a subdirectory; existing names and directories refused`, async () => {
    let r = await smbclient(srv.port, "share", "hardlink f sub\\h", AUTH);
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assert.is(ino(join(srv.share, "sub", "h")), ino(join(srv.share, "f")));
    assert.is(nlink(join(srv.share, "f")), 3);
    for (const to of ["g", "G", "sub\\H"]) {
      r = await smbclient(srv.port, "share", `hardlink f ${to}`, AUTH);
      assert.match(r.out, /NT_STATUS_OBJECT_NAME_COLLISION/, `${to}: ${r.out}`);
    }
    assert.not.ok(existsSync(join(srv.share, "G")), "no second spelling made");
    r = await smbclient(srv.port, "share", "hardlink sub s2", AUTH);
    assert.match(r.out, /NT_STATUS_FILE_IS_A_DIRECTORY/, r.out);
    assert.not.ok(existsSync(join(srv.share, "s2")));
    assert.is(nlink(join(srv.share, "f")), 3, "nothing else linked");
  });

  test(`${runtime}: no link outside the share, nor through a symlink leading out`, async () => {
    let r = await smbclient(srv.port, "share", "hardlink f outlink\\y", AUTH);
    assert.match(r.out, /NT_STATUS_ACCESS_DENIED/, r.out);
    const c = await connectAnonymous(srv.port);
    const f = await c.create("f", { createDisposition: FILE_OPEN, createOptions: 0, desiredAccess: 0x80 });
    assert.is(f.status, 0);
    for (const to of ["..\\..\\x", "sub\\..\\..\\x", "\\..\\x"]) {
      assert.is(await link(c, f.fileId as Buffer, to), hexStatus(STATUS_OBJECT_PATH_SYNTAX_BAD), to);
    }
    for (const to of ["outlink\\y", "OUTLINK\\y", "outlink\\deeper\\y"]) {
      assert.is.not(await link(c, f.fileId as Buffer, to), hexStatus(0), to);
    }
    await c.close(f.fileId as Buffer);
    c.end();
    r = await smbclient(srv.port, "share", "hardlink f ..\\..\\x", AUTH); // smbclient cleans the name: x in the share
    assert.not.ok(existsSync(join(srv.dir, "x")) || existsSync(join(srv.dir, "..", "x")), "nothing above the share");
    for (const n of ["y", "x"]) assert.not.ok(existsSync(join(outside, n)), `nothing in ${outside}`);
    assert.ok(!existsSync(join(srv.share, "y")) && !existsSync(join(srv.share, "outlink", "y")));
    assert.ok(nlink(join(srv.share, "f")) <= 4, "at most the cleaned-up x was added");
  });

  test(`${runtime}: ReplaceIfExists replaces atomically; open, read-only and directory targets are refused`, async () => {
    const c = await connectAnonymous(srv.port);
    writeFileSync(join(srv.share, "old.txt"), "old\n");
    assert.is(await linkByName(c, "f", "old.txt"), hexStatus(STATUS_OBJECT_NAME_COLLISION));
    assert.is(readFileSync(join(srv.share, "old.txt"), "utf8"), "old\n");
    assert.is(await linkByName(c, "f", "OLD.TXT", { replace: true }), hexStatus(0));
    assert.is(ino(join(srv.share, "old.txt")), ino(join(srv.share, "f")), "old.txt is now f (its own spelling kept)");
    assert.not.ok(existsSync(join(srv.share, "OLD.TXT")));
    // an open target is not replaced
    writeFileSync(join(srv.share, "busy.txt"), "busy\n");
    const other = await connectAnonymous(srv.port);
    const busy = await other.create("busy.txt", { createDisposition: FILE_OPEN, createOptions: 0 });
    assert.is(busy.status, 0);
    assert.is(await linkByName(c, "f", "busy.txt", { replace: true }), hexStatus(STATUS_ACCESS_DENIED));
    assert.is(readFileSync(join(srv.share, "busy.txt"), "utf8"), "busy\n");
    await other.close(busy.fileId as Buffer);
    other.end();
    assert.is(await linkByName(c, "f", "busy.txt", { replace: true }), hexStatus(0));
    assert.is(ino(join(srv.share, "busy.txt")), ino(join(srv.share, "f")));
    // read-only files and directories are not replaced
    writeFileSync(join(srv.share, "ro.txt"), "ro\n");
    chmodSync(join(srv.share, "ro.txt"), 0o444);
    assert.is(await linkByName(c, "f", "ro.txt", { replace: true }), hexStatus(STATUS_ACCESS_DENIED));
    assert.is(readFileSync(join(srv.share, "ro.txt"), "utf8"), "ro\n");
    assert.is(await linkByName(c, "f", "sub", { replace: true }), hexStatus(STATUS_FILE_IS_A_DIRECTORY));
    assert.ok(statSync(join(srv.share, "sub")).isDirectory());
    // replacing a name that already is this file changes nothing and leaves no temporary name
    const before = nlink(join(srv.share, "f"));
    assert.is(await linkByName(c, "f", "g", { replace: true }), hexStatus(0));
    assert.is(nlink(join(srv.share, "f")), before);
    // the file's own name: it exists, and it is open
    assert.is(await linkByName(c, "f", "F"), hexStatus(STATUS_OBJECT_NAME_COLLISION));
    assert.is(await linkByName(c, "f", "f", { replace: true }), hexStatus(STATUS_ACCESS_DENIED));
    const r = await smbclient(srv.port, "share", "ls", AUTH);
    assert.not.match(r.out, /wasmsmb-link/, "no temporary names left");
    c.end();
  });

  test(`${runtime}: parameters, streams, directories, delete-pending files; no access right needed`, async () => {
    const c = await connectAnonymous(srv.port);
    const f = await c.create("f", { createDisposition: FILE_OPEN, createOptions: 0, desiredAccess: 0x80 }); // READ_ATTRIBUTES only
    assert.is(f.status, 0);
    const id = f.fileId as Buffer;
    assert.is(await link(c, id, "p1", { root: 1n }), hexStatus(STATUS_INVALID_PARAMETER), "RootDirectory");
    assert.is(await link(c, id, "p1", { bufferLength: 19 }), hexStatus(STATUS_INFO_LENGTH_MISMATCH), "short buffer");
    assert.is(await link(c, id, "p1", { bufferLength: 22 }), hexStatus(STATUS_INFO_LENGTH_MISMATCH), "FileNameLength past the buffer");
    assert.is(await link(c, id, "p1:s"), hexStatus(STATUS_INVALID_PARAMETER), "a stream name");
    assert.is(await link(c, id, "p1"), hexStatus(0), "READ_ATTRIBUTES is enough");
    assert.is(ino(join(srv.share, "p1")), ino(join(srv.share, "f")));
    await c.close(id);
    // a named stream cannot be linked
    const s = await c.create("f:strm", { createDisposition: 3, createOptions: 0 });
    assert.is(hexStatus(s.status), hexStatus(0));
    assert.is(await link(c, s.fileId as Buffer, "p2"), hexStatus(STATUS_INVALID_PARAMETER));
    await c.close(s.fileId as Buffer);
    // nor a directory
    const d = await c.create("sub", { createDisposition: FILE_OPEN, createOptions: FILE_DIRECTORY, desiredAccess: 0x80 });
    assert.is(d.status, 0);
    assert.is(await link(c, d.fileId as Buffer, "p3"), hexStatus(STATUS_FILE_IS_A_DIRECTORY));
    await c.close(d.fileId as Buffer);
    // nor a file that is delete-pending
    writeFileSync(join(srv.share, "doomed.txt"), "x\n");
    const x = await c.create("doomed.txt", { createDisposition: FILE_OPEN, createOptions: 0, desiredAccess: 0x10080 });
    assert.is(x.status, 0);
    const disp = await c.request(Command.SET_INFO, setInfoBody(x.fileId as Buffer, FileDispositionInformation, Buffer.from([1])));
    assert.is(hexStatus(disp.status), hexStatus(0));
    assert.is(await link(c, x.fileId as Buffer, "p4"), hexStatus(STATUS_ACCESS_DENIED));
    await c.close(x.fileId as Buffer);
    for (const n of ["p2", "p3", "p4"]) assert.not.ok(existsSync(join(srv.share, n)), n);
    c.end();
  });

  test(`${runtime}: the source is found in any case; watchers see FILE_ACTION_ADDED`, async () => {
    writeFileSync(join(srv.share, "sub", "Mixed.txt"), "mixed\n");
    const w = await connectAnonymous(srv.port);
    const dir = await w.create("sub", { createDisposition: FILE_OPEN, createOptions: FILE_DIRECTORY, desiredAccess: 0x1 });
    assert.is(dir.status, 0);
    const nb = Buffer.alloc(32);
    nb.writeUInt16LE(32, 0);
    nb.writeUInt32LE(1024, 4);
    (dir.fileId as Buffer).copy(nb, 8);
    nb.writeUInt32LE(0x1, 24); // FILE_NOTIFY_CHANGE_FILE_NAME
    const pending = await w.request(Command.CHANGE_NOTIFY, nb);
    assert.is(hexStatus(pending.status), hexStatus(STATUS_PENDING));
    const c = await connectAnonymous(srv.port);
    assert.is(await linkByName(c, "SUB\\MIXED.TXT", "sub\\Linked.txt"), hexStatus(0));
    assert.is(ino(join(srv.share, "sub", "Linked.txt")), ino(join(srv.share, "sub", "Mixed.txt")));
    const [done] = await w.recv();
    assert.is(hexStatus(done.status), hexStatus(0));
    const out = output(done);
    assert.is(out.readUInt32LE(4), 1, "FILE_ACTION_ADDED");
    assert.is(out.subarray(12, 12 + out.readUInt32LE(8)).toString("utf16le"), "Linked.txt");
    c.end();
    w.end();
  });

  test(`${runtime}: stop`, async () => {
    await srv?.stop();
    rmSync(local, { recursive: true, force: true });
  });
}

test("node: a read-only share refuses links", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hardlinks-ro-"));
  const ro = join(dir, "ro");
  mkdirSync(ro);
  writeFileSync(join(ro, "a.txt"), "a\n");
  const conf = join(dir, "smb.conf");
  writeFileSync(conf, `[ro]\n   path = ${ro}\n   read only = yes\n   guest ok = yes\n`);
  const srv = await startServer({ args: ["--config", conf], noPath: true, users: USERS });
  try {
    const r = await smbclient(srv.port, "ro", "hardlink a.txt b.txt", AUTH);
    assert.match(r.out, /NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)/, r.out);
    assert.not.ok(existsSync(join(ro, "b.txt")));
    assert.is(nlink(join(ro, "a.txt")), 1);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

// End-to-end, path safety (issue 4 item 5; review item V9) on Node, Deno and Bun: a corpus of
// escape attempts — "..", absolute and UNC forms, symlinks and symlinked parents leading out of
// the share, rename targets, reserved and invalid characters, Unicode look-alikes of "." and
// "/" — must give zero escapes: nothing outside the share is read, created, renamed into or
// listed. Also `veto files` (never seen, never reached) and `hide dot files`.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIMES, startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient } from "../helpers/smbclient.ts";
import { Command, connectAnonymous, hexStatus, queryDirectoryBody, type Smb2Client } from "../helpers/smb2-raw.ts";

const SECRET = "TOP SECRET outside the share\n";
const FILE_OPEN = 1;
const FILE_CREATE = 2;
const FILE_DIRECTORY = 0x1;
const FILE_NON_DIRECTORY = 0x40;
const FILE_ATTRIBUTE_HIDDEN = 0x2;

const root = mkdtempSync(join(tmpdir(), "smbpath-"));
const outside = join(root, "outside");
const shareDir = join(root, "share");
const plainDir = join(root, "plain");
mkdirSync(outside);
mkdirSync(shareDir);
mkdirSync(plainDir);
writeFileSync(join(outside, "secret.txt"), SECRET);
mkdirSync(join(shareDir, "sub"));
writeFileSync(join(shareDir, "inside.txt"), "inside\n");
writeFileSync(join(shareDir, "sub", "deep.txt"), "deep\n");
symlinkSync(outside, join(shareDir, "outlink")); // a directory symlink out of the share
symlinkSync(join(outside, "secret.txt"), join(shareDir, "outfile")); // a file symlink out
symlinkSync("../..", join(shareDir, "sub", "up")); // relative, climbing out
symlinkSync("sub", join(shareDir, "inlink")); // stays inside: allowed
writeFileSync(join(shareDir, "tool.exe"), "vetoed\n");
mkdirSync(join(shareDir, "vetoed"));
writeFileSync(join(shareDir, "vetoed", "a.txt"), "a\n");
writeFileSync(join(shareDir, ".profile"), "dot\n");
writeFileSync(join(plainDir, ".profile"), "dot\n");

const conf = join(root, "smb.conf");
writeFileSync(conf, `[share]
   path = ${shareDir}
   read only = no
   guest ok = yes
   veto files = /*.exe/vetoed/
[plain]
   path = ${plainDir}
   read only = no
   guest ok = yes
   hide dot files = no
`);

/** Names that must never reach outside the share (each tried as a file and as a directory). */
const ESCAPES = [
  "..\\secret.txt", "..\\outside\\secret.txt", "sub\\..\\..\\outside\\secret.txt", "..\\..\\..\\..\\..\\..\\etc\\passwd",
  "outlink\\secret.txt", "outfile", "sub\\up\\outside\\secret.txt", "inlink\\..\\..\\outside\\secret.txt",
  "\\..\\outside\\secret.txt", "C:\\Windows\\win.ini", "\\\\?\\C:\\secret.txt", "\\\\server\\share\\..\\secret.txt",
  "outlink", "sub\\up", "..", "sub\\..\\..",
  "\uff0e\uff0e\\outside\\secret.txt", "\u2025\\outside\\secret.txt", "..\uff0foutside\uff0fsecret.txt", "\u002e\u002e\u2215secret.txt",
  "../outside/secret.txt", "..%2foutside%2fsecret.txt", "sub\\..\u0000\\secret.txt", "sub\\a\u0001b", "outlink:stream",
  "sub\\\\..\\..\\outside\\secret.txt", "sub\\.\\..\\..\\outside\\secret.txt", ". \\secret.txt", "..  \\outside\\secret.txt",
];

function outsideUnchanged(): void {
  assert.equal(readdirSync(outside).sort(), ["secret.txt"], "nothing appeared outside");
  assert.is(readFileSync(join(outside, "secret.txt"), "utf8"), SECRET, "the secret is unchanged");
  assert.equal(readdirSync(root).sort(), ["outside", "plain", "share", "smb.conf"], "nothing appeared next to the share");
}

/** Reads the whole file behind fileId (up to 4 KiB) as text. */
async function readAll(c: Smb2Client, fileId: Buffer): Promise<string> {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b.writeUInt32LE(4096, 4);
  fileId.copy(b, 16);
  const m = await c.request(Command.READ, b);
  return m.status === 0 ? m.body.subarray(16, 16 + m.body.readUInt32LE(4)).toString("utf8") : "";
}

for (const runtime of RUNTIMES) {
  let srv: RunningServer;

  test(`${runtime}: start`, async () => {
    srv = await startServer({ runtime, args: ["--config", conf], noPath: true });
  });

  test(`${runtime}: ${ESCAPES.length} escape names × open/create/directory: zero escapes`, async () => {
    const c = await connectAnonymous(srv.port);
    let refused = 0;
    for (const name of ESCAPES) {
      for (const [disp, opts] of [[FILE_OPEN, FILE_NON_DIRECTORY], [FILE_CREATE, FILE_NON_DIRECTORY], [FILE_CREATE, FILE_DIRECTORY], [FILE_OPEN, FILE_DIRECTORY]]) {
        const m = await c.create(name, { createDisposition: disp, createOptions: opts, desiredAccess: 0x0012019f });
        if (m.status === 0) {
          // allowed only if it is really inside the share: then it cannot show the secret
          const text = opts === FILE_NON_DIRECTORY ? await readAll(c, m.fileId as Buffer) : "";
          assert.not.ok(text.includes("TOP SECRET"), `${JSON.stringify(name)} read the secret`);
          await c.close(m.fileId as Buffer);
        } else {
          refused++;
        }
      }
    }
    assert.ok(refused >= ESCAPES.length * 3, `most attempts refused (${refused})`);
    outsideUnchanged();
    c.end();
  });

  test(`${runtime}: symlinks that stay inside work; renames cannot move files out`, async () => {
    const c = await connectAnonymous(srv.port);
    const inside = await c.create("inlink\\deep.txt", { createDisposition: FILE_OPEN });
    assert.is(hexStatus(inside.status), hexStatus(0), "a symlink within the share is followed");
    assert.is(await readAll(c, inside.fileId as Buffer), "deep\n");
    await c.close(inside.fileId as Buffer);
    const f = await c.create("inside.txt", { createDisposition: FILE_OPEN, desiredAccess: 0x00010080 }); // DELETE | READ_ATTRIBUTES
    assert.is(f.status, 0);
    for (const target of ["..\\stolen.txt", "outlink\\stolen.txt", "sub\\up\\stolen.txt", "\\..\\stolen.txt", "..\\outside\\stolen.txt"]) {
      const n = Buffer.from(target, "utf16le");
      const info = Buffer.alloc(20 + n.length);
      info.writeUInt32LE(n.length, 16);
      n.copy(info, 20);
      const body = Buffer.alloc(32 + info.length);
      body.writeUInt16LE(33, 0);
      body.writeUInt8(1, 2); // SMB2_0_INFO_FILE
      body.writeUInt8(10, 3); // FileRenameInformation
      body.writeUInt32LE(info.length, 4);
      body.writeUInt16LE(96, 8);
      (f.fileId as Buffer).copy(body, 16);
      info.copy(body, 32);
      const m = await c.request(Command.SET_INFO, body);
      assert.is.not(m.status, 0, `rename to ${target} refused`);
    }
    await c.close(f.fileId as Buffer);
    assert.ok(existsSync(join(shareDir, "inside.txt")), "the file stayed");
    outsideUnchanged();
    c.end();
  });

  test(`${runtime}: smbclient cannot climb out either`, async () => {
    const dl = join(root, "..", `dl-${runtime}-${process.pid}.txt`);
    for (const cmd of [`get ..\\outside\\secret.txt ${dl}`, `get outlink\\secret.txt ${dl}`, `get outfile ${dl}`, "cd ..; ls", "cd outlink; ls"]) {
      const r = await smbclient(srv.port, "share", cmd);
      assert.not.match(r.out, /^\s+secret\.txt\s/m, `${cmd} listed the outside:\n${r.out}`);
      assert.ok(!existsSync(dl) || !readFileSync(dl, "utf8").includes("TOP SECRET"), `${cmd} fetched the secret`);
      rmSync(dl, { force: true });
    }
    outsideUnchanged();
  });

  test(`${runtime}: veto files are never listed, opened or created; hide dot files`, async () => {
    const c = await connectAnonymous(srv.port);
    for (const [name, st] of [["tool.exe", 0xc0000034], ["TOOL.EXE", 0xc0000034], ["vetoed", 0xc0000034], ["vetoed\\a.txt", 0xc000003a], ["new.exe", 0xc0000034]] as const) {
      const m = await c.create(name, { createDisposition: 3, createOptions: 0 });
      assert.is(hexStatus(m.status), hexStatus(st), name);
    }
    assert.not.ok(existsSync(join(shareDir, "new.exe")), "no vetoed file created");
    const d = await c.create("", { createDisposition: FILE_OPEN, createOptions: FILE_DIRECTORY, desiredAccess: 0x1 });
    assert.is(d.status, 0);
    const list = await c.request(Command.QUERY_DIRECTORY, queryDirectoryBody(d.fileId as Buffer, "*", 0x25));
    assert.is(list.status, 0);
    const names = new Map<string, number>();
    for (let off = 0; ;) {
      const e = list.body.subarray(8 + off);
      const nameLen = e.readUInt32LE(60);
      names.set(e.subarray(104, 104 + nameLen).toString("utf16le"), e.readUInt32LE(56));
      const next = e.readUInt32LE(0);
      if (next === 0) break;
      off += next;
    }
    assert.ok(names.has("inside.txt") && names.has("sub"), [...names.keys()].join(","));
    assert.not.ok(names.has("tool.exe") || names.has("vetoed"), "vetoed names are not listed");
    assert.ok(((names.get(".profile") ?? 0) & FILE_ATTRIBUTE_HIDDEN) !== 0, "dot files are hidden by default");
    c.end();
    const p = await connectAnonymous(srv.port, "plain");
    const pf = await p.create(".profile", { createDisposition: FILE_OPEN });
    assert.is(pf.status, 0);
    assert.is(pf.body.readUInt32LE(56) & FILE_ATTRIBUTE_HIDDEN, 0, "hide dot files = no");
    p.end();
  });

  test(`${runtime}: stop`, async () => {
    await srv.stop();
  });
}

test("cleanup", () => {
  rmSync(root, { recursive: true, force: true });
});

test.run();

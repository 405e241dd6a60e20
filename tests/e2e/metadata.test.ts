// End-to-end: DOS attributes and create times in user.DOSATTRIB (Samba's format, read and
// written), EAs as user.* xattrs (ExtA on CREATE, FileFullEaInformation query/set, EaSize), the
// hidden sidecar folder — with the real smbclient and a raw SMB2 client, on Node, Deno and Bun.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIMES, startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient } from "../helpers/smbclient.ts";
import { Command, connectAnonymous, type Smb2Client, type Smb2Message, queryInfoBody, queryDirectoryBody } from "../helpers/smb2-raw.ts";
import { setInfoBody } from "../helpers/bad-input-templates.ts";
import { loadXattrAddon, type XattrAddon } from "../../host-common/xattr-native.ts";

const addon = loadXattrAddon();
if (typeof addon === "string") throw new Error(`the xattr addon is needed by this test: ${addon}`);
const X = addon as XattrAddon;

// What Samba 4.17.12 wrote for a file after `setmode +hsr` (see tests/unit/metadata.test.ts).
const SAMBA_RHSA = "00000500050000001100000027000000941c5735fd7edd01";
const STATUS_NO_MORE_EAS = 0x80000012;
const STATUS_EA_LIST_INCONSISTENT = 0x80000014;
const STATUS_ACCESS_DENIED = 0xc0000022;

const dosattrib = async (path: string) => Buffer.from((await X.getAttribute(path, "user.DOSATTRIB")) ?? []);

/** FILE_FULL_EA_INFORMATION list (MS-FSCC 2.4.15), entries aligned to 4. */
function fullEaList(eas: Array<[string, string]>): Buffer {
  return Buffer.concat(eas.map(([name, value], i) => {
    const n = Buffer.from(name, "latin1");
    const v = Buffer.from(value, "latin1");
    let size = 8 + n.length + 1 + v.length;
    if (i < eas.length - 1) size = (size + 3) & ~3;
    const b = Buffer.alloc(size);
    b.writeUInt32LE(i < eas.length - 1 ? size : 0, 0);
    b.writeUInt8(n.length, 5);
    b.writeUInt16LE(v.length, 6);
    n.copy(b, 8);
    v.copy(b, 9 + n.length);
    return b;
  }));
}

/** Parses a FILE_FULL_EA_INFORMATION list into [name, value] pairs. */
function parseEas(b: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let off = 0;
  for (;;) {
    const next = b.readUInt32LE(off);
    const n = b.readUInt8(off + 5);
    const v = b.readUInt16LE(off + 6);
    out.push([b.toString("latin1", off + 8, off + 8 + n), b.toString("latin1", off + 9 + n, off + 9 + n + v)]);
    if (next === 0) return out;
    off += next;
  }
}

/** CREATE (FILE_OVERWRITE_IF) with an ExtA create context. */
function createWithEas(name: string, eas: Buffer): Buffer {
  const n = Buffer.from(name, "utf16le");
  const nameEnd = 120 + n.length;
  const ctxOff = (nameEnd + 7) & ~7;
  const ctx = Buffer.alloc(24 + eas.length);
  ctx.writeUInt16LE(16, 4); // NameOffset
  ctx.writeUInt16LE(4, 6); // NameLength
  ctx.writeUInt16LE(24, 10); // DataOffset
  ctx.writeUInt32LE(eas.length, 12);
  ctx.write("ExtA", 16, "latin1");
  eas.copy(ctx, 24);
  const b = Buffer.alloc(ctxOff - 64 + ctx.length);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(2, 4);
  b.writeUInt32LE(0x0012019f | 0x10 | 0x08, 24); // + FILE_WRITE_EA, FILE_READ_EA
  b.writeUInt32LE(0x80, 28);
  b.writeUInt32LE(7, 32);
  b.writeUInt32LE(5, 36); // FILE_OVERWRITE_IF
  b.writeUInt32LE(0x40, 40);
  b.writeUInt16LE(120, 44);
  b.writeUInt16LE(n.length, 46);
  b.writeUInt32LE(ctxOff, 48);
  b.writeUInt32LE(ctx.length, 52);
  n.copy(b, 56);
  ctx.copy(b, ctxOff - 64);
  return b;
}

/** QUERY_INFO FileFullEaInformation with Flags (1 restart, 2 single entry). */
function queryEas(c: Smb2Client, fileId: Buffer, flags = 0, outLen = 4096): Promise<Smb2Message> {
  const b = queryInfoBody(fileId, 1, 15, outLen);
  b.writeUInt32LE(flags, 20);
  return c.request(Command.QUERY_INFO, b);
}

const payload = (m: Smb2Message) => m.body.subarray(m.body.readUInt16LE(2) - 64, m.body.readUInt16LE(2) - 64 + m.body.readUInt32LE(4));

for (const rt of RUNTIMES) {
  let srv: RunningServer;
  let local: string;

  test(`${rt}: start`, async () => {
    srv = await startServer({ runtime: rt });
    local = join(srv.dir, "local");
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, "f.txt"), "hello");
  });

  test(`${rt}: new files get ARCHIVE and a create time in user.DOSATTRIB (Samba's version 5); setmode changes them`, async () => {
    let r = await smbclient(srv.port, "share", "put f.txt a.txt; mkdir d; setmode a.txt +hsr; allinfo a.txt; ls", { cwd: local });
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /attributes: RHSA \(27\)/);
    assert.match(r.out, /a\.txt\s+AHSR\s+5/);
    const a = await dosattrib(join(srv.share, "a.txt"));
    assert.is(a.length, 24);
    assert.is(a.subarray(0, 12).toString("hex"), "000005000500000011000000");
    assert.is(a.readUInt32LE(12), 0x27);
    const created = a.readBigUInt64LE(16);
    const ms = Number((created - 116444736000000000n) / 10000n);
    assert.ok(Math.abs(ms - Date.now()) < 120000, `create time ${new Date(ms).toISOString()}`);
    const d = await dosattrib(join(srv.share, "d"));
    assert.is(d.readUInt32LE(12), 0x10, "a directory stores DIRECTORY, as Samba does");
    r = await smbclient(srv.port, "share", "setmode a.txt -hsr; allinfo a.txt", { cwd: local });
    assert.match(r.out, /attributes: A \(20\)/);
    assert.is((await dosattrib(join(srv.share, "a.txt"))).readUInt32LE(12), 0x20);
  });

  test(`${rt}: attributes and create time Samba stored are reported`, async () => {
    const p = join(srv.share, "samba.txt");
    writeFileSync(p, "x");
    await X.setAttribute(p, "user.DOSATTRIB", Buffer.from(SAMBA_RHSA, "hex"));
    const r = await smbclient(srv.port, "share", "allinfo samba.txt; ls samba.txt", { cwd: local });
    assert.match(r.out, /create_time:\s+Sat Nov 28 05:56:28 2026 UTC/);
    assert.match(r.out, /attributes: RHSA \(27\)/);
    assert.match(r.out, /samba\.txt\s+AHSR\s+1/);
  });

  test(`${rt}: dot-files are hidden only until they have a DOSATTRIB`, async () => {
    writeFileSync(join(srv.share, ".dot"), "x");
    let r = await smbclient(srv.port, "share", "ls .dot", { cwd: local });
    assert.match(r.out, /\.dot\s+AH\s+1/);
    r = await smbclient(srv.port, "share", "setmode .dot -h; ls .dot", { cwd: local });
    assert.match(r.out, /\.dot\s+A\s+1/);
  });

  test(`${rt}: the sidecar folder is neither listed nor reachable`, async () => {
    mkdirSync(join(srv.share, ".wasmsmb-xattr"), { recursive: true });
    writeFileSync(join(srv.share, ".wasmsmb-xattr", "secret"), "x");
    const r = await smbclient(srv.port, "share", "ls; get .wasmsmb-xattr\\secret s; ls .WASMSMB-XATTR\\*", { cwd: local });
    assert.not.match(r.out, /wasmsmb-xattr\s+D/i);
    assert.match(r.out, /NT_STATUS_OBJECT_(NAME|PATH)_NOT_FOUND/);
  });

  test(`${rt}: EAs: ExtA on CREATE, EaSize, FileFullEaInformation query and set`, async () => {
    const c = await connectAnonymous(srv.port);
    try {
      const cr = await c.request(Command.CREATE, createWithEas("ea.txt", fullEaList([["EAONE", "VALUE1"], ["SECONDEA", "ValueTwo"]])));
      assert.is(cr.status, 0, `create 0x${cr.status.toString(16)}`);
      const fid = Buffer.from(cr.body.subarray(64, 80));
      const path = join(srv.share, "ea.txt");
      assert.is(Buffer.from((await X.getAttribute(path, "user.EAONE")) ?? []).toString(), "VALUE1");
      assert.is(Buffer.from((await X.getAttribute(path, "user.SECONDEA")) ?? []).toString(), "ValueTwo");
      // FileEaInformation: the packed list size (20 + 25), user.DOSATTRIB not counted
      const ei = await c.request(Command.QUERY_INFO, queryInfoBody(fid, 1, 7, 4));
      assert.is(ei.status, 0);
      assert.is(payload(ei).readUInt32LE(0), 45);
      // all EAs, then the open's position is at the end
      let q = await queryEas(c, fid, 1);
      assert.is(q.status, 0);
      assert.equal(parseEas(payload(q)), [["EAONE", "VALUE1"], ["SECONDEA", "ValueTwo"]]);
      q = await queryEas(c, fid, 0);
      assert.is(q.status >>> 0, STATUS_NO_MORE_EAS);
      // one at a time
      q = await queryEas(c, fid, 3);
      assert.equal(parseEas(payload(q)), [["EAONE", "VALUE1"]]);
      q = await queryEas(c, fid, 2);
      assert.equal(parseEas(payload(q)), [["SECONDEA", "ValueTwo"]]);
      // a buffer for the first entry only: it is returned with STATUS_BUFFER_OVERFLOW
      q = await queryEas(c, fid, 1, 24);
      assert.is(q.status >>> 0, 0x80000005);
      assert.equal(parseEas(payload(q)), [["EAONE", "VALUE1"]]);
      // set: a new EA (case kept for existing ones), a removal (value length 0)
      let s = await c.request(Command.SET_INFO, setInfoBody(fid, 15, fullEaList([["eaone", "v2"], ["SECONDEA", ""], ["Third", "3"]])));
      assert.is(s.status, 0, `set 0x${s.status.toString(16)}`);
      q = await queryEas(c, fid, 1);
      const now = parseEas(payload(q));
      assert.equal([...now].sort(), [["EAONE", "v2"], ["Third", "3"]]);
      const packed = now.reduce((t, [n, v], i) => t + (i < now.length - 1 ? (8 + n.length + 1 + v.length + 3) & ~3 : 8 + n.length + 1 + v.length), 0);
      assert.is(await X.getAttribute(path, "user.SECONDEA"), null);
      // Samba's own xattrs are no EAs, and bad lists are refused
      s = await c.request(Command.SET_INFO, setInfoBody(fid, 15, fullEaList([["DOSATTRIB", "x"]])));
      assert.is(s.status >>> 0, STATUS_ACCESS_DENIED);
      const bad = fullEaList([["A", "1"], ["B", "2"]]);
      bad.writeUInt32LE(5, 0);
      s = await c.request(Command.SET_INFO, setInfoBody(fid, 15, bad));
      assert.is(s.status >>> 0, STATUS_EA_LIST_INCONSISTENT);
      // EaSize in a directory listing (FileIdFullDirectoryInformation)
      const root = await c.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
      const l = await c.request(Command.QUERY_DIRECTORY, queryDirectoryBody(root.fileId as Buffer, "ea.txt", 0x26));
      assert.is(l.status, 0);
      const entry = payload(l);
      assert.is(entry.readUInt32LE(64), packed, "EaSize of EAONE=v2, Third=3");
    } finally {
      c.end();
    }
  });

  test(`${rt}: stop`, async () => {
    await srv.stop();
  });
}

test.run();

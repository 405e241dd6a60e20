// End-to-end: named data streams (MS-FSCC 2.1.5.3; host-common/streams.ts, stream-depot.ts) on
// Node, Deno and Bun: smbclient put/get of "file:stream", allinfo's stream list, a 1 MiB stream
// in the hidden depot (checksum round trip), Samba's user.DosStream.<name>:$DATA xattr (data +
// NUL) on disk, deletion by delete-on-close, streams following a renamed file, dropped by an
// overwrite and by deleting the file; the smbtorture smb2.streams.* tests of ksmbd's CI; and,
// in process, the same stream table on a share with a sidecar store and with no xattrs at all.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNTIMES, startServer, type RunningServer, type Runtime } from "../helpers/server.ts";
import { smbclient, smbtorture } from "../helpers/smbclient.ts";
import { connectAnonymous, hexStatus } from "../helpers/smb2-raw.ts";
import { loadXattrAddon, type XattrAddon } from "../../host-common/xattr-native.ts";
import { SharePaths } from "../../host-common/share-paths.ts";
import { SidecarBackend, SIDECAR_DIR, type XattrBackend, XattrStores } from "../../host-common/xattrs.ts";
import { type OpenStream, StreamTable } from "../../host-common/streams.ts";
import { DEPOT_HEADER, STREAM_DEPOT_DIR, STREAM_XATTR_MAX } from "../../host-common/stream-depot.ts";
import { OPEN_CREATE, OPEN_EXCL, OPEN_WRITE, STREAM_RENAME_NOREPLACE } from "../../host-common/abi.ts";

const addon = loadXattrAddon();
if (typeof addon === "string") throw new Error(`the xattr addon is needed by this test: ${addon}`);
const X = addon as XattrAddon;

const runtimes = (process.env.RUNTIMES?.split(",") as Runtime[] | undefined) ?? RUNTIMES;
const USER = { streamuser: "Streams-pw1" };
const auth = { user: "streamuser", password: USER.streamuser };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const SMALL = Buffer.from("small stream data\n");
const BIG = randomBytes(1 << 20);
const BASE = Buffer.from("the file's own data\n");

/** smb2.streams.* tests ksmbd's CI runs (tests/conformance/ksmbd-ci.list). */
const TORTURE = ["dir", "io", "sharemodes", "names", "names2", "names3", "rename", "rename2", "create-disposition", "zero-byte", "basefile-rename-with-open-stream"];

/** allinfo's stream lines: name → size. */
function streamsOf(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, name, size] of out.matchAll(/^stream: \[(.*)\], (\d+) bytes$/gm)) m.set(name, Number(size));
  return m;
}

/** allinfo lists exactly these streams, a file's ::$DATA first (named streams in any order). */
function assertStreams(out: string, want: Array<[string, number]>): void {
  const got = [...streamsOf(out)];
  if (want[0]?.[0] === "::$DATA") assert.equal(got[0], want[0], out);
  const order = (l: Array<[string, number]>) => l.map(([n, v]) => `${n}=${v}`).sort();
  assert.equal(order(got), order(want), out);
}

/** The depot folder of a file's inode. */
function depotDir(share: string, file: string): string {
  const s = statSync(file, { bigint: true });
  return join(share, STREAM_DEPOT_DIR, `${s.dev.toString(16)}-${s.ino.toString(16)}`);
}

function wipe(share: string): void {
  for (const e of readdirSync(share)) rmSync(join(share, e), { recursive: true, force: true });
}

for (const rt of runtimes) {
  let srv: RunningServer;
  let local: string;
  const client = (cmds: string) => smbclient(srv.port, "share", cmds, { cwd: local });

  test(`${rt}: start`, async () => {
    srv = await startServer({ runtime: rt, users: USER });
    local = join(srv.dir, "local");
    mkdirSync(local);
    writeFileSync(join(local, "base.txt"), BASE);
    writeFileSync(join(local, "small.txt"), SMALL);
    writeFileSync(join(local, "big.bin"), BIG);
  });

  test(`${rt}: put and get streams; allinfo lists ::$DATA and the named streams with their sizes`, async () => {
    const r = await client('put base.txt f.txt; put small.txt "f.txt:s1"; put big.bin "f.txt:Big One"; get "f.txt:s1" s1.out; get "f.txt:BIG ONE" big.out; allinfo f.txt');
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assertStreams(r.out, [["::$DATA", BASE.length], [":s1:$DATA", SMALL.length], [":Big One:$DATA", BIG.length]]);
    assert.equal(readFileSync(join(local, "s1.out")), SMALL);
    assert.is(sha(readFileSync(join(local, "big.out"))), sha(BIG));
    assert.equal(readFileSync(join(srv.share, "f.txt")), BASE); // the file's data is untouched
  });

  test(`${rt}: a small stream is Samba's xattr (data + NUL), a large one a depot file`, async () => {
    const f = join(srv.share, "f.txt");
    assert.equal(await X.getAttribute(f, "user.DosStream.s1:$DATA"), Buffer.concat([SMALL, Buffer.of(0)]));
    assert.is(await X.getAttribute(f, "user.DosStream.Big One:$DATA"), null);
    const files = readdirSync(depotDir(srv.share, f));
    assert.is(files.length, 1);
    assert.is(statSync(join(depotDir(srv.share, f), files[0])).size, DEPOT_HEADER + BIG.length);
    // a stream written by Samba (the same xattr) is read back
    await X.setAttribute(f, "user.DosStream.fromSamba:$DATA", Buffer.from("samba\0"));
    const r = await client('get "f.txt:FROMSAMBA" samba.out; allinfo f.txt');
    assert.is(readFileSync(join(local, "samba.out"), "utf8"), "samba");
    assert.is(streamsOf(r.out).get(":fromSamba:$DATA"), 5, r.out);
  });

  test(`${rt}: the depot is neither listed nor reachable`, async () => {
    const r = await client(`ls; ls ${STREAM_DEPOT_DIR}\\*; cd ${STREAM_DEPOT_DIR}; get ${STREAM_DEPOT_DIR} x.out`);
    assert.not.match(r.out.split("\n").filter((l) => /^\s+\S/.test(l)).join("\n"), /wasmsmb/i, r.out);
    assert.match(r.out, /NT_STATUS_OBJECT_NAME_NOT_FOUND listing/);
    assert.not.ok(existsSync(join(local, "x.out")));
  });

  test(`${rt}: a stream is deleted by delete-on-close; the others stay`, async () => {
    const c = await connectAnonymous(srv.port);
    const o = await c.create("f.txt:s1", { desiredAccess: 0x00010000, createDisposition: 1, createOptions: 0x1000 });
    assert.is(hexStatus(o.status), hexStatus(0));
    await c.close(o.fileId as Buffer);
    const again = await c.create("f.txt:s1", { createDisposition: 1 });
    assert.is(hexStatus(again.status), hexStatus(0xc0000034)); // OBJECT_NAME_NOT_FOUND
    c.end();
    assert.is(await X.getAttribute(join(srv.share, "f.txt"), "user.DosStream.s1:$DATA"), null);
    const r = await client("allinfo f.txt");
    assertStreams(r.out, [["::$DATA", BASE.length], [":fromSamba:$DATA", 5], [":Big One:$DATA", BIG.length]]);
  });

  test(`${rt}: a renamed file keeps its streams`, async () => {
    const r = await client('put small.txt "f.txt:s2"; rename f.txt g.txt; allinfo g.txt; get "g.txt:Big One" big2.out; get "g.txt:s2" s2.out');
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assertStreams(r.out, [["::$DATA", BASE.length], [":Big One:$DATA", BIG.length], [":fromSamba:$DATA", 5], [":s2:$DATA", SMALL.length]]);
    assert.is(sha(readFileSync(join(local, "big2.out"))), sha(BIG));
    assert.equal(readFileSync(join(local, "s2.out")), SMALL);
  });

  test(`${rt}: overwriting a file drops its streams (xattrs and depot)`, async () => {
    const g = join(srv.share, "g.txt");
    const dir = depotDir(srv.share, g);
    assert.ok(existsSync(dir));
    const r = await client("put base.txt g.txt; allinfo g.txt");
    assertStreams(r.out, [["::$DATA", BASE.length]]);
    assert.not.ok(existsSync(dir));
    assert.equal((await X.listAttributes(g)).filter((x) => x.startsWith("user.DosStream.")), []);
  });

  test(`${rt}: deleting a file deletes its depot streams`, async () => {
    const r = await client('put base.txt h.txt; put big.bin "h.txt:big"');
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    const dir = depotDir(srv.share, join(srv.share, "h.txt"));
    assert.ok(existsSync(dir));
    const d = await client("del h.txt");
    assert.not.match(d.out, /NT_STATUS_/, d.out);
    assert.not.ok(existsSync(dir));
  });

  test(`${rt}: a directory has named streams only`, async () => {
    const r = await client('mkdir d; put small.txt "d:ds"; get "d:ds" ds.out; allinfo d');
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assertStreams(r.out, [[":ds:$DATA", SMALL.length]]);
    assert.equal(readFileSync(join(local, "ds.out")), SMALL);
  });

  for (const name of TORTURE) {
    test(`${rt}: smbtorture smb2.streams.${name}`, async () => {
      wipe(srv.share);
      const r = await smbtorture(srv.port, "share", `smb2.streams.${name}`, auth);
      assert.ok(r.passed, r.out.slice(-3000));
    });
  }

  test(`${rt}: stop`, async () => {
    await srv.stop();
  });
}

// ---- in process: the stream table on shares without native xattrs ----

/** XattrStores with a fixed backend (the start-up probe would pick native xattrs on this disk). */
class FixedStores extends XattrStores {
  constructor(
    shares: SharePaths,
    private b: XattrBackend,
  ) {
    super(shares, () => false, () => undefined);
  }
  override backend(): Promise<XattrBackend> {
    return Promise.resolve(this.b);
  }
}

const noXattrs: XattrBackend = {
  kind: "none",
  get: () => Promise.resolve(null),
  set: () => Promise.reject(Object.assign(new Error("ENOTSUP"), { errno: 95 })),
  list: () => Promise.resolve([]),
  remove: () => Promise.reject(Object.assign(new Error("ENODATA"), { errno: 61 })),
};

function table(root: string, b: XattrBackend): StreamTable {
  const shares = new SharePaths([root]);
  return new StreamTable(shares, new FixedStores(shares, b), {
    existing: async (_s, p) => (existsSync(join(root, p)) ? realpathSync(join(root, p)) : -2),
    createFile: async (_s, p) => {
      await fsp.writeFile(join(root, p), "", { flag: "wx" });
      return join(root, p);
    },
    statReal: async (p) => {
      const s = await fsp.stat(p);
      return { ...s, isFile: s.isFile(), isDirectory: s.isDirectory(), isSymlink: false };
    },
  });
}

const stat = () => new Uint8Array(80);

for (const [kind, make] of [["sidecar", (root: string) => new SidecarBackend(root)], ["none", () => noXattrs]] as const) {
  test(`in process, xattr store "${kind}": create, share, grow into the depot, list, rename, delete`, async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), `streams-${kind}-`)));
    try {
      const t = table(root, make(root));
      const opened = await t.open(0, "a.txt", "One", OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, 0o644, stat());
      assert.type(opened, "object", `open: ${opened}`);
      const { stream, path } = opened as { stream: OpenStream; path: string };
      const h1 = { share: 0, path, stream };
      const second = (await t.open(0, "a.txt", "ONE", 0, 0, stat())) as { stream: OpenStream };
      assert.is(second.stream, stream, "one stream object for both handles");
      const h2 = { share: 0, path, stream: second.stream };
      assert.is(await t.write(h1, Buffer.from("hello"), 0), 5);
      const buf = Buffer.alloc(16);
      assert.is(await t.read(h2, buf, 0), 5);
      assert.is(buf.toString("utf8", 0, 5), "hello");
      // a small stream: in the sidecar store when there is one, else already in the depot
      assert.is(existsSync(join(root, SIDECAR_DIR)), kind === "sidecar");
      assert.is(existsSync(join(root, STREAM_DEPOT_DIR)), kind === "none");
      // past the threshold: the depot, positional
      const big = randomBytes(STREAM_XATTR_MAX + 100);
      assert.is(await t.write(h2, big, 3), big.length);
      const back = Buffer.alloc(big.length + 10);
      assert.is(await t.read(h1, back, 0), big.length + 3);
      assert.equal(back.subarray(0, 3), Buffer.from("hel"));
      assert.equal(back.subarray(3, 3 + big.length), big);
      assert.ok(existsSync(join(root, STREAM_DEPOT_DIR)));
      // list: "" first, then the stream; a short buffer gets whole records and the full length
      const out = new Uint8Array(256);
      const full = await t.list(h1, out);
      assert.is(full, 24 + 32); // "" (24 bytes), "One" (24 + 3, padded to 32)
      assert.is(new DataView(out.buffer).getUint32(16, true), 0);
      assert.is(Number(new DataView(out.buffer).getBigUint64(24, true)), big.length + 3);
      assert.is(new DataView(out.buffer).getUint32(40, true), 3);
      assert.is(Buffer.from(out.subarray(48, 51)).toString(), "One");
      const short = new Uint8Array(40);
      assert.is(await t.list(h1, short), full);
      assert.equal([...short.subarray(24)], new Array(16).fill(0), "whole records only");
      // renames: onto a non-empty stream, no-replace, then a free name
      const other = (await t.open(0, "a.txt", "two", OPEN_CREATE | OPEN_WRITE, 0, stat())) as { stream: OpenStream };
      await t.write({ share: 0, path, stream: other.stream }, Buffer.from("x"), 0);
      await t.close({ share: 0, path, stream: other.stream });
      assert.is(await t.rename(h1, "Two", STREAM_RENAME_NOREPLACE), -17);
      assert.is(await t.rename(h1, "Two", 0), -22, "a stream that is not empty is not replaced");
      assert.is(await t.rename(h1, "Three", 0), 0);
      const names = new Uint8Array(256);
      await t.list(h1, names);
      assert.match(Buffer.from(names).toString("latin1"), /Three[\s\S]*two|two[\s\S]*Three/);
      assert.is(await t.del(0, "a.txt", "TWO"), 0);
      assert.is(await t.del(0, "a.txt", "two"), -2);
      // to the default stream: only while the file is empty; the handles then act on the file
      assert.is(await t.rename(h1, "", STREAM_RENAME_NOREPLACE), -17);
      writeFileSync(join(root, "b.txt"), "data");
      const b = (await t.open(0, "b.txt", "s", OPEN_CREATE | OPEN_WRITE, 0, stat())) as { stream: OpenStream; path: string };
      assert.is(await t.rename({ share: 0, ...b }, "", 0), -22);
      await t.close({ share: 0, ...b });
      assert.is(await t.rename(h1, "", 0), 0);
      const file = readFileSync(join(root, "a.txt"));
      assert.equal(file.subarray(0, 3), Buffer.from("hel"));
      assert.equal(file.subarray(3), big);
      assert.is(await t.write(h2, Buffer.from("H"), 0), 1);
      assert.is(readFileSync(join(root, "a.txt"), "latin1")[0], "H");
      assert.is(await t.list(h1, new Uint8Array(256)), 24, "only the default stream is left");
      assert.is(await t.close(h1), 0);
      assert.is(await t.close(h2), 0);
      const dir = depotDir(root, join(root, "a.txt"));
      assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, "the stream left the depot");
    } catch (e) {
      rmSync(root, { recursive: true, force: true });
      throw e;
    }
    rmSync(root, { recursive: true, force: true });
  });
}

test.run();

// Unit tests for host-common/xattrs.ts: the sidecar store (shares without user xattrs), EA
// visibility and the packed EA size of stat-ex (abi.wit), the stat-ex encoder.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync, existsSync, readdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eaNameOf, isSidecarPath, packedEaSize, putMeta, renameHandlePaths, SidecarBackend, SIDECAR_DIR } from "../../host-common/xattrs.ts";
import { STAT_EX_SIZE } from "../../host-common/abi.ts";

const root = mkdtempSync(join(tmpdir(), "xattrs-unit-"));
const enc = new TextEncoder();
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

test("sidecar: set/get/list/remove by inode; renames keep the attributes", async () => {
  const s = new SidecarBackend(root);
  const f = join(root, "a.txt");
  writeFileSync(f, "x");
  assert.equal(await s.list(f), []);
  assert.is(await s.get(f, "user.A"), null);
  await s.set(f, "user.A", enc.encode("1"));
  await s.set(f, `user.${"n".repeat(250)}`, enc.encode("long name"));
  await s.set(f, "user.A", enc.encode("2")); // replace
  assert.is(text(await s.get(f, "user.A")), "2");
  assert.equal((await s.list(f)).sort(), [`user.${"n".repeat(250)}`, "user.A"].sort());
  renameSync(f, join(root, "b.txt"));
  assert.is(text(await s.get(join(root, "b.txt"), "user.A")), "2");
  await s.remove(join(root, "b.txt"), "user.A");
  assert.is(await s.get(join(root, "b.txt"), "user.A"), null);
  try {
    await s.remove(join(root, "b.txt"), "user.A");
    assert.unreachable("removing an absent attribute fails");
  } catch (e) {
    assert.is((e as { errno?: number }).errno, 61);
  }
});

test("sidecar: deleting a file drops its entries; a recycled inode starts clean", async () => {
  const s = new SidecarBackend(root);
  const f = join(root, "c.txt");
  writeFileSync(f, "x");
  await s.set(f, "user.X", enc.encode("1"));
  const before = readdirSync(join(root, SIDECAR_DIR)).length;
  await s.deleting(f);
  unlinkSync(f);
  assert.is(readdirSync(join(root, SIDECAR_DIR)).length, before - 1);
  const g = join(root, "d.txt");
  writeFileSync(g, "y");
  await s.set(g, "user.Y", enc.encode("1"));
  await s.created(g); // as if g had just been created with a recycled inode
  assert.equal(await s.list(g), []);
  assert.ok(existsSync(join(root, SIDECAR_DIR)));
});

test("EA visibility: user.* only, never Samba's own, names a client can use", () => {
  assert.is(eaNameOf("user.EAONE"), "EAONE");
  for (const n of ["user.DOSATTRIB", "user.dosattrib", "user.DosStream.x:$DATA", "user.SAMBA_PAI", "user.DosEAs", "user.DosStreams",
    "security.NTACL", "trusted.a", "user.", "user.a/b", "user.a\x01", `user.${"a".repeat(256)}`]) {
    assert.is(eaNameOf(n), null, n);
  }
});

test("packed EA size: MS-FSCC 2.4.15 entries, all but the last padded to 4", () => {
  assert.is(packedEaSize([]), 0);
  assert.is(packedEaSize([[5, 6]]), 20);
  assert.is(packedEaSize([[5, 6], [8, 8]]), 20 + 25);
  assert.is(packedEaSize([[1, 0], [1, 0]]), 12 + 10);
});

test("stat-ex: putMeta fills bytes 80..160 only when the buffer is long enough", () => {
  const small = new Uint8Array(80).fill(7);
  putMeta(small, { dosattrib: new Uint8Array(24), eaSize: 5 });
  assert.ok(small.every((b) => b === 7));
  const out = new Uint8Array(STAT_EX_SIZE).fill(7);
  putMeta(out, { dosattrib: new Uint8Array([1, 2, 3]), eaSize: 45 });
  const v = new DataView(out.buffer);
  assert.is(v.getUint32(80, true), 1);
  assert.is(v.getUint32(84, true), 3);
  assert.is(v.getUint32(88, true), 45);
  assert.equal([...out.subarray(96, 100)], [1, 2, 3, 0]);
  assert.ok(out.subarray(0, 80).every((b) => b === 7), "the stat record is untouched");
  putMeta(out, { dosattrib: new Uint8Array(65), eaSize: 0 });
  assert.is(v.getUint32(84, true), 0, "a DOSATTRIB longer than 64 bytes is not passed on");
});

test("paths: the sidecar folder is recognised in any case; handles follow renames", () => {
  assert.ok(isSidecarPath(".wasmsmb-xattr"));
  assert.ok(isSidecarPath(".WASMSMB-XATTR/x"));
  assert.not.ok(isSidecarPath("a/.wasmsmb-xattr"));
  const hs = [{ share: 0, path: "/s/a" }, { share: 0, path: "/s/a/b" }, { share: 0, path: "/s/ab" }, { share: 1, path: "/s/a" }];
  renameHandlePaths(hs, 0, "/s/a", "/s/z");
  assert.equal(hs.map((h) => h.path), ["/s/z", "/s/z/b", "/s/ab", "/s/a"]);
});

test("cleanup", () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  rmSync(root, { recursive: true, force: true });
});

test.run();

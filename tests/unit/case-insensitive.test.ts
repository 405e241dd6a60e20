// host-common/case-insensitive.ts: Windows-style name folding and the cached, mtime-validated
// per-directory lookup tables (review finding V7: no directory scan per path component).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CaseResolver, foldName, type DirAccess } from "../../host-common/case-insensitive.ts";

/** An in-memory tree: dir → names, with mtimes, counting readdir calls. */
function fakeFs(tree: Record<string, string[]>) {
  const mtimes = new Map<string, number>(Object.keys(tree).map((d) => [d, 1]));
  let readdirs = 0;
  const access: DirAccess = {
    readdir: async (d) => {
      readdirs++;
      return [...(tree[d] ?? [])];
    },
    mtimeMs: async (d) => (d in tree ? (mtimes.get(d) ?? 1) : null),
  };
  return {
    access,
    touch: (d: string) => mtimes.set(d, (mtimes.get(d) ?? 1) + 1),
    readdirs: () => readdirs,
  };
}

test("foldName upper-cases code unit by code unit and never changes the length", () => {
  assert.is(foldName("Readme.txt"), "README.TXT");
  assert.is(foldName("straße"), "STRAßE");
  assert.is(foldName("ǆ"), "Ǆ");
  assert.is(foldName("кот"), "КОТ");
  assert.is(foldName("ǅ").length, 1);
});

test("resolve finds every component in any case, and null when one is missing", async () => {
  const f = fakeFs({ "/r": ["Docs", "a.txt"], "/r/Docs": ["Report.PDF", "sub"], "/r/Docs/sub": [] });
  const r = new CaseResolver(f.access);
  assert.is(await r.resolve("/r", "docs/report.pdf"), "Docs/Report.PDF");
  assert.is(await r.resolve("/r", "DOCS/SUB"), "Docs/sub");
  assert.is(await r.resolve("/r", "docs/missing"), null);
  assert.is(await r.resolve("/r", "a.txt/x"), null, "a file is not a directory");
  assert.is(await r.resolve("/r", ""), "");
});

test("an exact spelling wins among names that differ only in case", async () => {
  const f = fakeFs({ "/r": ["foo", "FOO", "Foo"] });
  const r = new CaseResolver(f.access);
  assert.is(await r.resolve("/r", "FOO"), "FOO");
  assert.is(await r.resolve("/r", "Foo"), "Foo");
  assert.is(await r.resolve("/r", "fOO"), "foo", "otherwise the first seen");
});

test("tables are cached per directory and re-read only when its mtime changes", async () => {
  const tree = { "/r": ["A", "B"] };
  const f = fakeFs(tree);
  const r = new CaseResolver(f.access);
  for (let i = 0; i < 100; i++) assert.is(await r.resolve("/r", "a"), "A");
  assert.is(f.readdirs(), 1, "one directory read for 100 lookups");
  tree["/r"].push("c");
  assert.is(await r.resolve("/r", "C"), null, "not seen while the mtime is unchanged");
  f.touch("/r");
  assert.is(await r.resolve("/r", "C"), "c");
  assert.is(f.readdirs(), 2);
});

test("changes made by this server update the cached table without re-reading the directory", async () => {
  const tree: Record<string, string[]> = { "/r": ["A"] };
  const f = fakeFs(tree);
  const r = new CaseResolver(f.access);
  await r.resolve("/r", "a");
  for (let i = 0; i < 1000; i++) {
    const n = `File${i}`;
    tree["/r"].push(n);
    f.touch("/r");
    await r.changed("/r", n, null);
    assert.is(await r.resolve("/r", n.toLowerCase()), n);
  }
  assert.is(f.readdirs(), 1, "creating 1000 files read the directory once");
  tree["/r"] = tree["/r"].filter((n) => n !== "A");
  f.touch("/r");
  await r.changed("/r", null, "A");
  assert.is(await r.resolve("/r", "a"), null);
  assert.is(f.readdirs(), 1);
});

test.run();

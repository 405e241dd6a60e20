// 8.3 short names (MS-FSCC 2.1.5.2.1): the core (assembly/fs/shortname.ts) reports them and the
// hosts (host-common/short-names.ts) resolve them, so both must compute the same function; and
// every generated name must itself be a valid 8.3 name that the host recognises as generated.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";
import { isValid83, looksShort, shortName } from "../../host-common/short-names.ts";

const m = loadTestModule("short_names");
const te = new TextEncoder();
const td = new TextDecoder();

function call(fn: string, name: string): string {
  const b = te.encode(name);
  const p = m.put(b.length > 0 ? b : new Uint8Array(1));
  const out = m.alloc(64);
  const n = (m.exports[fn] as (p: number, n: number, o: number) => number)(p, b.length, out);
  return td.decode(m.get(out, n));
}

function coreValid(name: string): boolean {
  const b = te.encode(name);
  return (m.exports.is_valid_83 as (p: number, n: number) => number)(m.put(b.length > 0 ? b : new Uint8Array(1)), b.length) === 1;
}

test("names that are 8.3 already are their own (upper-cased) short name", () => {
  for (const n of ["README.TXT", "readme.txt", "a", "A.B", "12345678.123", "x_y-z.c", "{A}.~1"]) {
    assert.ok(isValid83(n), n);
    assert.ok(coreValid(n), n);
    assert.is(call("short_name", n), n.toUpperCase());
    assert.is(shortName(n), n.toUpperCase());
    assert.is(call("listing_short_name", n), "", `${n} lists no short name`);
  }
});

test("long, spaced, dotted and non-ASCII names get BASE~XYZ.EXT names", () => {
  const names = ["Quarterly report.docx", "123456789.txt", "a.b.c", ".profile", "file.jpeg", "x y", "trailing.",
    "ñandú.txt", "日本語のファイル名.pdf", "😀.png", "...", "very long name without extension", "Ab.TXT1"];
  for (const n of names) {
    assert.not.ok(isValid83(n), `${n} is not 8.3`);
    assert.not.ok(coreValid(n), `${n} is not 8.3 (core)`);
    const s = call("short_name", n);
    assert.match(s, /^[A-Z0-9!#$%&'()@^_`{}-]{1,4}~[0-9A-Z]{3}(\.[A-Z0-9!#$%&'()@^_`{}-]{1,3})?$/, `${n} → ${s}`);
    assert.ok(isValid83(s), `${s} is valid 8.3`);
    assert.ok(looksShort(s), `${s} looks generated`);
    assert.is(call("listing_short_name", n), s);
  }
  assert.is(call("short_name", "Quarterly report.docx").slice(0, 5), "QUAR~");
  assert.ok(call("short_name", "Quarterly report.docx").endsWith(".DOC"));
});

test("core and host agree on 2000 generated names, and case does not change the short name", () => {
  let seed = 12345;
  const rnd = (k: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % k;
  };
  const alphabet = "abcXYZ019 ._-~!é日😀";
  const chars = Array.from(alphabet);
  for (let i = 0; i < 2000; i++) {
    let n = "";
    const len = 1 + rnd(20);
    for (let k = 0; k < len; k++) n += chars[rnd(chars.length)];
    assert.is(call("short_name", n), shortName(n), JSON.stringify(n));
    assert.is(coreValid(n), isValid83(n), JSON.stringify(n));
  }
  assert.is(shortName("Some Long Name.txt"), shortName("SOME LONG NAME.TXT"));
  assert.is(call("short_name", "Some Long Name.txt"), call("short_name", "some long name.TXT"));
});

test.run();

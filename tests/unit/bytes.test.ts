// Unit tests for assembly/util/bytes.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";

const m = loadTestModule("bytes");

test("ctEqual is true for equal and false for any single differing byte", () => {
  const a = new Uint8Array(32).map((_, i) => i * 7);
  const pa = m.put(a);
  for (let i = 0; i < 32; i++) {
    const b = a.slice();
    b[i] ^= 0x80;
    const pb = m.put(b);
    assert.is(m.exports.ct_equal(pa, pb, 32), 0, `byte ${i}`);
    m.free(pb);
  }
  const pc = m.put(a);
  assert.is(m.exports.ct_equal(pa, pc, 32), 1);
});

test.run();

// Unit tests for assembly/util/heap.ts: heapFits must say exactly whether AssemblyScript's TLSF
// allocator has a free block for a size in the fixed memory (true: the allocation succeeds;
// false: TLSF would try to grow the memory and trap), and bufAlloc must use it so that a
// fragmented heap refuses a bulk buffer (0) instead of trapping.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadTestModule } from "../helpers/wasm.ts";

type HeapExports = {
  heap_fits(size: number): number;
  heap_free_bytes(): number;
  buf_alloc(size: number): number;
  buf_free(p: number, size: number): void;
  alloc(size: number): number;
  free(p: number): void;
};

/** A fresh module whose allocator is initialised (TLSF sets itself up on the first allocation). */
function load(): HeapExports {
  const m = loadTestModule("heap").exports as unknown as HeapExports;
  m.free(m.alloc(16));
  return m;
}

/** A module whose memory is full of 1 MiB blocks, every other one freed: only 1 MiB holes are free. */
function holes(): HeapExports {
  const m = load();
  const blocks: number[] = [];
  while (m.heap_fits(1 << 20) === 1) blocks.push(m.alloc(1 << 20));
  // the tail that is left cannot hold 1 MiB; use it up so only the holes remain
  for (const size of [65536, 4096, 300, 16]) while (m.heap_fits(size) === 1) m.alloc(size);
  for (let i = 0; i < blocks.length; i += 2) m.free(blocks[i]);
  return m;
}

test("heapFits: every size it accepts is allocated, and the first size it refuses traps the allocator", () => {
  const m = load();
  const before = m.heap_free_bytes();
  assert.ok(before > 500 * 2 ** 20, `a fresh 512 MiB core has most of it free (${before})`);
  // fill the memory with ever smaller blocks: each size until heapFits says no
  let allocated = 0;
  for (const size of [1 << 24, 1 << 20, 65536, 4096, 300, 16]) {
    let n = 0;
    while (m.heap_fits(size) === 1) {
      const p = m.alloc(size);
      assert.ok(p !== 0, `alloc(${size}) #${n} returned a block`);
      n++;
      allocated += size;
    }
    assert.ok(n > 0 || size >= 65536, `some ${size}-byte blocks fitted`);
  }
  assert.ok(allocated > 500 * 2 ** 20, `the fixed memory was filled (${allocated} bytes)`);
  assert.ok(m.heap_free_bytes() < 64, `almost nothing is left free (${m.heap_free_bytes()})`);
  assert.is(m.heap_fits(16), 0);
  // TLSF cannot grow the fixed memory: the allocation heapFits refused traps
  assert.throws(() => m.alloc(16), /unreachable|memory/i);
});

test("heapFits follows fragmentation: freed 1 MiB holes take 960 KiB but not 1 MiB (TLSF rounds a request up to the next size class); bufAlloc refuses with 0, no trap", () => {
  const m = holes();
  const free = m.heap_free_bytes();
  assert.ok(free > 200 * 2 ** 20, `half the blocks are free again (${free} bytes)`);
  assert.is(m.heap_fits(960 << 10), 1, "a 1 MiB hole takes 960 KiB");
  assert.is(m.heap_fits(1 << 20), 0, "a search for 1 MiB looks one size class up, where there is no block");
  assert.throws(() => m.alloc(1 << 20), /unreachable/, "and TLSF itself traps there: heapFits said what the allocator does");
});

test("bufAlloc refuses (0) a buffer no free block can hold, though the budget and the free bytes allow it", () => {
  const m = holes();
  const free = m.heap_free_bytes();
  assert.is(m.buf_alloc(2 << 20), 0, "2 MiB: refused, no trap");
  const p = m.buf_alloc(512 << 10);
  assert.ok(p !== 0, "bufAlloc still serves what fits");
  m.buf_free(p, 512 << 10);
  assert.is(m.heap_free_bytes(), free, "the free bytes are back to where they were");
});

test.run();

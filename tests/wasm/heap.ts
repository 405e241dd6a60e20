// Test exports for assembly/util/heap.ts (TLSF fit check, free bytes) and bufAlloc's use of it.
export * from "./_common";
import { heapFits, heapFreeBytes } from "../../assembly/util/heap";
import { bufAlloc, bufFree } from "../../assembly/util/buffers";

export function heap_fits(size: u32): i32 {
  return heapFits(<usize>size) ? 1 : 0;
}

export function heap_free_bytes(): f64 {
  return <f64>heapFreeBytes();
}

export function buf_alloc(size: u32): usize {
  return bufAlloc(<usize>size);
}

export function buf_free(p: usize, size: u32): void {
  bufFree(p, <usize>size);
}

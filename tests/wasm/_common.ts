// Shared exports of every AssemblyScript unit-test module: raw buffers for the JS side.
import "../../assembly/abi/panic";
export function alloc(size: i32): usize {
  return heap.alloc(<usize>size);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}

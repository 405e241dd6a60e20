// Unmanaged buffers for frames and responses, with a global budget so that memory
// exhaustion is refused (STATUS_INSUFFICIENT_RESOURCES / disconnect), never a trap.
// The linear memory is fixed-size; TLSF traps when it cannot grow, so every bulk
// allocation goes through here and is checked against BUFFER_BUDGET first, and against the
// free blocks TLSF has (a fragmented heap may have the bytes but no block that size).
import { heapFits } from "./heap";

/** Bytes reserved for bulk buffers; the rest of the fixed memory is the managed heap. */
export const BUFFER_BUDGET: usize = 384 << 20;

let inUse: usize = 0;
let peak: usize = 0;

/** Allocates size bytes, or returns 0 when the budget would be exceeded. */
export function bufAlloc(size: usize): usize {
  const total = size + 16; // TLSF block overhead, rounded
  if (size == 0 || size > BUFFER_BUDGET || inUse + total > BUFFER_BUDGET || !heapFits(size)) return 0;
  const p = heap.alloc(size);
  inUse += total;
  if (inUse > peak) peak = inUse;
  return p;
}

/** Frees a buffer from bufAlloc; size must be the size it was allocated with. */
export function bufFree(p: usize, size: usize): void {
  if (p == 0) return;
  heap.free(p);
  inUse -= size + 16;
}

/** Bytes of bulk buffers currently allocated. */
export function buffersInUse(): usize {
  return inUse;
}

/** Highest value of buffersInUse() seen. */
export function buffersPeak(): usize {
  return peak;
}

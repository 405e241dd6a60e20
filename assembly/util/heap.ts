// Managed-heap admission: the core's linear memory is fixed (asconfig.json, 512 MiB) and the
// TLSF allocator traps when no free block fits, so state a client can make the core keep —
// connections, sessions, tree connects, opens, locks, pending operations — is only created
// while enough of the heap is left; otherwise the request is refused with
// STATUS_INSUFFICIENT_RESOURCES (or the connection is refused) and the server keeps serving.
// Headroom = bytes in free TLSF blocks minus the part of the bulk-buffer budget not yet used
// (util/buffers.ts), so that frames and responses always find their budget.
// Also answers whether a bulk buffer fits at all (fragmentation), so bufAlloc never traps.
import { BUFFER_BUDGET, buffersInUse } from "./buffers";
import { logWarn } from "./log";
import { now_ms } from "../abi/imports";
import { ROOT } from "~lib/rt/tlsf";

// TLSF layout (~lib/rt/tlsf.ts, AssemblyScript 0.28, wasm32): Root = flMap (u32), 23 second-level
// maps (u32) from +4, the free-list heads (23 x 16 pointers) from +96; a block's size and tags
// are its first word, a free block's next pointer is at +8; blocks are 16-byte aligned with a
// 4-byte header.
const FL_BITS: u32 = 23;
const SL_BITS: u32 = 4;
const SL_SIZE: u32 = 1 << SL_BITS;
const AL_BITS: u32 = 4;
const AL_MASK: usize = 15;
const SB_BITS: u32 = SL_BITS + AL_BITS;
const SB_SIZE: usize = 1 << SB_BITS;
const SL_START: usize = 4;
const HL_START: usize = 96;
const BLOCK_OVERHEAD: usize = 4;
const BLOCK_MINSIZE: usize = 12;
const HALF_MAX_SIZE: usize = ((1 << 30) - BLOCK_OVERHEAD) >> 1;

/** Headroom below which new state is refused. */
export const HEAP_RESERVE: usize = 24 << 20;
/** Headroom below which the host is asked to collect garbage. */
const COLLECT_BELOW: usize = 48 << 20;
/** Below COLLECT_BELOW, ask again only after the headroom fell this much more (a full collection walks every object). */
const COLLECT_STEP: usize = 8 << 20;
/** What one admitted object is assumed to cost at least between two exact measurements. */
const ADMIT_ESTIMATE: usize = 16 << 10;
/** Admissions between two exact measurements (the estimates above are used in between). */
const REMEASURE_EVERY: u32 = 256;
/** While refusing, the free lists are walked again at most this often (ms). */
const REFUSING_REMEASURE_MS: f64 = 50;

let measured: usize = 0;
let since: u32 = REMEASURE_EVERY;
let spent: usize = 0; // estimated bytes admitted since the last measurement
let measuredMs: f64 = 0;
let refusing = false;
let collectWanted = false;
let collectAt: usize = usize.MAX_VALUE; // headroom when a collection was last asked for
let collected = false; // a collection ran since: the next measurement sets collectAt
let refusals: u32 = 0;
let lastRefusalLog: u32 = 0;

/** Bytes in free TLSF blocks (headers included): walks every free list. */
export function heapFreeBytes(): usize {
  const root = changetype<usize>(ROOT);
  if (root == 0) return 0;
  let total: usize = 0;
  for (let i: usize = 0; i < <usize>(FL_BITS * SL_SIZE); i++) {
    let b = load<usize>(root + HL_START + (i << 2));
    while (b != 0) {
      total += (load<usize>(b) & ~(<usize>3)) + BLOCK_OVERHEAD;
      b = load<usize>(b, 8);
    }
  }
  return total;
}

/** Free heap not promised to bulk buffers (0 when the promise is not covered). */
export function heapHeadroom(): usize {
  const free = heapFreeBytes();
  const promised = BUFFER_BUDGET - buffersInUse();
  measured = free > promised ? free - promised : 0;
  since = 0;
  spent = 0;
  measuredMs = now_ms();
  if (collected) {
    collected = false;
    collectAt = measured;
  }
  if (measured < COLLECT_BELOW && measured + COLLECT_STEP <= collectAt) {
    collectWanted = true;
    collectAt = measured;
  }
  return measured;
}

/**
 * Whether TLSF has a free block for an allocation of size bytes without growing memory (which
 * the fixed memory cannot): the allocator's own mapping search over its bitmaps.
 */
export function heapFits(size: usize): bool {
  const root = changetype<usize>(ROOT);
  if (root == 0) return true;
  if (size > ((1 << 30) - BLOCK_OVERHEAD)) return false;
  const payload = size <= BLOCK_MINSIZE ? BLOCK_MINSIZE : ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
  let fl: u32;
  let sl: u32;
  if (payload < SB_SIZE) {
    fl = 0;
    sl = <u32>(payload >> AL_BITS);
  } else {
    const req = payload < HALF_MAX_SIZE ? payload + (<usize>1 << (31 - SL_BITS - clz<usize>(payload))) - 1 : payload;
    fl = 31 - <u32>clz<usize>(req);
    sl = <u32>((req >> (fl - SL_BITS)) ^ (1 << SL_BITS));
    fl -= SB_BITS - 1;
  }
  if (fl >= FL_BITS) return false;
  if ((load<u32>(root + SL_START + (<usize>fl << 2)) & (~0 << sl)) != 0) return true;
  return fl + 1 < 32 && (load<u32>(root) & (~0 << (fl + 1))) != 0;
}

/**
 * Whether new state (what: "open", "session", ...) that costs about cost bytes may be created
 * for peer. Between exact measurements (every REMEASURE_EVERY admissions, or when the estimate
 * reaches the reserve) the admitted costs are added up; the reserve absorbs what they miss
 * (garbage, underestimates). A refusal is logged (one line per 64) and asks for a collection.
 */
export function heapAdmit(what: string, peer: string, cost: usize = ADMIT_ESTIMATE): bool {
  const c = cost < ADMIT_ESTIMATE ? ADMIT_ESTIMATE : cost;
  if (since < REMEASURE_EVERY && measured >= HEAP_RESERVE + spent + c) {
    since++;
    spent += c;
    return true;
  }
  if (!refusing || now_ms() - measuredMs >= REFUSING_REMEASURE_MS) heapHeadroom();
  if (measured >= HEAP_RESERVE + c) {
    refusing = false;
    since = 1;
    spent = c;
    return true;
  }
  if (!refusing) collectWanted = true;
  refusing = true;
  refusals++;
  if (refusals - lastRefusalLog >= 64 || lastRefusalLog == 0) {
    lastRefusalLog = refusals;
    logWarn("Refusing a new " + what + " for " + peer + ": the core's heap is nearly full (" +
      (measured >> 10).toString() + " KiB free beyond the buffer budget, " + (HEAP_RESERVE >> 20).toString() +
      " MiB kept in reserve; " + refusals.toString() + " refusals so far)");
  }
  return false;
}

/** True once after the heap ran low: the host should collect garbage now (between events). */
export function heapCollectWanted(): bool {
  if (!collectWanted) return false;
  collectWanted = false;
  collected = true;
  since = REMEASURE_EVERY; // measure again after the collection
  return true;
}

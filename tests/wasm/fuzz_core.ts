// Fuzz target (tests/fuzz/): the whole core (assembly/index.ts) plus introspection for the
// harness's oracles — buffer accounting, the TLSF free-byte total, frame memory — and the
// coverage map that tests/fuzz/cov-transform.mjs instruments the core with.
export * from "../../assembly/index";
import { buffersPeak } from "../../assembly/util/buffers";
import { incompleteFrameBytes } from "../../assembly/smb2/framing";
import { heapFreeBytes } from "../../assembly/util/heap";
import { opens, fileNodes } from "../../assembly/fs/open";
import { sessions } from "../../assembly/smb2/session";
import { disconnectedCount, DURABLE_MAX_TIMEOUT_MS } from "../../assembly/fs/durable";

/**
 * The map's static address: 65536 bytes, one byte per probe (the transform refuses more
 * probes); one memory.data segment since this function is compiled once. A literal, as
 * probes run from start-up on, before this module's globals are initialised.
 */
function covBase(): usize {
  return memory.data(65536);
}

/** Marks probe id as reached (called by the code tests/fuzz/cov-transform.mjs inserts). */
// @ts-ignore: decorator
@global export function __fuzz_cov(id: i32): void {
  store<u8>(covBase() + <usize>id, 1);
}

/** Address of the coverage map. */
export function fuzz_cov_map(): usize {
  return covBase();
}

/** Size of the coverage map in bytes. */
export function fuzz_cov_size(): u32 {
  return 65536;
}

/** Highest buffers_in_use() seen. */
export function fuzz_buffers_peak(): u32 {
  return <u32>buffersPeak();
}

/** Opens in the global table (0 once every connection is closed). */
export function fuzz_open_count(): i32 {
  return opens.size;
}

/** Shared file nodes (0 once every open is closed). */
export function fuzz_file_node_count(): i32 {
  return fileNodes.size;
}

/** Sessions in the global table (0 once every connection is closed). */
export function fuzz_session_count(): i32 {
  return sessions.size;
}

/** Disconnected durable opens kept for a reconnect (assembly/fs/durable.ts). */
export function fuzz_durable_count(): i32 {
  return disconnectedCount();
}

/** The longest time a disconnected durable open is kept (ms): the harness's clock passes it before its leak checks. */
export function fuzz_durable_max_ms(): u32 {
  return DURABLE_MAX_TIMEOUT_MS;
}

/** Bytes of frame buffers being filled (framing.ts incomplete-frame accounting). */
export function fuzz_incomplete_frame_bytes(): u32 {
  return <u32>incompleteFrameBytes();
}

/**
 * Bytes in free TLSF blocks (block overhead included). After __collect() with no connection
 * open this must not keep falling across many connections (unbounded growth oracle).
 */
export function fuzz_heap_free_bytes(): f64 {
  return <f64>heapFreeBytes();
}

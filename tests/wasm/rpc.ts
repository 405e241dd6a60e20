// Test exports for assembly/rpc (pipe, dcerpc, srvsvc) and assembly/wire/ndr.ts.
export * from "./_common";
import { RpcPipe, RpcShare, rpcPipeOpen, setRpcServerInfo } from "../../assembly/rpc/pipe";
import { NdrReader, NdrWriter } from "../../assembly/wire/ndr";

let cfgName = "";
let cfgString = "";
let cfgShares = new Array<RpcShare>(0);
const pipes = new Array<RpcPipe | null>(0);

function utf8(p: usize, n: i32): string {
  return String.UTF8.decodeUnsafe(p, <usize>n);
}

export function cfg_begin(np: usize, nl: i32, sp: usize, sl: i32): void {
  cfgName = utf8(np, nl);
  cfgString = utf8(sp, sl);
  cfgShares = new Array<RpcShare>(0);
}

export function cfg_add(np: usize, nl: i32, cp: usize, cl: i32, type: u32, browseable: i32): void {
  cfgShares.push(new RpcShare(utf8(np, nl), utf8(cp, cl), type, browseable != 0));
}

export function cfg_commit(): void {
  setRpcServerInfo(cfgName, cfgString, cfgShares);
}

/** Opens a pipe; returns a handle or -1. */
export function pipe_open(np: usize, nl: i32): i32 {
  const p = rpcPipeOpen(utf8(np, nl));
  if (p === null) return -1;
  pipes.push(p);
  return pipes.length - 1;
}

function get(h: i32): RpcPipe | null {
  if (h < 0 || h >= pipes.length) return null;
  return unchecked(pipes[h]);
}

export function pipe_write(h: i32, ptr: usize, len: i32): u32 {
  const p = get(h);
  return p === null ? 0xffffffff : p.write(ptr, len);
}

export function pipe_readable(h: i32): i32 {
  const p = get(h);
  return p === null ? -1 : p.readable();
}

export function pipe_read(h: i32, dst: usize, max: i32): i32 {
  const p = get(h);
  return p === null ? -1 : p.read(dst, max);
}

export function pipe_more(h: i32): i32 {
  const p = get(h);
  return p !== null && p.moreData() ? 1 : 0;
}

/** Closes the pipe and forgets it (so __collect can reclaim it). */
export function pipe_close(h: i32): void {
  const p = get(h);
  if (p === null) return;
  p.close();
  unchecked((pipes[h] = null));
}

/** Closes without forgetting: later calls exercise the closed state. */
export function pipe_close_keep(h: i32): void {
  const p = get(h);
  if (p !== null) p.close();
}

/**
 * Reads a unique pointer and, if non-null, a conformant varying string, then a u32. Writes the
 * string as UTF-16 to dst (up to dstMax bytes); returns its length in code units, or -1 on error.
 */
export function ndr_read_ptr_string_u32(ptr: usize, len: i32, dst: usize, dstMax: i32): i32 {
  const r = new NdrReader(ptr, len);
  let s = "";
  if (r.pointer() != 0) s = r.wstring();
  r.u32();
  if (r.failed) return -1;
  const bytes = min(s.length << 1, dstMax);
  memory.copy(dst, changetype<usize>(s), <usize>bytes);
  return s.length;
}

/** Writes a fixed sample (u8 7, u32 0x11223344, wstring "ab", u16 9, unique ptr, null ptr, u32 conformance 2) to dst. */
export function ndr_write_sample(dst: usize, dstMax: i32): i32 {
  const w = new NdrWriter(16);
  w.u8(7);
  w.u32(0x11223344);
  w.wstring("ab");
  w.u16(9);
  w.uniquePtr(true);
  w.uniquePtr(false);
  w.conformance(2);
  if (w.failed || w.len > dstMax) return -1;
  memory.copy(dst, w.dataStart, <usize>w.len);
  return w.len;
}

/** Grows a writer past its limit; returns 1 if it reported failure instead of trapping. */
export function ndr_writer_limit(): i32 {
  const w = new NdrWriter(16);
  for (let i = 0; i < 5000 && !w.failed; i++) w.zeros(1024);
  w.u32(1);
  return w.failed ? 1 : 0;
}

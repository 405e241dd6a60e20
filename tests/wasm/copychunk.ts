// Test exports for server-side copy: SRV_COPYCHUNK_COPY checks (assembly/fs/copychunk.ts), resume
// keys (assembly/fs/resume_key.ts), NETWORK_INTERFACE_INFO encoding (fsctl_netif.ts) and the
// config's `interfaces` key (assembly/config.ts).
export * from "./_common";
import { checkChunks, allAtEndOfFile, writeCopychunkLimits, writeCopychunkResponse } from "../../assembly/fs/copychunk";
import { makeResumeKey, resumeKeyMatches } from "../../assembly/fs/resume_key";
import { encodeInterfaces } from "../../assembly/smb2/commands/fsctl_netif";
import { loadConfig, globalCfg } from "../../assembly/config";

export function check_chunks(input: usize, inCount: u32): i32 {
  return checkChunks(input, inCount);
}

export function all_at_eof(input: usize): i32 {
  return allAtEndOfFile(input) ? 1 : 0;
}

export function write_limits(out: usize): void {
  writeCopychunkLimits(out);
}

export function write_response(out: usize, chunks: u32, chunkBytes: u32, total: u32): void {
  writeCopychunkResponse(out, chunks, chunkBytes, total);
}

export function make_key(out: usize, vol: u64, pers: u64, sid: u64): void {
  makeResumeKey(out, vol, pers, sid);
}

export function key_matches(p: usize, vol: u64, pers: u64, sid: u64): i32 {
  return resumeKeyMatches(p, vol, pers, sid) ? 1 : 0;
}

/** Loads a config (UTF-8 at p); returns 1 if accepted, 0 if refused. */
export function load_config(p: usize, n: i32): i32 {
  return loadConfig(String.UTF8.decodeUnsafe(p, <usize>n)).length == 0 ? 1 : 0;
}

/** Number of configured interface addresses. */
export function interface_count(): i32 {
  return globalCfg.interfaces.length;
}

/** Encodes the configured addresses at out (cap bytes); returns the byte count, -1 if it does not fit. */
export function encode_interfaces(out: usize, cap: u32): i32 {
  const need = <u32>globalCfg.interfaces.length * 152;
  if (need > cap) return -1;
  return <i32>encodeInterfaces(out, globalCfg.interfaces);
}

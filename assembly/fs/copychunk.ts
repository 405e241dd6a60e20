// MS-SMB2 2.2.31.1 SRV_COPYCHUNK_COPY / 2.2.31.1.1 SRV_COPYCHUNK parsing and the limit checks of
// 3.3.5.15.6 (ServerSideCopyMaxNumberofChunks / MaxChunkSize / MaxDataSize, as Windows: 256,
// 1 MiB, 16 MiB), answered per 3.3.5.15.6.2 with the limits in SRV_COPYCHUNK_RESPONSE (2.2.32.1).

export const COPYCHUNK_MAX_CHUNKS: u32 = 256;
export const COPYCHUNK_MAX_CHUNK_SIZE: u32 = 1 << 20;
export const COPYCHUNK_MAX_DATA_SIZE: u32 = 16 << 20;

/** SourceKey (24) + ChunkCount (4) + Reserved (4). */
export const SRV_COPYCHUNK_COPY_SIZE: u32 = 32;
/** SourceOffset (8) + TargetOffset (8) + Length (4) + Reserved (4). */
export const SRV_COPYCHUNK_SIZE: u32 = 24;
/** ChunksWritten + ChunkBytesWritten + TotalBytesWritten. */
export const SRV_COPYCHUNK_RESPONSE_SIZE: u32 = 12;

/** TargetOffset 0xFFFFFFFFFFFFFFFF: write at the end of the destination file. */
export const TARGET_END_OF_FILE: u64 = 0xffff_ffff_ffff_ffff;
/** Largest offset+length the host can address (offsets travel as f64). */
export const MAX_FILE_OFFSET: u64 = 0x1f_ffff_ffff_ffff;

/** The copy request is malformed or breaks a limit: answer 3.3.5.15.6.2. */
export const CHUNKS_INVALID: i32 = -1;

@inline export function chunkCount(input: usize): u32 {
  return load<u32>(input, 24);
}

@inline function chunkAt(input: usize, i: u32): usize {
  return input + <usize>SRV_COPYCHUNK_COPY_SIZE + <usize>i * <usize>SRV_COPYCHUNK_SIZE;
}

@inline export function chunkSourceOffset(input: usize, i: u32): u64 {
  return load<u64>(chunkAt(input, i));
}

@inline export function chunkTargetOffset(input: usize, i: u32): u64 {
  return load<u64>(chunkAt(input, i), 8);
}

@inline export function chunkLength(input: usize, i: u32): u32 {
  return load<u32>(chunkAt(input, i), 16);
}

/**
 * Checks a SRV_COPYCHUNK_COPY of inCount bytes at input (3.3.5.15.6): the buffer holds every
 * chunk, ChunkCount <= 256, each Length in 1..1 MiB, their sum <= 16 MiB, TargetOffset not
 * negative (other than TARGET_END_OF_FILE) and within MAX_FILE_OFFSET. Returns the largest
 * Length (0 for no chunks), or CHUNKS_INVALID.
 */
export function checkChunks(input: usize, inCount: u32): i32 {
  if (inCount < SRV_COPYCHUNK_COPY_SIZE) return CHUNKS_INVALID;
  const count = chunkCount(input);
  if (count > COPYCHUNK_MAX_CHUNKS) return CHUNKS_INVALID;
  if (<u64>inCount < <u64>SRV_COPYCHUNK_COPY_SIZE + <u64>count * <u64>SRV_COPYCHUNK_SIZE) return CHUNKS_INVALID;
  let total: u64 = 0;
  let largest: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const len = chunkLength(input, i);
    if (len == 0 || len > COPYCHUNK_MAX_CHUNK_SIZE) return CHUNKS_INVALID;
    total += <u64>len;
    if (total > <u64>COPYCHUNK_MAX_DATA_SIZE) return CHUNKS_INVALID;
    const target = chunkTargetOffset(input, i);
    if (target != TARGET_END_OF_FILE && (target > MAX_FILE_OFFSET || target + <u64>len > MAX_FILE_OFFSET)) return CHUNKS_INVALID;
    if (len > largest) largest = len;
  }
  return <i32>largest;
}

/** Does every chunk write at the end of the destination (TARGET_END_OF_FILE)? */
export function allAtEndOfFile(input: usize): bool {
  const count = chunkCount(input);
  for (let i: u32 = 0; i < count; i++) {
    if (chunkTargetOffset(input, i) != TARGET_END_OF_FILE) return false;
  }
  return true;
}

/** Writes a SRV_COPYCHUNK_RESPONSE (2.2.32.1) at p. */
export function writeCopychunkResponse(p: usize, chunksWritten: u32, chunkBytesWritten: u32, totalBytesWritten: u32): void {
  store<u32>(p, chunksWritten, 0);
  store<u32>(p, chunkBytesWritten, 4);
  store<u32>(p, totalBytesWritten, 8);
}

/** The 3.3.5.15.6.2 response: the server's limits in place of the counts. */
export function writeCopychunkLimits(p: usize): void {
  writeCopychunkResponse(p, COPYCHUNK_MAX_CHUNKS, COPYCHUNK_MAX_CHUNK_SIZE, COPYCHUNK_MAX_DATA_SIZE);
}

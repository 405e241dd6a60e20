// Raw-memory byte helpers shared by every layer: endianness, constant-time compare, zeroing.

/** Loads a big-endian u32 (network order) from p. */
@inline export function loadBE32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

/** Stores a big-endian u32 at p. */
@inline export function storeBE32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

/** Loads a big-endian u64 from p. */
@inline export function loadBE64(p: usize): u64 {
  return bswap<u64>(load<u64>(p));
}

/** Stores a big-endian u64 at p. */
@inline export function storeBE64(p: usize, v: u64): void {
  store<u64>(p, bswap<u64>(v));
}

/**
 * Compares len bytes at a and b in time that depends only on len (never on the contents).
 * Used for every MAC, signature, NTLM response and password-hash comparison.
 */
export function ctEqual(a: usize, b: usize, len: i32): bool {
  let diff: u32 = 0;
  for (let i = 0; i < len; i++) {
    diff |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  }
  return diff == 0;
}

/** Overwrites a secret with zeros in a way the optimizer keeps (the memory is observable). */
export function wipe(p: usize, len: i32): void {
  if (len > 0) memory.fill(p, 0, <usize>len);
}

/** Copies len bytes (regions may overlap). */
@inline export function copy(dst: usize, src: usize, len: i32): void {
  memory.copy(dst, src, <usize>len);
}

/** Rounds n up to a multiple of 8 (SMB2 compound and context alignment). */
@inline export function align8(n: u32): u32 {
  return (n + 7) & ~7;
}

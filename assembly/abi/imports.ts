// The core's imports: the only capabilities the host gives it (see assembly/abi/abi.wit).

/** Milliseconds since the Unix epoch, from the host clock. */
@external("host", "now_ms")
export declare function now_ms(): f64;

/** Fills [ptr, ptr+len) with cryptographically secure random bytes. */
@external("host", "random_fill")
export declare function random_fill(ptr: usize, len: i32): void;

/** Writes one UTF-8 log line (no newline) at a level: 0 error, 1 warn, 2 info, 3 debug. */
@external("host", "log")
export declare function host_log(level: i32, ptr: usize, len: i32): void;

// Optional synchronous crypto acceleration (DESIGN.md §4). crypto_caps() says which of the
// functions below the host implements natively; the core uses them above a size threshold and
// its own AssemblyScript implementations otherwise (they are the reference).

/** Bits CAP_HMAC_SHA256 | CAP_AES_GCM | CAP_AES_CCM of what the host accelerates. */
@external("host", "crypto_caps")
export declare function crypto_caps(): u32;

/** out[0..32) = HMAC-SHA256(key, data). */
@external("host", "hmac_sha256")
export declare function host_hmac_sha256(key: usize, keyLen: i32, data: usize, len: i32, out: usize): void;

/**
 * AES-GCM seal with a 12-byte nonce: dst = E(src) (len bytes, may be 0 for GMAC), tag (16 bytes)
 * over aad and the ciphertext. Returns 0, or -1 if the host could not do it.
 */
@external("host", "aes_gcm_seal")
export declare function host_aes_gcm_seal(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32;

/** AES-GCM open, 12-byte nonce: dst = D(src) (src == dst allowed). 0 = authentic, 1 = tag mismatch, -1 = not done. */
@external("host", "aes_gcm_open")
export declare function host_aes_gcm_open(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32;

/** AES-CCM seal with an 11-byte nonce and a 16-byte tag. 0 = done, -1 = not done. */
@external("host", "aes_ccm_seal")
export declare function host_aes_ccm_seal(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32;

/** AES-CCM open, 11-byte nonce, 16-byte tag. 0 = authentic, 1 = tag mismatch, -1 = not done. */
@external("host", "aes_ccm_open")
export declare function host_aes_ccm_open(key: usize, keyLen: i32, nonce: usize, aad: usize, aadLen: i32, src: usize, dst: usize, len: i32, tag: usize): i32;

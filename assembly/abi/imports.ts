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

// The host's view of the core boundary (assembly/abi/abi.wit): export signatures, the
// submission-record layout and operation codes. Keep in sync with assembly/fs/io.ts.

/** The core's exports, as the hosts call them. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  host_alloc(len: number): number;
  host_free(ptr: number, len: number): void;
  init(cfgPtr: number, cfgLen: number): number;
  user_set(namePtr: number, nameLen: number, hashPtr: number): number;
  user_delete(namePtr: number, nameLen: number): void;
  user_clear(): void;
  nt_hash(pwPtr: number, pwBytes: number, out: number): void;
  conn_open(peerPtr: number, peerLen: number): number;
  conn_closed(id: number): void;
  rx_buf(id: number): number;
  rx_cap(id: number): number;
  rx_commit(id: number, n: number): void;
  sq_head(): number;
  sq_count(): number;
  sq_consume(n: number): void;
  io_done(reqId: number, result: number): void;
  tick(nowMs: number): number;
  buffers_in_use(): number;
  conn_count(): number;
  heap_collect_wanted(): number;
  __collect(): void;
}

export const ABI_VERSION = 1;
export const SQ_RECORD_SIZE = 64;

export const OP_SEND = 1;
export const OP_DISCONNECT = 2;
export const OP_OPEN = 10;
export const OP_CLOSE = 11;
export const OP_READ = 12;
export const OP_WRITE = 13;
export const OP_FSTAT = 14;
export const OP_STAT = 15;
export const OP_MKDIR = 16;
export const OP_UNLINK = 17;
export const OP_RMDIR = 18;
export const OP_RENAME = 19;
export const OP_TRUNCATE = 20;
export const OP_FSYNC = 21;
export const OP_READDIR = 22;
export const OP_STATFS = 23;
export const OP_UTIMES = 24;
export const OP_XATTR_GET = 30;
export const OP_XATTR_SET = 31;
export const OP_XATTR_LIST = 32;
export const OP_XATTR_DEL = 33;
export const OP_STREAM_STAT = 40;
export const OP_STREAM_OPEN = 41;
export const OP_STREAM_LIST = 42;
export const OP_STREAM_DEL = 43;
export const OP_STREAM_RENAME = 44;
export const OP_LINK = 45;

/** OP_STREAM_RENAME flags. */
export const STREAM_RENAME_NOREPLACE = 1;

/** OP_XATTR_SET flags. */
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export const OPEN_READ = 1;
export const OPEN_WRITE = 2;
export const OPEN_CREATE = 4;
export const OPEN_EXCL = 8;
export const OPEN_TRUNC = 16;
export const OPEN_DIRECTORY = 32;

export const RENAME_NOREPLACE = 1;
/** OP_LINK flags. */
export const LINK_REPLACE = 1;
export const READDIR_RESCAN = 1;

/** Stat record (assembly/fs/stat.ts): 80 bytes. */
export const STAT_SIZE = 80;
export const S_TYPE_FILE = 1;
export const S_TYPE_DIR = 2;
export const S_TYPE_SYMLINK = 3;
export const S_TYPE_OTHER = 4;

/**
 * Extended stat record (assembly/fs/stat.ts): stat, u32 meta flags, u32 DOSATTRIB length,
 * u32 EA size, u32 0, 64 bytes of DOSATTRIB value. Filled when the stat buffer is this long.
 */
export const STAT_EX_SIZE = 160;
export const META_VALID = 1;
export const META_DOSATTRIB_MAX = 64;

/** Directory entry record header: u32 recLen, u16 nameLen, u16 0, u32 index, u32 0, stat-ex. */
export const DIRENT_HEADER = 16 + STAT_EX_SIZE;

/** Statfs record: f64 blocks, f64 bfree, f64 bavail, u32 bsize (32 bytes). */
export const STATFS_SIZE = 32;

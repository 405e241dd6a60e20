// The file capability each host injects: asynchronous POSIX-like operations on paths inside
// a share (named by index) and on host handles. Results are >= 0, or a negative errno.

export interface FileSystem {
  /**
   * Opens (or creates) share:path; fills `stat` for the opened object: the 80-byte record, and
   * when `stat` is at least STAT_EX_SIZE long the DOSATTRIB/EA-size extension (abi.wit stat-ex).
   * The same holds for every `stat` buffer below.
   */
  open(share: number, path: string, flags: number, mode: number, stat: Uint8Array): Promise<number>;
  close(handle: number): Promise<number>;
  /** Reads into buf at file position pos; returns bytes read (0 at end of file). */
  read(handle: number, buf: Uint8Array, pos: number): Promise<number>;
  /** Writes all of buf at position pos; returns bytes written. */
  write(handle: number, buf: Uint8Array, pos: number): Promise<number>;
  fstat(handle: number, stat: Uint8Array): Promise<number>;
  stat(share: number, path: string, stat: Uint8Array): Promise<number>;
  mkdir(share: number, path: string, mode: number): Promise<number>;
  unlink(share: number, path: string): Promise<number>;
  rmdir(share: number, path: string): Promise<number>;
  rename(share: number, from: string, to: string, flags: number): Promise<number>;
  /**
   * link (abi.wit): a hard link `to` for the regular file at `from` (found as open finds it:
   * case-insensitively, its real path inside the share; `to` is made in a real parent inside the
   * share, never through a symlink at `to`). flags LINK_REPLACE replaces an existing `to`
   * atomically; without it, any entry named `to` in some case is -EEXIST. -EISDIR for a
   * directory, as source or as the name to replace.
   */
  link(share: number, from: string, to: string, flags: number): Promise<number>;
  truncate(handle: number, size: number): Promise<number>;
  fsync(handle: number): Promise<number>;
  /** Writes directory entry records from the handle's snapshot index `index`; returns the count. */
  readdir(handle: number, index: number, out: Uint8Array, flags: number): Promise<number>;
  statfs(share: number, out: Uint8Array): Promise<number>;
  /** Sets times in ms since the epoch; NaN leaves one unchanged. */
  utimes(handle: number, atimeMs: number, mtimeMs: number): Promise<number>;
  /** xattr-get: copies min(size, out.length) bytes; returns the value's full size, or -ENODATA. */
  xattrGet(handle: number, name: string, out: Uint8Array): Promise<number>;
  /** xattr-set (flags XATTR_CREATE / XATTR_REPLACE); value may be read after this call returns. */
  xattrSet(handle: number, name: string, value: Uint8Array, flags: number): Promise<number>;
  /** xattr-list: NUL-terminated names; returns the full length (what fits is copied). */
  xattrList(handle: number, out: Uint8Array): Promise<number>;
  /** xattr-del: 0, or -ENODATA. */
  xattrDel(handle: number, name: string): Promise<number>;
  // Named streams (abi.wit stream-*, host-common/streams.ts); names compare case-insensitively.
  /** stream-stat: the file's stat (with the stream's size); 0, or -ENOENT when the stream does not exist. */
  streamStat(share: number, path: string, name: string, stat: Uint8Array): Promise<number>;
  /** stream-open: flags as open (create also creates the file); a handle for read/write/truncate/fstat/fsync/close. */
  streamOpen(share: number, path: string, name: string, flags: number, mode: number, stat: Uint8Array): Promise<number>;
  /** stream-list of the handle's file: records; returns their full length (whole records copied). */
  streamList(handle: number, out: Uint8Array): Promise<number>;
  /** stream-del: 0, or -ENOENT. */
  streamDel(share: number, path: string, name: string): Promise<number>;
  /** stream-rename of a stream handle ("" = the default stream), flags STREAM_RENAME_NOREPLACE. */
  streamRename(handle: number, name: string, flags: number): Promise<number>;
}

/** A stat result in the form the runtimes give (Node/Bun Stats, Deno FileInfo mapped). */
export interface StatLike {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  mode: number;
  size: number;
  blocks: number;
  ino: number;
  dev: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  nlink: number;
}

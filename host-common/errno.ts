// Host errors → Linux errno numbers for the core's single errno→NTSTATUS table
// (assembly/fs/errno.ts). Node/Bun give `code` strings; Deno gives error classes with codes.

const CODES: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EBUSY: 16,
  EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24,
  EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, ENAMETOOLONG: 36,
  ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61, EOVERFLOW: 75, EILSEQ: 84, ENOTSUP: 95,
  EOPNOTSUPP: 95, EDQUOT: 122,
};

/** Not a real errno: a path resolved outside its share (the core answers ACCESS_DENIED). */
export const EXSHARE = 4096;
export const EPIPE = 32;
export const EIO = 5;
export const EBADF = 9;
export const EINVAL = 22;

/** Maps a thrown error to a negative errno (EIO when unknown). */
export function negErrno(err: unknown): number {
  if (err && typeof err === "object") {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code in CODES) return -CODES[code];
    const errno = (err as { errno?: unknown }).errno;
    if (typeof errno === "number" && errno !== 0) return errno > 0 ? -errno : errno;
    const name = (err as { name?: unknown }).name;
    if (typeof name === "string") {
      const byName: Record<string, number> = {
        NotFound: 2, PermissionDenied: 13, AlreadyExists: 17, NotADirectory: 20, IsADirectory: 21,
        InvalidData: 22, NotSupported: 95, FilesystemLoop: 40, DirectoryNotEmpty: 39,
        NotCapable: 13, BadResource: 9,
      };
      if (name in byName) return -byName[name];
    }
  }
  return -EIO;
}

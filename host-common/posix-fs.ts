// The FileSystem capability on `node:fs` (Node's own API, and Bun's native implementation of
// it). Paths come from the core relative to a share; every one is resolved and checked to
// stay inside its share's real directory, symlinks included (review item V9): the resolution is
// host-common/resolve.ts, on node:fs primitives. Extended attributes and named streams are passed
// on by host-common/handle-fs.ts.
import * as fs from "node:fs";
import { promisify } from "node:util";
import { EBADF, EXSHARE, negErrno } from "./errno.ts";
import { OPEN_CREATE, OPEN_DIRECTORY, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE, READDIR_RESCAN, RENAME_NOREPLACE } from "./abi.ts";
import type { FileSystem, StatLike } from "./fs-types.ts";
import { putDirent, putStat, putStatfs } from "./records.ts";
import type { SharePaths } from "./share-paths.ts";
import { type PathOps, ShareResolver } from "./resolve.ts";
import { hardLink, type LinkOps } from "./hard-links.ts";
import { HandleFileSystem } from "./handle-fs.ts";
import { renameHandlePaths, XattrStores } from "./xattrs.ts";
import { type OpenStream, StreamTable } from "./streams.ts";

const fsRead = (fd: number, b: Uint8Array, off: number, len: number, pos: number) =>
  new Promise<number>((res, rej) => fs.read(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n))));
const fsWrite = (fd: number, b: Uint8Array, off: number, len: number, pos: number) =>
  new Promise<number>((res, rej) => fs.write(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n))));
const fsOpen = promisify(fs.open);
const fsClose = promisify(fs.close);
const fsFstat = promisify(fs.fstat);
const fsFtruncate = promisify(fs.ftruncate);
const fsFdatasync = promisify(fs.fdatasync);
const fsFutimes = promisify(fs.futimes);
const P = fs.promises;
const C = fs.constants;

interface Handle {
  share: number;
  fd: number | null;
  /** Real path of the opened object. */
  path: string;
  dir: boolean;
  /** Directory snapshot for READDIR. */
  listing: string[] | null;
  /** A named stream of the file at path (host-common/streams.ts). */
  stream?: OpenStream;
}

function toStatLike(s: fs.Stats): StatLike {
  return {
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
    isSymlink: s.isSymbolicLink(),
    mode: s.mode,
    size: s.size,
    blocks: s.blocks,
    ino: s.ino,
    dev: s.dev,
    atimeMs: s.atimeMs,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    birthtimeMs: s.birthtimeMs,
    nlink: s.nlink,
  };
}

/** The node:fs primitives of path resolution and hard links. */
const ops: PathOps & LinkOps = {
  realpath: (p) => P.realpath(p),
  lstat: async (p) => toStatLike(await P.lstat(p)),
  stat: async (p) => toStatLike(await P.stat(p)),
  names: (d) => P.readdir(d),
  entries: async (d) => (await P.readdir(d, { withFileTypes: true })).map((e) => ({ name: e.name, isSymlink: e.isSymbolicLink() })),
  errno: negErrno,
  link: (existing, created) => P.link(existing, created),
  rename: (from, to) => P.rename(from, to),
  unlink: (p) => P.unlink(p),
};

export class PosixFileSystem extends HandleFileSystem<Handle> implements FileSystem {
  protected readonly xattrs: XattrStores;
  protected readonly streams: StreamTable;
  private readonly paths: ShareResolver;

  constructor(private shares: SharePaths) {
    super();
    this.paths = new ShareResolver(shares, ops);
    this.xattrs = new XattrStores(shares);
    this.streams = new StreamTable(shares, this.xattrs, {
      existing: (share, path) => this.paths.existing(share, path),
      createFile: async (share, path, mode) => {
        const id = await this.open(share, path, OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, mode, new Uint8Array(0)).catch(negErrno);
        const h = this.handles.get(id);
        if (!h) return id < 0 ? id : -EBADF;
        await this.close(id);
        return h.path;
      },
      statReal: ops.stat,
    });
  }

  /** Errors of xattr operations reach the core as thrown (it maps them with negErrno). */
  protected guard(f: () => Promise<number>): Promise<number> {
    return f();
  }

  protected streamHandle(share: number, path: string, stream: OpenStream): Handle {
    return { share, fd: null, path, dir: false, listing: null, stream };
  }

  async open(share: number, path: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    if (flags & OPEN_DIRECTORY) {
      const real = await this.paths.existing(share, path);
      if (typeof real === "number") return real;
      const s = await P.stat(real);
      if (!s.isDirectory()) return -20; // ENOTDIR
      putStat(stat, toStatLike(s));
      await this.meta(share, real, stat);
      return this.add({ share, fd: null, path: real, dir: true, listing: null });
    }
    const target = flags & OPEN_CREATE ? await this.paths.fresh(share, path, true) : await this.paths.existing(share, path);
    if (typeof target === "number") return target;
    let f = (flags & OPEN_WRITE ? C.O_RDWR : C.O_RDONLY) | C.O_NOFOLLOW;
    if (flags & OPEN_CREATE) f |= C.O_CREAT;
    if (flags & OPEN_EXCL) f |= C.O_EXCL;
    if (flags & OPEN_TRUNC) f |= C.O_TRUNC;
    const fd = await fsOpen(target, f, mode);
    if (flags & OPEN_CREATE) await this.paths.added(target);
    try {
      putStat(stat, toStatLike(await fsFstat(fd)));
      if (flags & OPEN_EXCL) await this.xattrs.created(share, target);
      if (flags & OPEN_TRUNC) await this.streams.dropAll(share, target); // an overwrite drops the streams
      await this.meta(share, target, stat);
    } catch (e) {
      await fsClose(fd);
      return negErrno(e);
    }
    return this.add({ share, fd, path: target, dir: false, listing: null });
  }

  async close(handle: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return -EBADF;
    this.handles.delete(handle);
    if (h.stream) return this.streams.close(h);
    if (h.fd !== null) await fsClose(h.fd);
    return 0;
  }

  private fd(handle: number): number {
    const h = this.handles.get(handle);
    return h && h.fd !== null ? h.fd : -1;
  }

  async read(handle: number, buf: Uint8Array, pos: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.read(s, buf, pos);
    const fd = this.fd(handle);
    if (fd < 0) return -EBADF;
    let done = 0;
    while (done < buf.length) {
      const n = await fsRead(fd, buf, done, buf.length - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  async write(handle: number, buf: Uint8Array, pos: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.write(s, buf, pos);
    const fd = this.fd(handle);
    if (fd < 0) return -EBADF;
    let done = 0;
    while (done < buf.length) {
      const n = await fsWrite(fd, buf, done, buf.length - done, pos + done);
      done += n;
    }
    return done;
  }

  async fstat(handle: number, stat: Uint8Array): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return -EBADF;
    if (h.stream) return this.streams.fstat(h, stat);
    const s = h.fd !== null ? await fsFstat(h.fd) : await P.stat(h.path);
    putStat(stat, toStatLike(s));
    await this.meta(h.share, h.path, stat);
    return 0;
  }

  async stat(share: number, path: string, stat: Uint8Array): Promise<number> {
    const real = await this.paths.existing(share, path);
    if (typeof real === "number") return real;
    putStat(stat, toStatLike(await P.stat(real)));
    await this.meta(share, real, stat);
    return 0;
  }

  async mkdir(share: number, path: string, mode: number): Promise<number> {
    const target = await this.paths.fresh(share, path, true);
    if (typeof target === "number") return target;
    await P.mkdir(target, { mode });
    await this.paths.added(target);
    await this.xattrs.created(share, target);
    return 0;
  }

  async unlink(share: number, path: string): Promise<number> {
    const target = await this.paths.fresh(share, path);
    if (typeof target === "number") return target;
    await this.xattrs.deleting(share, target);
    await P.unlink(target);
    await this.paths.removed(target);
    return 0;
  }

  async rmdir(share: number, path: string): Promise<number> {
    const target = await this.paths.fresh(share, path);
    if (typeof target === "number") return target;
    if ((await P.readdir(target)).length > 0) return -39; // ENOTEMPTY, before dropping its xattrs
    await this.xattrs.deleting(share, target);
    await P.rmdir(target);
    await this.paths.removed(target);
    return 0;
  }

  async rename(share: number, from: string, to: string, flags: number): Promise<number> {
    const r = await this.paths.renamePaths(share, from, to, (flags & RENAME_NOREPLACE) !== 0);
    if (typeof r === "number") return r;
    const { src, dst } = r;
    await P.rename(src, dst);
    await this.paths.removed(src);
    await this.paths.added(dst);
    renameHandlePaths(this.handles.values(), share, src, dst);
    return 0;
  }

  link(share: number, from: string, to: string, flags: number): Promise<number> {
    return hardLink(this.paths, ops, this.xattrs, share, from, to, flags);
  }

  async truncate(handle: number, size: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.truncate(s, size);
    const fd = this.fd(handle);
    if (fd < 0) return -EBADF;
    await fsFtruncate(fd, size);
    return 0;
  }

  async fsync(handle: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return -EBADF;
    if (h.stream) return this.streams.fsync(h);
    if (h.fd !== null) await fsFdatasync(h.fd);
    return 0;
  }

  async readdir(handle: number, index: number, out: Uint8Array, flags: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h?.dir) return -EBADF;
    if (h.listing === null || flags & READDIR_RESCAN) h.listing = await this.paths.listing(h.share, h.path);
    const names = h.listing;
    let off = 0;
    let count = 0;
    for (let i = index; i < names.length; i++) {
      const name = names[i];
      let s: fs.Stats;
      try {
        s = await P.stat(`${h.path}/${name}`);
      } catch {
        continue; // vanished since the snapshot
      }
      const next = putDirent(out, off, i, name, toStatLike(s), await this.xattrs.meta(h.share, `${h.path}/${name}`));
      if (next < 0) break;
      off = next;
      count++;
    }
    return count;
  }

  async statfs(share: number, out: Uint8Array): Promise<number> {
    const root = this.shares.root(share);
    if (root === null) return -EXSHARE;
    const s = await P.statfs(root);
    putStatfs(out, s.blocks, s.bfree, s.bavail, s.bsize);
    return 0;
  }

  async utimes(handle: number, atimeMs: number, mtimeMs: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return -EBADF;
    const cur = h.fd !== null ? await fsFstat(h.fd) : await P.stat(h.path);
    const a = Number.isNaN(atimeMs) ? cur.atimeMs : atimeMs;
    const m = Number.isNaN(mtimeMs) ? cur.mtimeMs : mtimeMs;
    if (h.fd !== null) await fsFutimes(h.fd, a / 1000, m / 1000);
    else await P.utimes(h.path, a / 1000, m / 1000);
    return 0;
  }
}

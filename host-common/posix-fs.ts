// The FileSystem capability on `node:fs` (Node's own API, and Bun's native implementation of
// it). Paths come from the core relative to a share; every one is resolved and checked to
// stay inside its share's real directory, symlinks included (review item V9). Extended
// attributes and the stat-ex metadata come from host-common/xattrs.ts.
import * as fs from "node:fs";
import { promisify } from "node:util";
import { EBADF, EXSHARE, negErrno } from "./errno.ts";
import { LINK_REPLACE, OPEN_CREATE, OPEN_DIRECTORY, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE, READDIR_RESCAN, RENAME_NOREPLACE, STAT_EX_SIZE } from "./abi.ts";
import type { FileSystem, StatLike } from "./fs-types.ts";
import { putDirent, putStat, putStatfs } from "./records.ts";
import type { SharePaths } from "./share-paths.ts";
import { CaseResolver } from "./case-insensitive.ts";

/** Directory and leaf of an absolute path. */
const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/"));
const leafOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
import { isSidecarPath, putMeta, renameHandlePaths, XattrStores } from "./xattrs.ts";
import { type OpenStream, StreamTable } from "./streams.ts";

const ENOENT = 2;
const EPERM = 1;
const EEXIST = 17;
const EISDIR = 21;

/** A name for a link about to be renamed over the one it replaces (in the same directory). */
const linkTempName = (): string => `.wasmsmb-link-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

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

export class PosixFileSystem implements FileSystem {
  private handles = new Map<number, Handle>();
  private nextHandle = 1;
  private xattrs: XattrStores;

  private names = new CaseResolver({
    readdir: (d) => P.readdir(d).then((l) => l.filter((n) => !isSidecarPath(n))),
    mtimeMs: (d) => P.stat(d).then((st) => (st.isDirectory() ? st.mtimeMs : null), () => null),
  });

  private streams: StreamTable;

  constructor(private shares: SharePaths) {
    this.xattrs = new XattrStores(shares);
    this.streams = new StreamTable(shares, this.xattrs, {
      existing: (share, path) => this.existing(share, path),
      createFile: async (share, path, mode) => {
        const id = await this.open(share, path, OPEN_CREATE | OPEN_EXCL | OPEN_WRITE, mode, new Uint8Array(0)).catch(negErrno);
        const h = this.handles.get(id);
        if (!h) return id < 0 ? id : -EBADF;
        await this.close(id);
        return h.path;
      },
      statReal: async (path) => toStatLike(await P.stat(path)),
    });
  }

  /** Fills the stat-ex extension when the core asked for it. */
  private async meta(share: number, path: string, stat: Uint8Array): Promise<void> {
    if (stat.length >= STAT_EX_SIZE) putMeta(stat, await this.xattrs.meta(share, path));
  }

  private add(h: Handle): number {
    let id = this.nextHandle;
    while (this.handles.has(id) || id <= 0 || id > 0x7fffffff) id = id >= 0x7fffffff ? 1 : id + 1;
    this.nextHandle = id + 1;
    this.handles.set(id, h);
    return id;
  }

  /** Real path of an existing object inside the share, or a negative errno. */
  private async existing(share: number, path: string): Promise<string | number> {
    if (isSidecarPath(path)) return -ENOENT;
    const full = this.shares.join(share, path);
    if (full === null) return -EXSHARE;
    try {
      const real = await P.realpath(full);
      return this.shares.contains(share, real) ? real : -EXSHARE;
    } catch (e) {
      const err = negErrno(e);
      if (err !== -ENOENT) return err;
      // not there in this spelling: look for it case-insensitively
      const root = this.shares.root(share) as string;
      const fixed = await this.names.resolve(root, path);
      if (fixed === null || fixed === path) return err;
      return this.existing(share, fixed);
    }
  }

  /**
   * Path of an entry without following a final symlink: the real parent (inside the share) +
   * the leaf — spelled as on disk when it exists in another case (unless exactLeaf).
   */
  private async fresh(share: number, path: string, exactLeaf = false): Promise<string | number> {
    if (isSidecarPath(path)) return -ENOENT;
    const slash = path.lastIndexOf("/");
    const parent = await this.existing(share, slash < 0 ? "" : path.slice(0, slash));
    if (typeof parent === "number") return parent;
    let leaf = slash < 0 ? path : path.slice(slash + 1);
    if (!exactLeaf && !(await P.lstat(`${parent}/${leaf}`).then(() => true, () => false))) {
      const fixed = await this.names.resolve(parent, leaf);
      if (fixed !== null) leaf = fixed;
    }
    return `${parent}/${leaf}`;
  }

  async open(share: number, path: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    if (flags & OPEN_DIRECTORY) {
      const real = await this.existing(share, path);
      if (typeof real === "number") return real;
      const s = await P.stat(real);
      if (!s.isDirectory()) return -20; // ENOTDIR
      putStat(stat, toStatLike(s));
      await this.meta(share, real, stat);
      return this.add({ share, fd: null, path: real, dir: true, listing: null });
    }
    const target = flags & OPEN_CREATE ? await this.fresh(share, path, true) : await this.existing(share, path);
    if (typeof target === "number") return target;
    let f = (flags & OPEN_WRITE ? C.O_RDWR : C.O_RDONLY) | C.O_NOFOLLOW;
    if (flags & OPEN_CREATE) f |= C.O_CREAT;
    if (flags & OPEN_EXCL) f |= C.O_EXCL;
    if (flags & OPEN_TRUNC) f |= C.O_TRUNC;
    const fd = await fsOpen(target, f, mode);
    if (flags & OPEN_CREATE) await this.names.changed(dirOf(target), leafOf(target), null);
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
    const real = await this.existing(share, path);
    if (typeof real === "number") return real;
    putStat(stat, toStatLike(await P.stat(real)));
    await this.meta(share, real, stat);
    return 0;
  }

  async mkdir(share: number, path: string, mode: number): Promise<number> {
    const target = await this.fresh(share, path, true);
    if (typeof target === "number") return target;
    await P.mkdir(target, { mode });
    await this.names.changed(dirOf(target), leafOf(target), null);
    await this.xattrs.created(share, target);
    return 0;
  }

  async unlink(share: number, path: string): Promise<number> {
    const target = await this.fresh(share, path);
    if (typeof target === "number") return target;
    await this.xattrs.deleting(share, target);
    await P.unlink(target);
    await this.names.changed(dirOf(target), null, leafOf(target));
    return 0;
  }

  async rmdir(share: number, path: string): Promise<number> {
    const target = await this.fresh(share, path);
    if (typeof target === "number") return target;
    if ((await P.readdir(target)).length > 0) return -39; // ENOTEMPTY, before dropping its xattrs
    await this.xattrs.deleting(share, target);
    await P.rmdir(target);
    await this.names.changed(dirOf(target), null, leafOf(target));
    return 0;
  }

  async rename(share: number, from: string, to: string, flags: number): Promise<number> {
    const src = await this.fresh(share, from);
    if (typeof src === "number") return src;
    // the target keeps the client's spelling (a rename may only change case)...
    const dst = await this.fresh(share, to, true);
    if (typeof dst === "number") return dst;
    if (flags & RENAME_NOREPLACE) {
      // ...but any other entry with that name in another case is a collision
      const other = await this.fresh(share, to);
      if (typeof other === "string" && other !== src && (await P.lstat(other).then(() => true, () => false))) return -17; // EEXIST
    }
    await P.rename(src, dst);
    await this.names.changed(dirOf(src), null, leafOf(src));
    await this.names.changed(dirOf(dst), leafOf(dst), null);
    renameHandlePaths(this.handles.values(), share, src, dst);
    return 0;
  }

  async link(share: number, from: string, to: string, flags: number): Promise<number> {
    // the file the core's open refers to: its real path, inside the share (symlinks resolved)
    const src = await this.existing(share, from);
    if (typeof src === "number") return src;
    const before = await P.lstat(src);
    if (before.isDirectory()) return -EISDIR;
    if (!before.isFile()) return -EPERM; // only regular files
    // the new name keeps the client's spelling; an entry with that name in another case is it
    const dst = await this.fresh(share, to, true);
    if (typeof dst === "number") return dst;
    const other = await this.fresh(share, to);
    const present = typeof other === "string" ? await P.lstat(other).catch(() => null) : null;
    let target = dst;
    if (!(flags & LINK_REPLACE)) {
      if (present !== null) return -EEXIST;
      await P.link(src, dst); // never follows a final symlink; EEXIST if one appeared meanwhile
    } else {
      if (present !== null) {
        if (present.isDirectory()) return -EISDIR;
        target = other as string; // the replaced entry, in its own spelling
      }
      // atomic replacement: link to a temporary name beside it, then rename over it
      const tmp = `${dirOf(target)}/${linkTempName()}`;
      await P.link(src, tmp);
      try {
        const same = present !== null && present.ino === before.ino && present.dev === before.dev;
        if (present !== null && !same) await this.xattrs.deleting(share, target); // it loses a link
        await P.rename(tmp, target);
      } finally {
        await P.unlink(tmp).catch(() => undefined); // left when target was already this file
      }
    }
    // a parent swapped for a symlink between the check and link(2) links something else: undo
    const made = await P.lstat(target).catch(() => null);
    if (made === null || made.ino !== before.ino || made.dev !== before.dev) {
      if (made !== null) await P.unlink(target).catch(() => undefined);
      return -EXSHARE;
    }
    await this.names.changed(dirOf(target), leafOf(target), null);
    return 0;
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
    if (h.listing === null || flags & READDIR_RESCAN) h.listing = await this.snapshot(h.share, h.path);
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

  /** Names in a directory, without symlinks that lead outside the share. */
  private async snapshot(share: number, dir: string): Promise<string[]> {
    const entries = await P.readdir(dir, { withFileTypes: true });
    const names: string[] = [];
    const atRoot = dir === this.shares.root(share);
    for (const e of entries) {
      if (atRoot && isSidecarPath(e.name)) continue; // the sidecar store and the stream depot

      if (e.isSymbolicLink()) {
        const real = await P.realpath(`${dir}/${e.name}`).catch(() => null);
        if (real === null || !this.shares.contains(share, real)) continue;
      }
      names.push(e.name);
    }
    return names;
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

  /** The share and path of a handle's object (xattrs are path-based: @napi-rs/xattr has no fd API). */
  private target(handle: number): Handle | null {
    return this.handles.get(handle) ?? null;
  }

  async xattrGet(handle: number, name: string, out: Uint8Array): Promise<number> {
    const h = this.target(handle);
    if (!h) return -EBADF;
    return this.xattrs.get(h.share, h.path, name, out);
  }

  async xattrSet(handle: number, name: string, value: Uint8Array, flags: number): Promise<number> {
    const h = this.target(handle);
    if (!h) return -EBADF;
    return this.xattrs.set(h.share, h.path, name, value, flags);
  }

  async xattrList(handle: number, out: Uint8Array): Promise<number> {
    const h = this.target(handle);
    if (!h) return -EBADF;
    return this.xattrs.list(h.share, h.path, out);
  }

  async xattrDel(handle: number, name: string): Promise<number> {
    const h = this.target(handle);
    if (!h) return -EBADF;
    return this.xattrs.remove(h.share, h.path, name);
  }

  // Named streams (host-common/streams.ts); a stream handle has no fd: utimes and xattrs act on its file's path.

  streamStat(share: number, path: string, name: string, stat: Uint8Array): Promise<number> {
    return this.streams.stat(share, path, name, stat);
  }

  async streamOpen(share: number, path: string, name: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    const s = await this.streams.open(share, path, name, flags, mode, stat);
    if (typeof s === "number") return s;
    return this.add({ share, fd: null, path: s.path, dir: false, listing: null, stream: s.stream });
  }

  async streamList(handle: number, out: Uint8Array): Promise<number> {
    const h = this.handles.get(handle);
    return h ? this.streams.list(h, out) : -EBADF;
  }

  streamDel(share: number, path: string, name: string): Promise<number> {
    return this.streams.del(share, path, name);
  }

  async streamRename(handle: number, name: string, flags: number): Promise<number> {
    const h = this.handles.get(handle);
    return h ? this.streams.rename(h, name, flags) : -EBADF;
  }
}

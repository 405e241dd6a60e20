// The FileSystem capability on Deno's own file APIs (Deno.open/FsFile, Deno.stat/lstat/realPath,
// Deno.readDir, …). Containment as host-common/posix-fs.ts: every path is resolved and checked to
// stay inside its share's real directory, symlinks included (review item V9). FsFile has no
// positional I/O, so the operations on one handle run one after the other (seek when needed,
// then read/write). Extended attributes (host-common/xattrs.ts) are path-based: FsFile has no
// fd to give @napi-rs/xattr, so a handle's xattrs use the path it was opened with (kept up to
// date across renames made through this server).
import { EBADF, EIO, EXSHARE, negErrno } from "../host-common/errno.ts";
import { LINK_REPLACE, OPEN_CREATE, OPEN_DIRECTORY, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE, READDIR_RESCAN, RENAME_NOREPLACE, STAT_EX_SIZE } from "../host-common/abi.ts";
import type { FileSystem, StatLike } from "../host-common/fs-types.ts";
import { putDirent, putStat, putStatfs } from "../host-common/records.ts";
import type { SharePaths } from "../host-common/share-paths.ts";
import { CaseResolver } from "../host-common/case-insensitive.ts";

/** Directory and leaf of an absolute path. */
const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/"));
const leafOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);
import { isSidecarPath, putMeta, renameHandlePaths, XattrStores } from "../host-common/xattrs.ts";
import { type OpenStream, StreamTable } from "../host-common/streams.ts";

/** A name for a link about to be renamed over the one it replaces (as host-common/posix-fs.ts). */
const linkTempName = (): string => `.wasmsmb-link-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

const EPERM = 1;
const ENOENT = 2;
const EACCES = 13;
const EEXIST = 17;
const ENOTDIR = 20;
const EISDIR = 21;
const ELOOP = 40;
const ENOTEMPTY = 39;

interface Handle {
  share: number;
  file: Deno.FsFile | null;
  /** Real path of the opened object. */
  path: string;
  dir: boolean;
  /** Directory snapshot for READDIR. */
  listing: string[] | null;
  /** Tail of this handle's operation chain (never rejects). */
  chain: Promise<unknown>;
  /** The FsFile's position after the last read/write, -1 when unknown (saves a seek when sequential). */
  pos: number;
  /** A named stream of the file at path (host-common/streams.ts; file is null). */
  stream?: OpenStream;
}

type StatfsResult = { blocks: number; bfree: number; bavail: number; bsize: number };
type StatfsFn = (path: string) => Promise<StatfsResult>;

/** Deno errors → negative errno: Deno 2 sets `code` (ENOENT…) on OS errors; NotCapable is the sandbox. */
function errno(e: unknown): number {
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) return -EACCES;
  if (e instanceof Deno.errors.BadResource) return -EBADF;
  return negErrno(e);
}

const ms = (d: Date | null): number => (d ? d.getTime() : 0);

/** Deno.FileInfo → StatLike (fields Deno leaves null get neutral values). */
export function toStatLike(s: Deno.FileInfo): StatLike {
  return {
    isFile: s.isFile,
    isDirectory: s.isDirectory,
    isSymlink: s.isSymlink,
    mode: s.mode ?? (s.isDirectory ? 0o40755 : 0o100644),
    size: s.size,
    blocks: s.blocks ?? Math.ceil(s.size / 512),
    ino: s.ino ?? 0,
    dev: s.dev ?? 0,
    atimeMs: ms(s.atime),
    mtimeMs: ms(s.mtime),
    ctimeMs: ms(s.ctime),
    birthtimeMs: ms(s.birthtime),
    nlink: s.nlink ?? 1,
  };
}

/** Runs f, mapping any thrown error to a negative errno. */
async function guard(f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    return errno(e);
  }
}

export class DenoFileSystem implements FileSystem {
  private handles = new Map<number, Handle>();
  private nextHandle = 1;
  private statfsFn: StatfsFn | null | undefined;
  private xattrs: XattrStores;

  private names = new CaseResolver({
    readdir: async (d) => {
      const out: string[] = [];
      for await (const e of Deno.readDir(d)) if (!isSidecarPath(e.name)) out.push(e.name);
      return out;
    },
    mtimeMs: (d) => Deno.stat(d).then((st) => (st.isDirectory ? (st.mtime?.getTime() ?? 0) : null), () => null),
  });

  private streams: StreamTable;

  constructor(private shares: SharePaths) {
    // a read-only share (no write permission) is probed without writing to it
    this.xattrs = new XattrStores(shares, (root) => Deno.permissions.querySync({ name: "write", path: root }).state === "granted");
    this.streams = new StreamTable(shares, this.xattrs, {
      existing: (share, path) => this.existing(share, path).catch(errno),
      createFile: async (share, path, mode) => {
        const r = await this.create(share, path, mode).catch(errno);
        if (typeof r === "number") return r;
        r.file.close();
        await this.xattrs.created(share, r.path);
        return r.path;
      },
      statReal: async (path) => toStatLike(await Deno.stat(path)),
    });
  }

  /** Fills the stat-ex extension when the core asked for it. */
  private async meta(share: number, path: string, stat: Uint8Array): Promise<void> {
    if (stat.length >= STAT_EX_SIZE) putMeta(stat, await this.xattrs.meta(share, path));
  }

  private add(share: number, file: Deno.FsFile | null, path: string, dir: boolean, stream?: OpenStream): number {
    let id = this.nextHandle;
    while (this.handles.has(id) || id <= 0 || id > 0x7fffffff) id = id >= 0x7fffffff ? 1 : id + 1;
    this.nextHandle = id + 1;
    this.handles.set(id, { share, file, path, dir, listing: null, chain: Promise.resolve(), pos: -1, stream });
    return id;
  }

  /** Runs f after every earlier operation on the handle (FsFile has one shared position). */
  private serial(h: Handle, f: () => Promise<number>): Promise<number> {
    const p = h.chain.then(() => guard(f));
    h.chain = p;
    return p;
  }

  /** Runs f(file) in the handle's chain; -EBADF for unknown handles and directories. */
  private onFile(handle: number, f: (file: Deno.FsFile, h: Handle) => Promise<number>): Promise<number> {
    const h = this.handles.get(handle);
    if (!h || h.file === null) return Promise.resolve(-EBADF);
    const file = h.file;
    return this.serial(h, () => f(file, h));
  }

  /** Moves the file position to pos unless it is there already; it is unknown until the I/O succeeds. */
  private async seekTo(file: Deno.FsFile, h: Handle, pos: number): Promise<void> {
    if (h.pos !== pos) await file.seek(pos, Deno.SeekMode.Start);
    h.pos = -1;
  }

  /** Real path of an existing object inside the share, or a negative errno. */
  private async existing(share: number, path: string): Promise<string | number> {
    if (isSidecarPath(path)) return -ENOENT;
    const full = this.shares.join(share, path);
    if (full === null) return -EXSHARE;
    try {
      const real = await Deno.realPath(full);
      return this.shares.contains(share, real) ? real : -EXSHARE;
    } catch (e) {
      const err = errno(e);
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
    if (!exactLeaf && !(await Deno.lstat(`${parent}/${leaf}`).then(() => true, () => false))) {
      const fixed = await this.names.resolve(parent, leaf);
      if (fixed !== null) leaf = fixed;
    }
    return `${parent}/${leaf}`;
  }

  /**
   * Opens an existing object by its real path. Deno has no O_NOFOLLOW: the opened file must be
   * the one lstat finds at that path (not a symlink swapped in after realPath); only then is it
   * truncated.
   */
  private async openReal(real: string, write: boolean, trunc: boolean): Promise<Deno.FsFile | number> {
    const file = await Deno.open(real, { read: true, write });
    try {
      const [fst, lst] = await Promise.all([file.stat(), Deno.lstat(real)]);
      if (lst.isSymlink || fst.ino !== lst.ino || fst.dev !== lst.dev) {
        file.close();
        return -ELOOP;
      }
      if (trunc) await file.truncate(0);
      return file;
    } catch (e) {
      file.close();
      return errno(e);
    }
  }

  /** Creates a new file (O_CREAT|O_EXCL: never follows a symlink at the leaf). */
  private async create(share: number, path: string, mode: number): Promise<{ file: Deno.FsFile; path: string } | number> {
    const target = await this.fresh(share, path, true);
    if (typeof target === "number") return target;
    try {
      const file = await Deno.open(target, { read: true, write: true, createNew: true, mode });
      await this.names.changed(dirOf(target), leafOf(target), null);
      return { file, path: target };
    } catch (e) {
      return errno(e);
    }
  }

  /** Opens or creates share:path as flags say; returns the file and its real path, or an errno. */
  private async openFile(share: number, path: string, flags: number, mode: number): Promise<{ file: Deno.FsFile; path: string } | number> {
    const write = (flags & (OPEN_WRITE | OPEN_TRUNC)) !== 0;
    const trunc = (flags & OPEN_TRUNC) !== 0;
    if (!(flags & OPEN_CREATE)) {
      const real = await this.existing(share, path);
      if (typeof real === "number") return real;
      const file = await this.openReal(real, write, trunc);
      return typeof file === "number" ? file : { file, path: real };
    }
    if (flags & OPEN_EXCL) return this.create(share, path, mode);
    // open-or-create: the existing object, else a new file; a second round covers a file
    // created by someone else in between. A leaf that stays unresolvable is a dangling symlink.
    for (let round = 0; round < 2; round++) {
      const real = await this.existing(share, path);
      if (typeof real === "string") {
        const file = await this.openReal(real, write, trunc);
        return typeof file === "number" ? file : { file, path: real };
      }
      if (real !== -ENOENT) return real;
      const created = await this.create(share, path, mode);
      if (created !== -EEXIST) return created;
    }
    return -ELOOP;
  }

  open(share: number, path: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    return guard(async () => {
      if (flags & OPEN_DIRECTORY) {
        const real = await this.existing(share, path);
        if (typeof real === "number") return real;
        const s = await Deno.stat(real);
        if (!s.isDirectory) return -ENOTDIR;
        putStat(stat, toStatLike(s));
        await this.meta(share, real, stat);
        return this.add(share, null, real, true);
      }
      const r = await this.openFile(share, path, flags, mode);
      if (typeof r === "number") return r;
      try {
        putStat(stat, toStatLike(await r.file.stat()));
        if (flags & OPEN_EXCL) await this.xattrs.created(share, r.path);
        if (flags & OPEN_TRUNC) await this.streams.dropAll(share, r.path); // an overwrite drops the streams
        await this.meta(share, r.path, stat);
      } catch (e) {
        r.file.close();
        return errno(e);
      }
      return this.add(share, r.file, r.path, false);
    });
  }

  close(handle: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    this.handles.delete(handle);
    if (h.stream) return this.streams.close(h);
    const file = h.file;
    if (file === null) return Promise.resolve(0);
    return this.serial(h, async () => {
      file.close();
      return 0;
    });
  }

  read(handle: number, buf: Uint8Array, pos: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.read(s, buf, pos);
    return this.onFile(handle, async (file, h) => {
      await this.seekTo(file, h, pos);
      let done = 0;
      while (done < buf.length) {
        const n = await file.read(buf.subarray(done));
        if (n === null || n === 0) break;
        done += n;
      }
      h.pos = pos + done;
      return done;
    });
  }

  write(handle: number, buf: Uint8Array, pos: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.write(s, buf, pos);
    return this.onFile(handle, async (file, h) => {
      await this.seekTo(file, h, pos);
      let done = 0;
      while (done < buf.length) {
        const n = await file.write(buf.subarray(done));
        if (n <= 0) return -EIO;
        done += n;
      }
      h.pos = pos + done;
      return done;
    });
  }

  fstat(handle: number, stat: Uint8Array): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    if (h.stream) return this.streams.fstat(h, stat);
    return this.serial(h, async () => {
      putStat(stat, toStatLike(h.file !== null ? await h.file.stat() : await Deno.stat(h.path)));
      await this.meta(h.share, h.path, stat);
      return 0;
    });
  }

  stat(share: number, path: string, stat: Uint8Array): Promise<number> {
    return guard(async () => {
      const real = await this.existing(share, path);
      if (typeof real === "number") return real;
      putStat(stat, toStatLike(await Deno.stat(real)));
      await this.meta(share, real, stat);
      return 0;
    });
  }

  mkdir(share: number, path: string, mode: number): Promise<number> {
    return guard(async () => {
      const target = await this.fresh(share, path, true);
      if (typeof target === "number") return target;
      await Deno.mkdir(target, { mode });
      await this.names.changed(dirOf(target), leafOf(target), null);
      await this.xattrs.created(share, target);
      return 0;
    });
  }

  /** Deno.remove removes files and empty directories alike: check the type as unlink/rmdir would. */
  private remove(share: number, path: string, dir: boolean): Promise<number> {
    return guard(async () => {
      const target = await this.fresh(share, path);
      if (typeof target === "number") return target;
      const s = await Deno.lstat(target);
      if (dir && !s.isDirectory) return -ENOTDIR;
      if (!dir && s.isDirectory) return -EISDIR;
      if (dir) {
        for await (const _ of Deno.readDir(target)) return -ENOTEMPTY; // before dropping its xattrs
      }
      await this.xattrs.deleting(share, target);
      await Deno.remove(target);
      await this.names.changed(dirOf(target), null, leafOf(target));
      return 0;
    });
  }

  unlink(share: number, path: string): Promise<number> {
    return this.remove(share, path, false);
  }

  rmdir(share: number, path: string): Promise<number> {
    return this.remove(share, path, true);
  }

  rename(share: number, from: string, to: string, flags: number): Promise<number> {
    return guard(async () => {
      const src = await this.fresh(share, from);
      if (typeof src === "number") return src;
      // the target keeps the client's spelling (a rename may only change case)...
      const dst = await this.fresh(share, to, true);
      if (typeof dst === "number") return dst;
      if (flags & RENAME_NOREPLACE) {
        // ...but any other entry with that name in another case is a collision
        const other = await this.fresh(share, to);
        if (typeof other === "string" && other !== src && (await Deno.lstat(other).then(() => true, () => false))) return -EEXIST;
      }
      await Deno.rename(src, dst);
      await this.names.changed(dirOf(src), null, leafOf(src));
      await this.names.changed(dirOf(dst), leafOf(dst), null);
      renameHandlePaths(this.handles.values(), share, src, dst);
      return 0;
    });
  }

  link(share: number, from: string, to: string, flags: number): Promise<number> {
    return guard(async () => {
      // the file the core's open refers to: its real path, inside the share (symlinks resolved)
      const src = await this.existing(share, from);
      if (typeof src === "number") return src;
      const before = await Deno.lstat(src);
      if (before.isDirectory) return -EISDIR;
      if (!before.isFile) return -EPERM; // only regular files
      const sameFile = (s: Deno.FileInfo) => s.ino === before.ino && s.dev === before.dev;
      // the new name keeps the client's spelling; an entry with that name in another case is it
      const dst = await this.fresh(share, to, true);
      if (typeof dst === "number") return dst;
      const other = await this.fresh(share, to);
      const present = typeof other === "string" ? await Deno.lstat(other).catch(() => null) : null;
      let target = dst;
      if (!(flags & LINK_REPLACE)) {
        if (present !== null) return -EEXIST;
        await Deno.link(src, dst); // never follows a final symlink; EEXIST if one appeared meanwhile
      } else {
        if (present !== null) {
          if (present.isDirectory) return -EISDIR;
          target = other as string; // the replaced entry, in its own spelling
        }
        // atomic replacement: link to a temporary name beside it, then rename over it
        const tmp = `${dirOf(target)}/${linkTempName()}`;
        await Deno.link(src, tmp);
        try {
          if (present !== null && !sameFile(present)) await this.xattrs.deleting(share, target); // it loses a link
          await Deno.rename(tmp, target);
        } finally {
          await Deno.remove(tmp).catch(() => undefined); // left when target was already this file
        }
      }
      // a parent swapped for a symlink between the check and link(2) links something else: undo
      const made = await Deno.lstat(target).catch(() => null);
      if (made === null || !sameFile(made)) {
        if (made !== null) await Deno.remove(target).catch(() => undefined);
        return -EXSHARE;
      }
      await this.names.changed(dirOf(target), leafOf(target), null);
      return 0;
    });
  }

  truncate(handle: number, size: number): Promise<number> {
    const s = this.handles.get(handle);
    if (s?.stream) return this.streams.truncate(s, size);
    return this.onFile(handle, async (file) => {
      await file.truncate(size);
      return 0;
    });
  }

  fsync(handle: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    if (h.stream) return this.streams.fsync(h);
    const file = h.file;
    if (file === null) return Promise.resolve(0);
    return this.serial(h, async () => {
      await file.syncData();
      return 0;
    });
  }

  readdir(handle: number, index: number, out: Uint8Array, flags: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h?.dir) return Promise.resolve(-EBADF);
    return this.serial(h, async () => {
      if (h.listing === null || flags & READDIR_RESCAN) h.listing = await this.snapshot(h.share, h.path);
      const names = h.listing;
      let off = 0;
      let count = 0;
      for (let i = index; i < names.length; i++) {
        const name = names[i];
        let s: Deno.FileInfo;
        try {
          s = await Deno.stat(`${h.path}/${name}`);
        } catch {
          continue; // vanished since the snapshot
        }
        const next = putDirent(out, off, i, name, toStatLike(s), await this.xattrs.meta(h.share, `${h.path}/${name}`));
        if (next < 0) break;
        off = next;
        count++;
      }
      return count;
    });
  }

  /** Names in a directory, without symlinks that lead outside the share. */
  private async snapshot(share: number, dir: string): Promise<string[]> {
    const names: string[] = [];
    const atRoot = dir === this.shares.root(share);
    for await (const e of Deno.readDir(dir)) {
      if (atRoot && isSidecarPath(e.name)) continue; // the sidecar store and the stream depot
      if (e.isSymlink) {
        const real = await Deno.realPath(`${dir}/${e.name}`).catch(() => null);
        if (real === null || !this.shares.contains(share, real)) continue;
      }
      names.push(e.name);
    }
    return names;
  }

  /**
   * Deno has no statfs API of its own. node:fs statfs works under Deno with --allow-sys=statfs
   * (scripts/run-deno.mjs grants it); without that permission the volume size is reported as
   * 0 (unknown).
   */
  private async hostStatfs(): Promise<StatfsFn | null> {
    if (this.statfsFn !== undefined) return this.statfsFn;
    this.statfsFn = null;
    if (Deno.permissions.querySync({ name: "sys", kind: "statfs" }).state === "granted") {
      const nodeFs = await import("node:fs");
      this.statfsFn = (p) => nodeFs.promises.statfs(p);
    }
    return this.statfsFn;
  }

  statfs(share: number, out: Uint8Array): Promise<number> {
    return guard(async () => {
      const root = this.shares.root(share);
      if (root === null) return -EXSHARE;
      const f = await this.hostStatfs();
      const s = f ? await f(root) : { blocks: 0, bfree: 0, bavail: 0, bsize: 0 };
      putStatfs(out, s.blocks, s.bfree, s.bavail, s.bsize);
      return 0;
    });
  }

  utimes(handle: number, atimeMs: number, mtimeMs: number): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    return this.serial(h, async () => {
      const cur = h.file !== null ? await h.file.stat() : await Deno.stat(h.path);
      const a = Number.isNaN(atimeMs) ? (cur.atime ?? cur.mtime ?? new Date()) : new Date(atimeMs);
      const m = Number.isNaN(mtimeMs) ? (cur.mtime ?? new Date()) : new Date(mtimeMs);
      if (h.file !== null) await h.file.utime(a, m);
      else await Deno.utime(h.path, a, m);
      return 0;
    });
  }

  /** xattrs of a handle's object, by the path it was opened with (see the file comment). */
  private xattrOp(handle: number, f: (h: Handle) => Promise<number>): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    return guard(() => f(h));
  }

  xattrGet(handle: number, name: string, out: Uint8Array): Promise<number> {
    return this.xattrOp(handle, (h) => this.xattrs.get(h.share, h.path, name, out));
  }

  xattrSet(handle: number, name: string, value: Uint8Array, flags: number): Promise<number> {
    return this.xattrOp(handle, (h) => this.xattrs.set(h.share, h.path, name, value, flags));
  }

  xattrList(handle: number, out: Uint8Array): Promise<number> {
    return this.xattrOp(handle, (h) => this.xattrs.list(h.share, h.path, out));
  }

  xattrDel(handle: number, name: string): Promise<number> {
    return this.xattrOp(handle, (h) => this.xattrs.remove(h.share, h.path, name));
  }

  // Named streams (host-common/streams.ts); a stream handle has no FsFile: utimes and xattrs act on its file's path.

  streamStat(share: number, path: string, name: string, stat: Uint8Array): Promise<number> {
    return this.streams.stat(share, path, name, stat);
  }

  async streamOpen(share: number, path: string, name: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    const s = await this.streams.open(share, path, name, flags, mode, stat);
    return typeof s === "number" ? s : this.add(share, null, s.path, false, s.stream);
  }

  streamList(handle: number, out: Uint8Array): Promise<number> {
    const h = this.handles.get(handle);
    return h ? this.streams.list(h, out) : Promise.resolve(-EBADF);
  }

  streamDel(share: number, path: string, name: string): Promise<number> {
    return this.streams.del(share, path, name);
  }

  streamRename(handle: number, name: string, flags: number): Promise<number> {
    const h = this.handles.get(handle);
    return h ? this.streams.rename(h, name, flags) : Promise.resolve(-EBADF);
  }
}

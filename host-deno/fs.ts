// The FileSystem capability on Deno's own file APIs (Deno.open/FsFile, Deno.stat/lstat/realPath,
// Deno.readDir, …). Containment as host-common/posix-fs.ts: every path is resolved and checked to
// stay inside its share's real directory, symlinks included (review item V9) — the resolution is
// host-common/resolve.ts, on the Deno primitives of host-deno/deno-ops.ts. FsFile has no
// positional I/O, so the operations on one handle run one after the other (seek when needed,
// then read/write). Extended attributes (host-common/xattrs.ts, passed on by
// host-common/handle-fs.ts) are path-based: FsFile has no fd to give @napi-rs/xattr, so a
// handle's xattrs use the path it was opened with (kept up to date across renames made through
// this server).
import { EBADF, EIO, EXSHARE } from "../host-common/errno.ts";
import { OPEN_CREATE, OPEN_DIRECTORY, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE, READDIR_RESCAN, RENAME_NOREPLACE } from "../host-common/abi.ts";
import type { FileSystem } from "../host-common/fs-types.ts";
import { putDirent, putStat, putStatfs } from "../host-common/records.ts";
import type { SharePaths } from "../host-common/share-paths.ts";
import { ShareResolver } from "../host-common/resolve.ts";
import { hardLink } from "../host-common/hard-links.ts";
import { HandleFileSystem } from "../host-common/handle-fs.ts";
import { renameHandlePaths, XattrStores } from "../host-common/xattrs.ts";
import { type OpenStream, StreamTable } from "../host-common/streams.ts";
import { denoOps, errno, guard, toStatLike } from "./deno-ops.ts";

const ENOENT = 2;
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

export class DenoFileSystem extends HandleFileSystem<Handle> implements FileSystem {
  private statfsFn: StatfsFn | null | undefined;
  protected readonly xattrs: XattrStores;
  protected readonly streams: StreamTable;
  private readonly paths: ShareResolver;

  constructor(private shares: SharePaths) {
    super();
    this.paths = new ShareResolver(shares, denoOps);
    // a read-only share (no write permission) is probed without writing to it
    this.xattrs = new XattrStores(shares, (root) => Deno.permissions.querySync({ name: "write", path: root }).state === "granted");
    this.streams = new StreamTable(shares, this.xattrs, {
      existing: (share, path) => this.paths.existing(share, path).catch(errno),
      createFile: async (share, path, mode) => {
        const r = await this.create(share, path, mode).catch(errno);
        if (typeof r === "number") return r;
        r.file.close();
        await this.xattrs.created(share, r.path);
        return r.path;
      },
      statReal: denoOps.stat,
    });
  }

  /** Errors of xattr operations map to errnos here (Deno's error classes, see deno-ops.ts). */
  protected guard(f: () => Promise<number>): Promise<number> {
    return guard(f);
  }

  private handle(share: number, file: Deno.FsFile | null, path: string, dir: boolean, stream?: OpenStream): Handle {
    return { share, file, path, dir, listing: null, chain: Promise.resolve(), pos: -1, stream };
  }

  protected streamHandle(share: number, path: string, stream: OpenStream): Handle {
    return this.handle(share, null, path, false, stream);
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
    const target = await this.paths.fresh(share, path, true);
    if (typeof target === "number") return target;
    try {
      const file = await Deno.open(target, { read: true, write: true, createNew: true, mode });
      await this.paths.added(target);
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
      const real = await this.paths.existing(share, path);
      if (typeof real === "number") return real;
      const file = await this.openReal(real, write, trunc);
      return typeof file === "number" ? file : { file, path: real };
    }
    if (flags & OPEN_EXCL) return this.create(share, path, mode);
    // open-or-create: the existing object, else a new file; a second round covers a file
    // created by someone else in between. A leaf that stays unresolvable is a dangling symlink.
    for (let round = 0; round < 2; round++) {
      const real = await this.paths.existing(share, path);
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
        const real = await this.paths.existing(share, path);
        if (typeof real === "number") return real;
        const s = await Deno.stat(real);
        if (!s.isDirectory) return -ENOTDIR;
        putStat(stat, toStatLike(s));
        await this.meta(share, real, stat);
        return this.add(this.handle(share, null, real, true));
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
      return this.add(this.handle(share, r.file, r.path, false));
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
      const real = await this.paths.existing(share, path);
      if (typeof real === "number") return real;
      putStat(stat, toStatLike(await Deno.stat(real)));
      await this.meta(share, real, stat);
      return 0;
    });
  }

  mkdir(share: number, path: string, mode: number): Promise<number> {
    return guard(async () => {
      const target = await this.paths.fresh(share, path, true);
      if (typeof target === "number") return target;
      await Deno.mkdir(target, { mode });
      await this.paths.added(target);
      await this.xattrs.created(share, target);
      return 0;
    });
  }

  /** Deno.remove removes files and empty directories alike: check the type as unlink/rmdir would. */
  private remove(share: number, path: string, dir: boolean): Promise<number> {
    return guard(async () => {
      const target = await this.paths.fresh(share, path);
      if (typeof target === "number") return target;
      const s = await Deno.lstat(target);
      if (dir && !s.isDirectory) return -ENOTDIR;
      if (!dir && s.isDirectory) return -EISDIR;
      if (dir) {
        for await (const _ of Deno.readDir(target)) return -ENOTEMPTY; // before dropping its xattrs
      }
      await this.xattrs.deleting(share, target);
      await Deno.remove(target);
      await this.paths.removed(target);
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
      const r = await this.paths.renamePaths(share, from, to, (flags & RENAME_NOREPLACE) !== 0);
      if (typeof r === "number") return r;
      const { src, dst } = r;
      await Deno.rename(src, dst);
      await this.paths.removed(src);
      await this.paths.added(dst);
      renameHandlePaths(this.handles.values(), share, src, dst);
      return 0;
    });
  }

  link(share: number, from: string, to: string, flags: number): Promise<number> {
    return guard(() => hardLink(this.paths, denoOps, this.xattrs, share, from, to, flags));
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
      if (h.listing === null || flags & READDIR_RESCAN) h.listing = await this.paths.listing(h.share, h.path);
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
}

// Named data streams (MS-FSCC 2.1.5.3; MS-FSA 2.1.1.5) for the hosts' FileSystems, written once
// for Node, Deno and Bun: abi.wit stream-stat/-open/-list/-del/-rename, and read, write,
// truncate, fstat, fsync and close on a stream handle. Paths are resolved by the FileSystem
// (StreamHost: containment, symlinks, case); storage is host-common/stream-depot.ts (small
// streams in Samba's user.DosStream.* xattrs, larger ones in the share's depot). Every handle
// of one stream shares one OpenStream (its operations run one after the other); an xattr-kept
// stream is held in memory and written back on each change, a depot one is positional file I/O.
import type * as fsp from "node:fs/promises";
import { OPEN_CREATE, OPEN_EXCL, OPEN_TRUNC, STAT_EX_SIZE, STREAM_RENAME_NOREPLACE } from "./abi.ts";
import { EBADF, EINVAL, EXSHARE, negErrno } from "./errno.ts";
import type { StatLike } from "./fs-types.ts";
import { putStat } from "./records.ts";
import type { SharePaths } from "./share-paths.ts";
import { putMeta, type XattrStores } from "./xattrs.ts";
import { DEPOT_HEADER, Depot, fold, type Inode, inodeOf, openAndFill, putStreamRecords, readFull, roundUp, STREAM_XATTR_MAX, StreamStore, validStreamName, writeAll } from "./stream-depot.ts";

const ENOENT = 2;
const EACCES = 13;
const EEXIST = 17;
/** xattr errors meaning "no room for this value here": the stream goes to the depot instead. */
const NO_ROOM = new Set([-7, -28, -34, -95, -122]); // E2BIG ENOSPC ERANGE ENOTSUP EDQUOT

/** What a FileSystem lends the stream table. */
export interface StreamHost {
  /** Real path of an existing object of the share, resolved and checked as every path operation; or -errno. */
  existing(share: number, path: string): Promise<string | number>;
  /** Creates the empty regular file share:path (exclusively, as an open with create+excl); its real path, or -errno. */
  createFile(share: number, path: string, mode: number): Promise<string | number>;
  /** stat of a real path, as the FileSystem reports it. */
  statReal(real: string): Promise<StatLike>;
}

/** A stream in use: one per (share, inode, folded name), shared by its handles. */
export class OpenStream {
  refs = 0;
  /** Deleted, or renamed to the default stream: no longer reachable by its name. */
  gone = false;
  /** The content of a stream kept in an xattr; null once it lives in a file. */
  data: Uint8Array | null = null;
  /** Its depot file, or after a rename to the default stream the file itself. */
  file: fsp.FileHandle | null = null;
  /** Where the stream's byte 0 is in file. */
  base = 0;
  chain: Promise<unknown> = Promise.resolve();
  constructor(
    public key: string,
    readonly share: number,
    readonly id: Inode,
    public name: string,
  ) {}
}

/** What the table needs of a FileSystem handle: its share, its file's current real path, its stream. */
export interface StreamRef {
  share: number;
  path: string;
  stream?: OpenStream;
}

const errnoError = (errno: number) => Object.assign(new Error(`errno ${errno}`), { errno });

async function guard<T>(f: () => Promise<T>): Promise<T | number> {
  try {
    return await f();
  } catch (e) {
    return negErrno(e);
  }
}

/** The streams of every share of one FileSystem. */
export class StreamTable {
  private inUse = new Map<string, OpenStream>();
  private stores = new Map<number, Promise<StreamStore>>();

  constructor(
    private shares: SharePaths,
    private xattrs: XattrStores,
    private host: StreamHost,
  ) {}

  /** The stream store of a share (its xattr backend is chosen at start-up). */
  private store(share: number): Promise<StreamStore> {
    let st = this.stores.get(share);
    if (!st) {
      const root = this.shares.root(share);
      if (root === null) return Promise.reject(errnoError(EXSHARE));
      st = this.xattrs.backend(share).then((b) => new StreamStore(root, b));
      this.stores.set(share, st);
    }
    return st;
  }

  private static key(share: number, id: Inode, name: string): string {
    return `${share}:${id.dev}-${id.ino}:${fold(name)}`;
  }

  /** Runs f after every earlier operation on s. */
  private run<T>(s: OpenStream, f: () => Promise<T>): Promise<T> {
    const p = s.chain.then(f);
    s.chain = p.catch(() => undefined);
    return p;
  }

  /** Moves s (kept in an xattr) to the depot with content data. */
  private async toDepot(real: string, s: OpenStream, data: Uint8Array): Promise<void> {
    const store = await this.store(s.share);
    s.file = await store.depot.create(s.id, s.name, data, s.gone);
    s.base = DEPOT_HEADER;
    s.data = null;
    if (!s.gone) await store.dropXattr(real, s.name);
  }

  /** Makes next the content of s (kept in an xattr): its xattr, or the depot when too large or refused. */
  private async setData(real: string, s: OpenStream, next: Uint8Array): Promise<void> {
    if (next.length <= STREAM_XATTR_MAX) {
      if (s.gone) {
        s.data = next;
        return;
      }
      try {
        await (await this.store(s.share)).setXattr(real, s.name, next);
        s.data = next;
        return;
      } catch (e) {
        if (!NO_ROOM.has(negErrno(e))) throw e;
      }
    }
    await this.toDepot(real, s, next);
  }

  /** Sets the size of s. */
  private async resize(real: string, s: OpenStream, size: number): Promise<void> {
    if (s.file === null && size > STREAM_XATTR_MAX) await this.toDepot(real, s, s.data as Uint8Array);
    if (s.file !== null) {
      await s.file.truncate(s.base + size);
      return;
    }
    const cur = s.data as Uint8Array;
    const next = new Uint8Array(size);
    next.set(cur.subarray(0, Math.min(size, cur.length)));
    await this.setData(real, s, next);
  }

  /** Size and allocation of s. */
  private async sizeOf(s: OpenStream): Promise<{ size: number; alloc: number }> {
    if (s.file !== null) {
      const st = await s.file.stat();
      return { size: Math.max(0, st.size - s.base), alloc: Math.max(0, st.blocks * 512 - s.base) };
    }
    const n = (s.data as Uint8Array).length;
    return { size: n, alloc: roundUp(n) };
  }

  /**
   * The file's stat (and stat-ex) into stat; with a stream's size and allocation, a regular
   * file's (as Samba's streams_xattr: a stream of a directory is data, not a directory).
   */
  private async fill(stat: Uint8Array, share: number, real: string, sizes: { size: number; alloc: number } | null): Promise<void> {
    const st = await this.host.statReal(real);
    const ofStream = { isFile: true, isDirectory: false, isSymlink: false, size: sizes?.size ?? 0, blocks: (sizes?.alloc ?? 0) / 512 };
    putStat(stat, sizes ? { ...st, ...ofStream } : st);
    if (stat.length >= STAT_EX_SIZE) putMeta(stat, await this.xattrs.meta(share, real));
  }

  /** The file of a stream open (created when missing and flags have OPEN_CREATE). */
  private async baseFile(share: number, path: string, flags: number, mode: number): Promise<string | number> {
    let real = await this.host.existing(share, path);
    if (real === -ENOENT && flags & OPEN_CREATE) {
      real = await this.host.createFile(share, path, mode);
      if (real === -EEXIST) real = await this.host.existing(share, path);
    }
    return real;
  }

  /** stream-stat: the file's stat into stat; 0 when stream `name` exists, else -ENOENT. */
  stat(share: number, path: string, name: string, stat: Uint8Array): Promise<number> {
    if (!validStreamName(name)) return Promise.resolve(-EINVAL);
    return guard(async () => {
      const real = await this.host.existing(share, path);
      if (typeof real === "number") return real;
      const id = await inodeOf(real);
      const s = this.inUse.get(StreamTable.key(share, id, name));
      if (s) s.refs++; // kept open while asked
      const sizes = s ? await this.run(s, () => this.sizeOf(s)).finally(() => this.release(s)) : await (await this.store(share)).find(real, id, name);
      await this.fill(stat, share, real, sizes);
      return sizes ? 0 : -ENOENT;
    });
  }

  /**
   * stream-open: flags as OPEN_* (create: the stream, and its file when missing; excl: -EEXIST
   * when the stream exists; trunc). Fills stat; returns the stream and its file's real path for
   * a new handle, or -errno.
   */
  open(share: number, path: string, name: string, flags: number, mode: number, stat: Uint8Array): Promise<{ stream: OpenStream; path: string } | number> {
    if (!validStreamName(name)) return Promise.resolve(-EINVAL);
    return guard(async () => {
      const real = await this.baseFile(share, path, flags, mode);
      if (typeof real === "number") return real;
      const id = await inodeOf(real);
      if (!id.isFile && !id.isDir) return -EACCES;
      const key = StreamTable.key(share, id, name);
      let s = this.inUse.get(key);
      let created = false;
      if (s === undefined) {
        const found = await (await this.store(share)).find(real, id, name);
        if (found === null ? !(flags & OPEN_CREATE) : flags & OPEN_EXCL) return found === null ? -ENOENT : -EEXIST;
        const fresh = new OpenStream(key, share, id, found?.name ?? name);
        if (found?.depot) {
          fresh.file = await Depot.open(found.depot);
          fresh.base = DEPOT_HEADER;
        } else fresh.data = found?.value ?? new Uint8Array(0);
        s = this.inUse.get(key); // another open may have come first meanwhile: it wins
        if (s === undefined) {
          s = fresh;
          this.inUse.set(key, s);
          created = found === null;
        } else fresh.file?.close().catch(() => undefined);
      }
      if (!created && flags & OPEN_EXCL) return -EEXIST;
      const st = s;
      st.refs++;
      try {
        if (created) await this.run(st, () => this.setData(real, st, new Uint8Array(0)));
        if (flags & OPEN_TRUNC && !created) await this.run(st, () => this.resize(real, st, 0));
        await this.fill(stat, share, real, await this.run(st, () => this.sizeOf(st)));
      } catch (e) {
        await this.release(st);
        throw e;
      }
      return { stream: st, path: real };
    });
  }

  /** Drops a handle's reference; the last one closes the stream's file. */
  private release(s: OpenStream): Promise<void> {
    s.refs--;
    return this.run(s, async () => {
      if (s.refs > 0) return;
      if (this.inUse.get(s.key) === s) this.inUse.delete(s.key);
      const f = s.file;
      s.file = null;
      await f?.close();
    });
  }

  close(h: StreamRef): Promise<number> {
    const s = h.stream;
    if (!s) return Promise.resolve(-EBADF);
    return guard(() => this.release(s).then(() => 0));
  }

  /** Runs f on a stream handle's stream after its earlier operations; errors → -errno. */
  private on(h: StreamRef, f: (s: OpenStream) => Promise<number>): Promise<number> {
    const s = h.stream;
    return s ? (guard(() => this.run(s, () => f(s))) as Promise<number>) : Promise.resolve(-EBADF);
  }

  read(h: StreamRef, buf: Uint8Array, pos: number): Promise<number> {
    return this.on(h, async (s) => {
      if (s.file !== null) return readFull(s.file, buf, s.base + pos);
      const d = s.data as Uint8Array;
      const n = Math.max(0, Math.min(buf.length, d.length - pos));
      buf.set(d.subarray(pos, pos + n));
      return n;
    });
  }

  write(h: StreamRef, buf: Uint8Array, pos: number): Promise<number> {
    return this.on(h, async (s) => {
      if (buf.length === 0) return 0;
      const end = pos + buf.length;
      if (s.file === null && end <= STREAM_XATTR_MAX) {
        const cur = s.data as Uint8Array;
        const next = new Uint8Array(Math.max(cur.length, end));
        next.set(cur);
        next.set(buf, pos);
        await this.setData(h.path, s, next);
        if (s.file === null) return buf.length;
      } else if (s.file === null) await this.toDepot(h.path, s, s.data as Uint8Array);
      await writeAll(s.file as fsp.FileHandle, buf, s.base + pos);
      return buf.length;
    });
  }

  truncate(h: StreamRef, size: number): Promise<number> {
    return this.on(h, (s) => this.resize(h.path, s, size).then(() => 0));
  }

  fstat(h: StreamRef, stat: Uint8Array): Promise<number> {
    return this.on(h, async (s) => {
      await this.fill(stat, h.share, h.path, await this.sizeOf(s));
      return 0;
    });
  }

  fsync(h: StreamRef): Promise<number> {
    return this.on(h, async (s) => {
      await s.file?.datasync();
      return 0;
    });
  }

  /**
   * stream-list of a handle's file (the handle may be the file's, its directory's or one of its
   * streams'): records u64 size, u64 allocation, u32 name bytes, u32 0, UTF-8 name, zeros to 8;
   * "" (the default stream) first for a file. Whole records only; returns the full length.
   */
  list(h: StreamRef, out: Uint8Array): Promise<number> {
    return guard(async () => {
      const id = await inodeOf(h.path);
      const recs = id.isFile ? [{ name: "", size: id.size, alloc: id.blocks * 512 }] : [];
      recs.push(...(await (await this.store(h.share)).list(h.path, id)));
      return putStreamRecords(out, recs);
    });
  }

  /** stream-del: 0, or -ENOENT when the stream does not exist. */
  del(share: number, path: string, name: string): Promise<number> {
    if (!validStreamName(name)) return Promise.resolve(-EINVAL);
    return guard(async () => {
      const real = await this.host.existing(share, path);
      if (typeof real === "number") return real;
      const id = await inodeOf(real);
      const key = StreamTable.key(share, id, name);
      const s = this.inUse.get(key);
      if (s) {
        s.gone = true; // its open handles keep their data; nothing reaches the name any more
        this.inUse.delete(key);
        await s.chain;
      }
      return (await (await this.store(share)).remove(real, id, name)) || s ? 0 : -ENOENT;
    });
  }

  /**
   * stream-rename of a stream handle's stream to `to` ("" = the file's default stream, which
   * must be empty): -EEXIST when the target exists and flags has NOREPLACE, -EINVAL when it is
   * not empty (an empty one is replaced).
   */
  rename(h: StreamRef, to: string, flags: number): Promise<number> {
    const s = h.stream;
    if (!s || s.gone || (to !== "" && !validStreamName(to))) return Promise.resolve(-EINVAL);
    return guard(() =>
      this.run(s, async () => {
        if (to === "") return this.toDefault(h.path, s, flags);
        const key = StreamTable.key(s.share, s.id, to);
        if (key !== s.key) {
          if (this.inUse.has(key)) return flags & STREAM_RENAME_NOREPLACE ? -EEXIST : -EACCES; // open: the core refuses first
          const store = await this.store(s.share);
          const t = await store.find(h.path, s.id, to);
          if (t !== null) {
            if (flags & STREAM_RENAME_NOREPLACE) return -EEXIST;
            if (t.size > 0) return -EINVAL;
            await store.remove(h.path, s.id, to);
          }
        }
        await this.move(h.path, s, to);
        if (this.inUse.get(s.key) === s) this.inUse.delete(s.key);
        s.key = key;
        s.name = to;
        this.inUse.set(key, s);
        return 0;
      }),
    );
  }

  /** Stores s under the name `to` and removes it from its old one. */
  private async move(real: string, s: OpenStream, to: string): Promise<void> {
    const store = await this.store(s.share);
    if (s.file !== null) {
      await store.depot.rename(s.id, s.name, to, s.file);
      return;
    }
    const from = s.name;
    s.name = to;
    try {
      await this.setData(real, s, s.data as Uint8Array);
    } catch (e) {
      s.name = from;
      throw e;
    }
    if (from !== to) await store.dropXattr(real, from, true);
  }

  /** Renames s to the file's default stream: its data becomes the (empty) file's; the handles then act on the file. */
  private async toDefault(real: string, s: OpenStream, flags: number): Promise<number> {
    const id = await inodeOf(real);
    if (!id.isFile) return -EINVAL;
    if (flags & STREAM_RENAME_NOREPLACE) return -EEXIST;
    if (id.size > 0) return -EINVAL;
    const fh = await openAndFill(real, id, s.file ?? (s.data as Uint8Array), s.base);
    await (await this.store(s.share)).remove(real, s.id, s.name);
    if (this.inUse.get(s.key) === s) this.inUse.delete(s.key);
    const old = s.file;
    s.file = fh;
    s.base = 0;
    s.data = null;
    s.gone = true;
    await old?.close();
    return 0;
  }

  /**
   * The file at real was just opened with OPEN_TRUNC (overwritten or superseded): its named
   * streams go with its data (MS-FSA 2.1.5.1.2.1). Best effort.
   */
  async dropAll(share: number, real: string): Promise<void> {
    try {
      const id = await inodeOf(real);
      for (const [k, s] of this.inUse) {
        if (s.share === share && s.id.dev === id.dev && s.id.ino === id.ino) {
          s.gone = true;
          this.inUse.delete(k);
        }
      }
      await (await this.store(share)).removeAll(real, id);
    } catch {
      // nothing more to drop
    }
  }
}

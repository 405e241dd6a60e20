// What the hosts' FileSystems (host-common/posix-fs.ts for Node and Bun, host-deno/fs.ts for
// Deno) do alike around their open handles: the handle table, the stat-ex metadata, and the
// operations they pass on by handle — extended attributes (host-common/xattrs.ts), reached by
// the path the handle's object has now (@napi-rs/xattr has no fd API, Deno's FsFile no fd; the
// hosts keep the paths current across renames made through this server), and named streams
// (host-common/streams.ts; a stream handle has no file of its own: utimes and xattrs act on its
// file's path).
import { STAT_EX_SIZE } from "./abi.ts";
import { EBADF } from "./errno.ts";
import type { FileSystem } from "./fs-types.ts";
import type { OpenStream, StreamRef, StreamTable } from "./streams.ts";
import { putMeta, type XattrStores } from "./xattrs.ts";

type Delegated = "xattrGet" | "xattrSet" | "xattrList" | "xattrDel" | "streamStat" | "streamOpen" | "streamList" | "streamDel" | "streamRename";

export abstract class HandleFileSystem<H extends StreamRef> implements Pick<FileSystem, Delegated> {
  protected readonly handles = new Map<number, H>();
  private nextHandle = 1;
  protected abstract readonly xattrs: XattrStores;
  protected abstract readonly streams: StreamTable;

  /** Runs an xattr operation of a handle; its errors map as the host maps them. */
  protected abstract guard(f: () => Promise<number>): Promise<number>;

  /** The handle of a named stream, opened by the stream table, of the file at path. */
  protected abstract streamHandle(share: number, path: string, stream: OpenStream): H;

  /** Enters h in the table under a free id (1 … 2^31-1). */
  protected add(h: H): number {
    let id = this.nextHandle;
    while (this.handles.has(id) || id <= 0 || id > 0x7fffffff) id = id >= 0x7fffffff ? 1 : id + 1;
    this.nextHandle = id + 1;
    this.handles.set(id, h);
    return id;
  }

  /** Fills the stat-ex extension when the core asked for it. */
  protected async meta(share: number, path: string, stat: Uint8Array): Promise<void> {
    if (stat.length >= STAT_EX_SIZE) putMeta(stat, await this.xattrs.meta(share, path));
  }

  /** f on a handle's object, by its path; -EBADF for an unknown handle. */
  private xattrOp(handle: number, f: (h: H) => Promise<number>): Promise<number> {
    const h = this.handles.get(handle);
    if (!h) return Promise.resolve(-EBADF);
    return this.guard(() => f(h));
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

  streamStat(share: number, path: string, name: string, stat: Uint8Array): Promise<number> {
    return this.streams.stat(share, path, name, stat);
  }

  async streamOpen(share: number, path: string, name: string, flags: number, mode: number, stat: Uint8Array): Promise<number> {
    const s = await this.streams.open(share, path, name, flags, mode, stat);
    return typeof s === "number" ? s : this.add(this.streamHandle(share, s.path, s.stream));
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

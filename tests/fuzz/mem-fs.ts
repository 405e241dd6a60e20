// A synchronous in-memory file system for the fuzz harness: the semantics of
// host-common/posix-fs.ts (case-insensitive lookup, O_EXCL/O_TRUNC, ENOTEMPTY, xattrs and the
// stat-ex metadata, directory snapshots) and of host-common/streams.ts (named streams, abi.wit
// stream-*) without the disk. It is also an oracle: paths the core sends must be plain relative
// paths inside the share, and handles must be live.
import { OPEN_CREATE, OPEN_DIRECTORY, OPEN_EXCL, OPEN_TRUNC, OPEN_WRITE, READDIR_RESCAN, RENAME_NOREPLACE, STREAM_RENAME_NOREPLACE, XATTR_CREATE, XATTR_REPLACE } from "../../host-common/abi.ts";
import type { StatLike } from "../../host-common/fs-types.ts";
import { putDirent, putStat, putStatfs } from "../../host-common/records.ts";
import { fold, putStreamRecords, validStreamName } from "../../host-common/stream-depot.ts";
import { allowedName, DOSATTRIB, eaNameOf, packedEaSize, putMeta, type FileMeta } from "../../host-common/xattrs.ts";

const ENOENT = 2;
const EBADF = 9;
const EEXIST = 17;
const ENOTDIR = 20;
const EISDIR = 21;
const EINVAL = 22;
const EFBIG = 27;
const EACCES = 13;
const ENOTEMPTY = 39;
const ENODATA = 61;
const EPERM = 1;
const ERANGE = 34;

/** Largest file the fake keeps (bigger writes fail with EFBIG, like a quota). */
const MAX_FILE = 16 << 20;
const enc = new TextEncoder();

/** Bytes of a file's default stream or of a named stream. */
interface Blob {
  data: Uint8Array;
  size: number;
  /** data is a seed constant shared by every execution: copied before the first change. */
  shared?: boolean;
}

interface Node extends Blob {
  dir: boolean;
  name: string;
  data: Uint8Array;
  size: number;
  children: Map<string, Node> | null;
  xattrs: Map<string, Uint8Array>;
  ino: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  parent: Node | null;
  /** meta() of xattrs, until they change. */
  meta: FileMeta | null;
  /** Named streams by folded name (host-common/stream-depot.ts fold). */
  streams: Map<string, Stream>;
}

/** A named stream (shared by its handles, as host-common/streams.ts OpenStream). */
interface Stream {
  name: string;
  /** Its bytes; after a rename to the default stream, the file itself. */
  blob: Blob;
  /** Open handles. */
  refs: number;
  /** Deleted, dropped by an overwrite, or renamed to the default stream: unreachable by name. */
  gone: boolean;
}

interface Handle {
  node: Node;
  dir: boolean;
  listing: string[] | null;
  /** Set on a stream handle: read/write/truncate/fstat/fsync act on it, the rest on node. */
  stream: Stream | null;
}

/** Something the core did that a correct core never does (reported by the harness). */
export type FsViolation = (kind: string, detail: string) => void;

export class MemFs {
  private roots: Node[] = [];
  private handles = new Map<number, Handle>();
  private nextHandle = 1;
  private closed = new Set<number>();
  private ino = 100;
  now = 1_700_000_000_000;

  constructor(
    shares: number,
    private violation: FsViolation,
  ) {
    for (let i = 0; i < shares; i++) this.roots.push(this.node(true, "", null));
  }

  /** Open host handles (the harness checks they all get closed with their connection). */
  get openHandles(): number {
    return this.handles.size;
  }

  private node(dir: boolean, name: string, parent: Node | null): Node {
    const t = this.now;
    return {
      dir, name, data: new Uint8Array(0), size: 0, children: dir ? new Map() : null, xattrs: new Map(),
      ino: this.ino++, atimeMs: t, mtimeMs: t, ctimeMs: t, birthtimeMs: t, parent, meta: null, streams: new Map(),
    };
  }

  /** Adds a file or directory below share 0 (seed tree for the fuzzer). */
  seed(path: string, content: Uint8Array | null): void {
    const parts = path.split("/");
    let n = this.roots[0];
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const key = parts[i].toLowerCase();
      let c = n.children?.get(key);
      if (!c) {
        c = this.node(!last || content === null, parts[i], n);
        n.children?.set(key, c);
      }
      if (last && content !== null) {
        c.data = content; // copy on write
        c.size = content.length;
        c.shared = true;
      }
      n = c;
    }
  }

  /** Splits and checks a path from the core: "" or a/b/c without empty, "." or ".." parts. */
  private parts(share: number, path: string, op: string): string[] | null {
    if (this.roots[share] === undefined) {
      this.violation("bad-share", `${op}: share index ${share}`);
      return null;
    }
    if (path === "") return [];
    const parts = path.split("/");
    if (path.includes("\0") || parts.some((p) => p === "" || p === "." || p === "..")) {
      this.violation("unsafe-path", `${op}: ${JSON.stringify(path)}`);
      return null;
    }
    return parts;
  }

  private lookup(share: number, path: string, op: string): Node | number {
    const parts = this.parts(share, path, op);
    if (parts === null) return -EINVAL;
    let n = this.roots[share];
    for (const p of parts) {
      if (!n.dir) return -ENOTDIR;
      const c = n.children?.get(p.toLowerCase());
      if (!c) return -ENOENT;
      n = c;
    }
    return n;
  }

  /** Parent directory and leaf name of a path (the leaf need not exist). */
  private parentOf(share: number, path: string, op: string): [Node, string] | number {
    const parts = this.parts(share, path, op);
    if (parts === null) return -EINVAL;
    if (parts.length === 0) return -EEXIST; // the share root itself
    const leaf = parts.pop() as string;
    const p = this.lookup(share, parts.join("/"), op);
    if (typeof p === "number") return p;
    if (!p.dir) return -ENOTDIR;
    return [p, leaf];
  }

  private statOf(n: Node): StatLike {
    return {
      isFile: !n.dir, isDirectory: n.dir, isSymlink: false, mode: n.dir ? 0o40755 : 0o100644, size: n.dir ? 4096 : n.size,
      blocks: Math.ceil((n.dir ? 4096 : n.size) / 512), ino: n.ino, dev: 42, atimeMs: n.atimeMs, mtimeMs: n.mtimeMs,
      ctimeMs: n.ctimeMs, birthtimeMs: n.birthtimeMs, nlink: 1,
    };
  }

  private meta(n: Node): FileMeta {
    if (n.meta) return n.meta;
    const eas: Array<[number, number]> = [];
    for (const [name, v] of n.xattrs) {
      const ea = eaNameOf(name);
      if (ea !== null && v.length <= 65535) eas.push([enc.encode(ea).length, v.length]);
    }
    n.meta = { dosattrib: n.xattrs.get(DOSATTRIB) ?? null, eaSize: packedEaSize(eas) };
    return n.meta;
  }

  private putStat(out: Uint8Array, n: Node): void {
    putStat(out, this.statOf(n));
    putMeta(out, this.meta(n));
  }

  private handle(h: number, op: string): Handle | null {
    const x = this.handles.get(h);
    if (!x) {
      if (this.closed.has(h)) this.violation("closed-handle", `${op} on host handle ${h} after OP_CLOSE`);
      else this.violation("unknown-handle", `${op} on host handle ${h}, never opened`);
      return null;
    }
    return x;
  }

  /** The bytes a handle's read/write/truncate act on: its stream's, else its file's. */
  private blobOf(x: Handle): Blob {
    return x.stream ? x.stream.blob : x.node;
  }

  /** The file's stat with a stream's size: a regular file (as streams.ts fill), the file's metadata. */
  private putStreamStat(out: Uint8Array, n: Node, size: number): void {
    const alloc = Math.ceil(size / 4096) * 4096;
    putStat(out, { ...this.statOf(n), isFile: true, isDirectory: false, isSymlink: false, size, blocks: alloc / 512 });
    putMeta(out, this.meta(n));
  }

  /** Every named stream of n goes (its open handles keep their data). */
  private dropStreams(n: Node): void {
    for (const s of n.streams.values()) s.gone = true;
    n.streams.clear();
  }

  private add(h: Handle): number {
    const id = this.nextHandle++;
    this.handles.set(id, h);
    return id;
  }

  open(share: number, path: string, flags: number, _mode: number, stat: Uint8Array): number {
    if (flags & OPEN_DIRECTORY) {
      const n = this.lookup(share, path, "open");
      if (typeof n === "number") return n;
      if (!n.dir) return -ENOTDIR;
      this.putStat(stat, n);
      return this.add({ node: n, dir: true, listing: null, stream: null });
    }
    let n = this.lookup(share, path, "open");
    if (typeof n === "number") {
      if (n !== -ENOENT || !(flags & OPEN_CREATE)) return n;
      const pl = this.parentOf(share, path, "open");
      if (typeof pl === "number") return pl;
      const [parent, leaf] = pl;
      n = this.node(false, leaf, parent);
      parent.children?.set(leaf.toLowerCase(), n);
      parent.mtimeMs = this.now;
    } else if (flags & OPEN_CREATE && flags & OPEN_EXCL) {
      return -EEXIST;
    } else if (n.dir && flags & OPEN_WRITE) {
      return -EISDIR;
    }
    if (flags & OPEN_TRUNC && !n.dir) {
      n.data = new Uint8Array(0);
      n.size = 0;
      n.shared = false;
      this.dropStreams(n); // an overwrite drops the streams (posix-fs.ts open)
    }
    this.putStat(stat, n);
    return this.add({ node: n, dir: n.dir, listing: null, stream: null });
  }

  close(h: number): number {
    const x = this.handle(h, "close");
    if (!x) return -EBADF;
    if (x.stream) x.stream.refs--;
    this.handles.delete(h);
    this.closed.add(h);
    if (this.closed.size > 100000) this.closed.clear();
    return 0;
  }

  read(h: number, buf: Uint8Array, pos: number): number {
    const x = this.handle(h, "read");
    if (!x) return -EBADF;
    if (x.dir) return -EISDIR;
    const n = this.blobOf(x);
    if (pos >= n.size) return 0;
    const len = Math.min(buf.length, n.size - pos);
    buf.set(n.data.subarray(pos, pos + len));
    return len;
  }

  write(h: number, buf: Uint8Array, pos: number): number {
    const x = this.handle(h, "write");
    if (!x) return -EBADF;
    if (x.dir) return -EISDIR;
    if (buf.length === 0) return 0;
    const end = pos + buf.length;
    if (end > MAX_FILE) return -EFBIG;
    const n = this.blobOf(x);
    if (end > n.data.length || n.shared) {
      const d = new Uint8Array(Math.max(end, Math.min(MAX_FILE, n.data.length * 2)));
      d.set(n.data.subarray(0, n.size));
      n.data = d;
      n.shared = false;
    }
    n.data.set(buf, pos);
    if (end > n.size) n.size = end;
    x.node.mtimeMs = this.now;
    return buf.length;
  }

  fstat(h: number, stat: Uint8Array): number {
    const x = this.handle(h, "fstat");
    if (!x) return -EBADF;
    if (x.stream) this.putStreamStat(stat, x.node, x.stream.blob.size);
    else this.putStat(stat, x.node);
    return 0;
  }

  stat(share: number, path: string, stat: Uint8Array): number {
    const n = this.lookup(share, path, "stat");
    if (typeof n === "number") return n;
    this.putStat(stat, n);
    return 0;
  }

  mkdir(share: number, path: string): number {
    const pl = this.parentOf(share, path, "mkdir");
    if (typeof pl === "number") return pl;
    const [parent, leaf] = pl;
    if (parent.children?.has(leaf.toLowerCase())) return -EEXIST;
    parent.children?.set(leaf.toLowerCase(), this.node(true, leaf, parent));
    return 0;
  }

  unlink(share: number, path: string): number {
    const n = this.lookup(share, path, "unlink");
    if (typeof n === "number") return n;
    if (n.dir) return -EISDIR;
    n.parent?.children?.delete(n.name.toLowerCase());
    return 0;
  }

  rmdir(share: number, path: string): number {
    const n = this.lookup(share, path, "rmdir");
    if (typeof n === "number") return n;
    if (!n.dir) return -ENOTDIR;
    if (n.parent === null) return -EPERM;
    if ((n.children?.size ?? 0) > 0) return -ENOTEMPTY;
    n.parent.children?.delete(n.name.toLowerCase());
    return 0;
  }

  rename(share: number, from: string, to: string, flags: number): number {
    const src = this.lookup(share, from, "rename");
    if (typeof src === "number") return src;
    if (src.parent === null) return -EINVAL;
    const pl = this.parentOf(share, to, "rename");
    if (typeof pl === "number") return pl;
    const [parent, leaf] = pl;
    for (let p: Node | null = parent; p; p = p.parent) if (p === src) return -EINVAL; // into itself
    const existing = parent.children?.get(leaf.toLowerCase());
    if (existing && existing !== src) {
      if (flags & RENAME_NOREPLACE) return -EEXIST;
      if (existing.dir !== src.dir) return existing.dir ? -EISDIR : -ENOTDIR;
      if (existing.dir && (existing.children?.size ?? 0) > 0) return -ENOTEMPTY;
    }
    src.parent.children?.delete(src.name.toLowerCase());
    src.name = leaf;
    src.parent = parent;
    parent.children?.set(leaf.toLowerCase(), src);
    return 0;
  }

  /**
   * A hard link (abi.wit link, flags 1 = replace). Simplified: the new name gets the same inode
   * number, xattrs and streams, and a copy of the data (later writes through one name are not
   * seen through the other; the core keeps no state that depends on it).
   */
  link(share: number, from: string, to: string, flags: number): number {
    const src = this.lookup(share, from, "link");
    if (typeof src === "number") return src;
    if (src.dir) return -EISDIR;
    const pl = this.parentOf(share, to, "link");
    if (typeof pl === "number") return pl;
    const [parent, leaf] = pl;
    const existing = parent.children?.get(leaf.toLowerCase());
    if (existing) {
      if ((flags & 1) === 0) return -EEXIST;
      if (existing.dir) return -EISDIR;
      if (existing === src) return 0;
    }
    const n: Node = { ...src, name: leaf, parent, data: src.data.slice(0, src.size), children: null, meta: null };
    parent.children?.set(leaf.toLowerCase(), n);
    return 0;
  }

  truncate(h: number, size: number): number {
    const x = this.handle(h, "truncate");
    if (!x) return -EBADF;
    if (x.dir) return -EISDIR;
    if (!(size >= 0) || size > MAX_FILE) return size > MAX_FILE ? -EFBIG : -EINVAL;
    const n = this.blobOf(x);
    const d = new Uint8Array(size);
    d.set(n.data.subarray(0, Math.min(size, n.size)));
    n.data = d;
    n.size = size;
    n.shared = false;
    return 0;
  }

  fsync(h: number): number {
    return this.handle(h, "fsync") ? 0 : -EBADF;
  }

  readdir(h: number, index: number, out: Uint8Array, flags: number): number {
    const x = this.handle(h, "readdir");
    if (!x) return -EBADF;
    if (!x.dir || !x.node.children) return -ENOTDIR;
    if (x.listing === null || flags & READDIR_RESCAN) x.listing = [...x.node.children.values()].map((c) => c.name);
    let off = 0;
    let count = 0;
    for (let i = index; i < x.listing.length; i++) {
      const c = x.node.children.get(x.listing[i].toLowerCase());
      if (!c) continue;
      const next = putDirent(out, off, i, c.name, this.statOf(c), this.meta(c));
      if (next < 0) break;
      off = next;
      count++;
    }
    return count;
  }

  statfs(share: number, out: Uint8Array): number {
    if (this.roots[share] === undefined) {
      this.violation("bad-share", `statfs: share index ${share}`);
      return -EINVAL;
    }
    putStatfs(out, 1 << 20, 1 << 19, 1 << 19, 4096);
    return 0;
  }

  utimes(h: number, atimeMs: number, mtimeMs: number): number {
    const x = this.handle(h, "utimes");
    if (!x) return -EBADF;
    if (!Number.isNaN(atimeMs)) x.node.atimeMs = atimeMs;
    if (!Number.isNaN(mtimeMs)) x.node.mtimeMs = mtimeMs;
    return 0;
  }

  xattrGet(h: number, name: string, out: Uint8Array): number {
    const x = this.handle(h, "xattr-get");
    if (!x) return -EBADF;
    if (!allowedName(name)) return -EPERM;
    const v = x.node.xattrs.get(name);
    if (!v) return -ENODATA;
    out.set(v.subarray(0, Math.min(v.length, out.length)));
    return v.length;
  }

  xattrSet(h: number, name: string, value: Uint8Array, flags: number): number {
    const x = this.handle(h, "xattr-set");
    if (!x) return -EBADF;
    if (!allowedName(name)) return -EPERM;
    if (value.length > 65536) return -ERANGE;
    const exists = x.node.xattrs.has(name);
    if (flags & XATTR_CREATE && exists) return -EEXIST;
    if (flags & XATTR_REPLACE && !exists) return -ENODATA;
    x.node.xattrs.set(name, value.slice());
    x.node.meta = null;
    return 0;
  }

  xattrList(h: number, out: Uint8Array): number {
    const x = this.handle(h, "xattr-list");
    if (!x) return -EBADF;
    const bytes = enc.encode([...x.node.xattrs.keys()].map((n) => `${n}\0`).join(""));
    out.set(bytes.subarray(0, Math.min(bytes.length, out.length)));
    return bytes.length;
  }

  xattrDel(h: number, name: string): number {
    const x = this.handle(h, "xattr-del");
    if (!x) return -EBADF;
    if (!allowedName(name)) return -EPERM;
    if (!x.node.xattrs.delete(name)) return -ENODATA;
    x.node.meta = null;
    return 0;
  }

  // Named streams (abi.wit stream-*; host-common/streams.ts is the disk version).

  /** stream-stat: the file's stat (with the stream's size when it exists); 0, or -ENOENT. */
  streamStat(share: number, path: string, name: string, stat: Uint8Array): number {
    if (!validStreamName(name)) return -EINVAL;
    const n = this.lookup(share, path, "stream-stat");
    if (typeof n === "number") return n;
    const s = n.streams.get(fold(name));
    if (s) this.putStreamStat(stat, n, s.blob.size);
    else this.putStat(stat, n);
    return s ? 0 : -ENOENT;
  }

  /** stream-open: flags as open (create: the stream, and its file when missing; excl; trunc). */
  streamOpen(share: number, path: string, name: string, flags: number, _mode: number, stat: Uint8Array): number {
    if (!validStreamName(name)) return -EINVAL;
    let n = this.lookup(share, path, "stream-open");
    if (n === -ENOENT && flags & OPEN_CREATE) {
      const pl = this.parentOf(share, path, "stream-open");
      if (typeof pl === "number") return pl;
      const [parent, leaf] = pl;
      n = this.node(false, leaf, parent);
      parent.children?.set(leaf.toLowerCase(), n);
      parent.mtimeMs = this.now;
    }
    if (typeof n === "number") return n;
    const key = fold(name);
    let s = n.streams.get(key);
    if (!s) {
      if (!(flags & OPEN_CREATE)) return -ENOENT;
      s = { name, blob: { data: new Uint8Array(0), size: 0 }, refs: 0, gone: false };
      n.streams.set(key, s);
    } else if (flags & OPEN_EXCL) {
      return -EEXIST;
    } else if (flags & OPEN_TRUNC) {
      s.blob.data = new Uint8Array(0);
      s.blob.size = 0;
    }
    s.refs++;
    this.putStreamStat(stat, n, s.blob.size);
    return this.add({ node: n, dir: false, listing: null, stream: s });
  }

  /** stream-list of a handle's file: "" (a file's default stream) first, then its named streams. */
  streamList(h: number, out: Uint8Array): number {
    const x = this.handle(h, "stream-list");
    if (!x) return -EBADF;
    const n = x.node;
    const recs = n.dir ? [] : [{ name: "", size: n.size, alloc: Math.ceil(n.size / 512) * 512 }];
    for (const s of n.streams.values()) recs.push({ name: s.name, size: s.blob.size, alloc: Math.ceil(s.blob.size / 4096) * 4096 });
    return putStreamRecords(out, recs);
  }

  /** stream-del: 0, or -ENOENT (open handles keep the data). */
  streamDel(share: number, path: string, name: string): number {
    if (!validStreamName(name)) return -EINVAL;
    const n = this.lookup(share, path, "stream-del");
    if (typeof n === "number") return n;
    const key = fold(name);
    const s = n.streams.get(key);
    if (!s) return -ENOENT;
    s.gone = true;
    n.streams.delete(key);
    return 0;
  }

  /**
   * stream-rename of a stream handle's stream to `to` ("" = the file's default stream, which must
   * be empty; the stream's handles then act on the file): -EEXIST with no-replace when the target
   * exists, -EACCES when it is open, -EINVAL when it is not empty.
   */
  streamRename(h: number, to: string, flags: number): number {
    const x = this.handle(h, "stream-rename");
    if (!x) return -EBADF;
    const s = x.stream;
    if (!s || s.gone || (to !== "" && !validStreamName(to))) return -EINVAL;
    const n = x.node;
    if (to === "") {
      if (n.dir) return -EINVAL;
      if (flags & STREAM_RENAME_NOREPLACE) return -EEXIST;
      if (n.size > 0) return -EINVAL;
      n.data = s.blob.data;
      n.size = s.blob.size;
      n.shared = false;
      n.mtimeMs = this.now;
      n.streams.delete(fold(s.name));
      s.blob = n;
      s.gone = true;
      return 0;
    }
    const key = fold(to);
    const from = fold(s.name);
    if (key !== from) {
      const t = n.streams.get(key);
      if (t) {
        if (t.refs > 0) return flags & STREAM_RENAME_NOREPLACE ? -EEXIST : -EACCES;
        if (flags & STREAM_RENAME_NOREPLACE) return -EEXIST;
        if (t.blob.size > 0) return -EINVAL;
        t.gone = true;
        n.streams.delete(key);
      }
    }
    if (n.streams.get(from) === s) n.streams.delete(from);
    s.name = to;
    n.streams.set(key, s);
    return 0;
  }
}

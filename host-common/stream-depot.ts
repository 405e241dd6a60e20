// Where named data streams (MS-FSCC 2.1.5.3) are kept on disk, for host-common/streams.ts.
// A small stream is the xattr `user.DosStream.<name>:$DATA` holding its data and one NUL byte
// (the format of Samba's vfs_streams_xattr, so a share can move between Samba and this server).
// A stream larger than STREAM_XATTR_MAX bytes lives in the share's hidden depot:
//   <share root>/.wasmsmb-streams/<dev hex>-<inode hex>/<key>
// key = hex of the UTF-8 of the upper-cased name (names compare case-insensitively), or "~" +
// its SHA-256 when that is too long for a file name. A depot file is a DEPOT_HEADER-byte header
// (magic, the name as the client spelled it) followed by the stream's bytes, so I/O on the
// stream is positional I/O on the file at DEPOT_HEADER + offset. The folder is hidden from
// listings and unreachable by clients (xattrs.ts isSidecarPath), like the xattr sidecar store.
import { createHash } from "node:crypto";
import * as fsp from "node:fs/promises";
import process from "node:process";
import type { XattrBackend } from "./xattrs.ts";

/** The depot folder at the root of every share (never visible to clients). */
export const STREAM_DEPOT_DIR = ".wasmsmb-streams";
/**
 * Largest stream kept in an xattr: ext4 holds a file's xattrs outside the inode in one 4 KiB
 * block, so 4000 bytes of data (+ the NUL, the name and the other xattrs) is about what fits.
 * A write that does not fit (ENOSPC, E2BIG…) moves the stream to the depot earlier.
 */
export const STREAM_XATTR_MAX = 4000;
/** Bytes before a depot file's data: magic, u32 name length, UTF-8 name, zeros (one 4 KiB block). */
export const DEPOT_HEADER = 4096;

const MAGIC = "WSMBSTR1";
const XATTR_PREFIX = "user.DosStream.";
const XATTR_SUFFIX = ":$DATA";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The xattr that holds stream `name` (Samba's spelling). */
export function streamXattr(name: string): string {
  return XATTR_PREFIX + name + XATTR_SUFFIX;
}

/** The stream name an xattr holds, or null for other xattrs. */
export function streamOfXattr(x: string): string | null {
  if (!x.startsWith(XATTR_PREFIX) || !x.endsWith(XATTR_SUFFIX)) return null;
  const name = x.slice(XATTR_PREFIX.length, x.length - XATTR_SUFFIX.length);
  return name.length > 0 && !name.includes(":") ? name : null;
}

/** Longest stream name in UTF-8 bytes: its xattr name must fit in 255 bytes (assembly/fs/stream_name.ts). */
export const MAX_STREAM_UTF8 = 234;

/** A name the core may send: not empty, no NUL, '/', '\\' or ':', at most MAX_STREAM_UTF8 bytes. */
export function validStreamName(name: string): boolean {
  return name.length > 0 && !/[\0/\\:]/.test(name) && enc.encode(name).length <= MAX_STREAM_UTF8;
}

/** The case-folded form names are compared in. */
export const fold = (name: string): string => name.toUpperCase();

/** What streams are keyed by: the object's device and inode (lstat of a real path). */
export interface Inode {
  dev: bigint;
  ino: bigint;
  isFile: boolean;
  isDir: boolean;
  nlink: number;
  size: number;
  blocks: number;
}

export async function inodeOf(real: string): Promise<Inode> {
  const s = await fsp.lstat(real, { bigint: true });
  return { dev: s.dev, ino: s.ino, isFile: s.isFile(), isDir: s.isDirectory(), nlink: Number(s.nlink), size: Number(s.size), blocks: Number(s.blocks) };
}

/** A stream on disk: its name as spelled, size, allocation; depot: its depot file (null: an xattr). */
export interface StoredStream {
  name: string;
  size: number;
  alloc: number;
  depot: string | null;
  /** An xattr-kept stream's data (without the NUL). */
  value?: Uint8Array;
}

/** The allocation reported for an xattr-kept stream of n bytes. */
export const roundUp = (n: number) => Math.ceil(n / 4096) * 4096;

const isMissing = (e: unknown) => (e as { code?: string }).code === "ENOENT";

/** The depot of one share. */
export class Depot {
  constructor(private root: string) {}

  /** The folder of an inode's streams. */
  dirOf(id: Inode): string {
    return `${this.root}/${STREAM_DEPOT_DIR}/${id.dev.toString(16)}-${id.ino.toString(16)}`;
  }

  /** The file of stream `name` of inode id. */
  fileOf(id: Inode, name: string): string {
    const hex = Array.from(enc.encode(fold(name)), (b) => b.toString(16).padStart(2, "0")).join("");
    const key = hex.length <= 200 ? hex : `~${createHash("sha256").update(hex).digest("hex")}`;
    return `${this.dirOf(id)}/${key}`;
  }

  private static header(name: string): Uint8Array {
    const h = new Uint8Array(DEPOT_HEADER);
    h.set(enc.encode(MAGIC));
    const n = enc.encode(name);
    new DataView(h.buffer).setUint32(8, n.length, true);
    h.set(n, 12);
    return h;
  }

  /** Name (from the header), size and allocation of a depot file; null when absent or not ours. */
  private static async entry(path: string): Promise<StoredStream | null> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(path, "r");
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    try {
      const h = new Uint8Array(DEPOT_HEADER);
      const { bytesRead } = await fh.read(h, 0, DEPOT_HEADER, 0);
      const st = await fh.stat();
      const len = new DataView(h.buffer).getUint32(8, true);
      if (bytesRead < 12 || dec.decode(h.subarray(0, 8)) !== MAGIC || 12 + len > DEPOT_HEADER) return null;
      const size = Math.max(0, st.size - DEPOT_HEADER);
      return { name: dec.decode(h.subarray(12, 12 + len)), depot: path, size, alloc: Math.max(0, st.blocks * 512 - DEPOT_HEADER) };
    } finally {
      await fh.close();
    }
  }

  /** Stream `name` of id, if the depot has it. */
  find(id: Inode, name: string): Promise<StoredStream | null> {
    return Depot.entry(this.fileOf(id, name));
  }

  /** Every stream of id in the depot. */
  async list(id: Inode): Promise<StoredStream[]> {
    const dir = this.dirOf(id);
    let files: string[];
    try {
      files = (await fsp.readdir(dir)).filter((f) => !f.startsWith(".")).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const out: StoredStream[] = [];
    for (const f of files) {
      const e = await Depot.entry(`${dir}/${f}`);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Writes stream `name` of id with data (complete, under a temporary name, then renamed into
   * place unless anonymous) and returns it open for reading and writing. An anonymous file
   * (a deleted stream still open) is unlinked at once and lives on in the handle only.
   */
  async create(id: Inode, name: string, data: Uint8Array, anonymous = false): Promise<fsp.FileHandle> {
    const dir = this.dirOf(id);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const final = this.fileOf(id, name);
    const tmp = `${dir}/.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fh = await fsp.open(tmp, "wx+", 0o600);
    try {
      await writeAll(fh, Depot.header(name), 0);
      await writeAll(fh, data, DEPOT_HEADER);
      if (anonymous) await fsp.unlink(tmp);
      else await fsp.rename(tmp, final);
      return fh;
    } catch (e) {
      await fh.close();
      await fsp.unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Opens a depot file for I/O (read-only where the share cannot be written). */
  static async open(path: string): Promise<fsp.FileHandle> {
    try {
      return await fsp.open(path, "r+");
    } catch {
      return fsp.open(path, "r");
    }
  }

  /** Renames stream `from` of id to `to` (fh: the file, open; its header gets the new name). */
  async rename(id: Inode, from: string, to: string, fh: fsp.FileHandle): Promise<void> {
    await fsp.rename(this.fileOf(id, from), this.fileOf(id, to));
    await writeAll(fh, Depot.header(to), 0);
  }

  /** Deletes stream `name` of id; false when the depot did not have it. */
  async remove(id: Inode, name: string): Promise<boolean> {
    try {
      await fsp.unlink(this.fileOf(id, name));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /** Deletes every stream of id from the depot. */
  async drop(id: Inode): Promise<void> {
    await fsp.rm(this.dirOf(id), { recursive: true, force: true });
  }
}

/** The streams of one share: its xattr store and its depot (paths are real paths inside the share). */
export class StreamStore {
  readonly depot: Depot;
  constructor(
    root: string,
    private x: XattrBackend,
  ) {
    this.depot = new Depot(root);
  }

  /** The stream xattrs of real: [xattr name, stream name]. */
  private async xattrs(real: string): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = [];
    for (const x of await this.x.list(real).catch(() => [] as string[])) {
      const n = streamOfXattr(x);
      if (n !== null) out.push([x, n]);
    }
    return out;
  }

  /** An xattr-kept stream from its value (the data and a NUL). */
  private static fromXattr(name: string, v: Uint8Array): StoredStream {
    const size = Math.max(0, v.length - 1);
    return { name, size, alloc: roundUp(size), depot: null, value: v.slice(0, size) };
  }

  /** Stream `name` (any case) of the object at real; the depot first (a move there may have left the xattr). */
  async find(real: string, id: Inode, name: string): Promise<StoredStream | null> {
    const d = await this.depot.find(id, name);
    if (d) return d;
    for (const [x, n] of await this.xattrs(real)) {
      if (fold(n) !== fold(name)) continue;
      const v = await this.x.get(real, x).catch(() => null);
      if (v !== null) return StreamStore.fromXattr(n, v);
    }
    return null;
  }

  /** Every named stream of the object at real. */
  async list(real: string, id: Inode): Promise<StoredStream[]> {
    const all = new Map<string, StoredStream>();
    for (const [x, n] of await this.xattrs(real)) {
      const v = all.has(fold(n)) ? null : await this.x.get(real, x).catch(() => null);
      if (v !== null) all.set(fold(n), StreamStore.fromXattr(n, v));
    }
    for (const e of await this.depot.list(id)) all.set(fold(e.name), e);
    return [...all.values()];
  }

  /** Stores data as the xattr of stream `name` (throws when the xattr store cannot take it). */
  async setXattr(real: string, name: string, data: Uint8Array): Promise<void> {
    const v = new Uint8Array(data.length + 1);
    v.set(data);
    await this.x.set(real, streamXattr(name), v);
  }

  /** Removes the xattr(s) of stream `name` (exact: that spelling only; else any case); whether one was there. */
  async dropXattr(real: string, name: string, exact = false): Promise<boolean> {
    let found = false;
    for (const [x, n] of await this.xattrs(real)) {
      if (exact ? n !== name : fold(n) !== fold(name)) continue;
      await this.x.remove(real, x).catch(() => undefined);
      found = true;
    }
    return found;
  }

  /** Deletes stream `name`; whether it was there. */
  async remove(real: string, id: Inode, name: string): Promise<boolean> {
    const inDepot = await this.depot.remove(id, name);
    return (await this.dropXattr(real, name)) || inDepot;
  }

  /** Deletes every named stream of the object at real. */
  async removeAll(real: string, id: Inode): Promise<void> {
    await this.depot.drop(id);
    for (const [x] of await this.xattrs(real)) await this.x.remove(real, x).catch(() => undefined);
  }
}

/** Writes all of data at pos. */
export async function writeAll(fh: fsp.FileHandle, data: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, pos + done);
    done += bytesWritten;
  }
}

/** Reads into buf at pos until it is full or the file ends; returns the bytes read. */
export async function readFull(fh: fsp.FileHandle, buf: Uint8Array, pos: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, pos + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Opens the file at real for reading and writing (it must still be inode id: -ELOOP otherwise)
 * and writes src into it from position 0: bytes, or a file's content from position `from`.
 */
export async function openAndFill(real: string, id: Inode, src: Uint8Array | fsp.FileHandle, from: number): Promise<fsp.FileHandle> {
  const fh = await fsp.open(real, "r+");
  try {
    const st = await fh.stat({ bigint: true });
    if (st.dev !== id.dev || st.ino !== id.ino) throw Object.assign(new Error("swapped since resolved"), { errno: 40 });
    if (src instanceof Uint8Array) await writeAll(fh, src, 0);
    else {
      const chunk = new Uint8Array(1 << 20);
      for (let pos = 0; ; pos += chunk.length) {
        const n = await readFull(src, chunk, from + pos);
        if (n > 0) await writeAll(fh, chunk.subarray(0, n), pos);
        if (n < chunk.length) break;
      }
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * abi.wit stream-list records into out: u64 size, u64 allocation, u32 name bytes, u32 0, UTF-8
 * name, zeros to a multiple of 8. Whole records only; returns the length all of them need.
 */
export function putStreamRecords(out: Uint8Array, recs: Array<{ name: string; size: number; alloc: number }>): number {
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  let total = 0;
  let fits = true;
  for (const r of recs) {
    const n = enc.encode(r.name);
    const len = (24 + n.length + 7) & ~7;
    if (fits && total + len <= out.length) {
      v.setBigUint64(total, BigInt(r.size), true);
      v.setBigUint64(total + 8, BigInt(r.alloc), true);
      v.setUint32(total + 16, n.length, true);
      v.setUint32(total + 20, 0, true);
      out.set(n, total + 24);
      out.fill(0, total + 24 + n.length, total + len);
    } else fits = false;
    total += len;
  }
  return total;
}

/**
 * Drops the depot streams of the object at real path `path` of the share rooted at root: when a
 * new object got the path's inode (deleting false: what a former file of the inode left), or
 * when the object is about to be deleted (deleting: unless other hard links keep the inode).
 */
export async function dropDepotStreams(root: string, path: string, deleting: boolean): Promise<void> {
  let id: Inode;
  try {
    id = await inodeOf(path);
  } catch {
    return;
  }
  if (deleting && !id.isDir && id.nlink > 1) return;
  await new Depot(root).drop(id);
}

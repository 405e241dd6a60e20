// Extended attributes for the hosts' FileSystems (abi.wit xattr-* operations and the stat-ex
// extension): native user xattrs through @napi-rs/xattr, or — on a share whose filesystem has
// none — a sidecar store, one small file per (inode, name) in <share>/.wasmsmb-xattr/, which is
// hidden from listings and unreachable by clients. Chosen per share at start-up and logged.
import { createHash } from "node:crypto";
import * as fsp from "node:fs/promises";
import process from "node:process";
import { META_DOSATTRIB_MAX, META_VALID, STAT_EX_SIZE, STAT_SIZE, XATTR_CREATE, XATTR_REPLACE } from "./abi.ts";
import type { Logger } from "./log.ts";
import { makeLogger } from "./log.ts";
import type { SharePaths } from "./share-paths.ts";
import { loadXattrAddon, type XattrAddon } from "./xattr-native.ts";
import { dropDepotStreams, STREAM_DEPOT_DIR } from "./stream-depot.ts";

const ENODATA = 61;
const ENOTSUP = 95;
const EEXIST = 17;
const EPERM = 1;
const ERANGE = 34;

/** The sidecar store's folder at the root of each share (never visible to clients). */
export const SIDECAR_DIR = ".wasmsmb-xattr";
export const DOSATTRIB = "user.DOSATTRIB";

/** An error carrying an errno (host-common/errno.ts negErrno reads `errno`). */
function err(errno: number, message: string): Error {
  return Object.assign(new Error(message), { errno });
}

/** @napi-rs/xattr reports "… (os error N)": keep N. */
function nativeError(e: unknown): Error {
  const m = /\(os error (\d+)\)/.exec(String((e as Error)?.message ?? e));
  return m ? err(Number(m[1]), String((e as Error).message)) : (e as Error);
}

/** One way of storing xattrs (paths are real paths inside the share). */
export interface XattrBackend {
  readonly kind: "native" | "sidecar" | "none";
  /** The value, or null when absent. */
  get(path: string, name: string): Promise<Uint8Array | null>;
  set(path: string, name: string, value: Uint8Array): Promise<void>;
  list(path: string): Promise<string[]>;
  /** Throws ENODATA when absent. */
  remove(path: string, name: string): Promise<void>;
  /** A new object got this path's inode (sidecar: drop what a former file of the inode left). */
  created?(path: string): Promise<void>;
  /** The object at path is about to be deleted. */
  deleting?(path: string): Promise<void>;
}

class NativeBackend implements XattrBackend {
  readonly kind = "native";
  constructor(private x: XattrAddon) {}
  async get(path: string, name: string): Promise<Uint8Array | null> {
    try {
      return await this.x.getAttribute(path, name);
    } catch (e) {
      throw nativeError(e);
    }
  }
  async set(path: string, name: string, value: Uint8Array): Promise<void> {
    try {
      await this.x.setAttribute(path, name, value);
    } catch (e) {
      throw nativeError(e);
    }
  }
  async list(path: string): Promise<string[]> {
    try {
      return await this.x.listAttributes(path);
    } catch (e) {
      throw nativeError(e);
    }
  }
  async remove(path: string, name: string): Promise<void> {
    try {
      await this.x.removeAttribute(path, name);
    } catch (e) {
      throw nativeError(e);
    }
  }
}

/** No store at all (read-only share without xattrs and without a sidecar folder). */
class NoBackend implements XattrBackend {
  readonly kind = "none";
  get(): Promise<Uint8Array | null> {
    return Promise.resolve(null);
  }
  set(): Promise<void> {
    return Promise.reject(err(ENOTSUP, "this share cannot store extended attributes"));
  }
  list(): Promise<string[]> {
    return Promise.resolve([]);
  }
  remove(): Promise<void> {
    return Promise.reject(err(ENODATA, "no such attribute"));
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Sidecar store: <root>/.wasmsmb-xattr/<dev>-<ino>/<sha256(name)> holding the UTF-8 name, a NUL
 * and the value. Keyed by inode so renames keep the attributes; the server drops an inode's
 * entries when it deletes the file and when a new file gets a recycled inode.
 */
export class SidecarBackend implements XattrBackend {
  readonly kind = "sidecar";
  constructor(private root: string) {}

  private async dirOf(path: string): Promise<string> {
    const s = await fsp.lstat(path, { bigint: true });
    return `${this.root}/${SIDECAR_DIR}/${s.dev.toString(16)}-${s.ino.toString(16)}`;
  }

  private static file(dir: string, name: string): string {
    return `${dir}/${createHash("sha256").update(name).digest("hex")}`;
  }

  private static async read(file: string): Promise<{ name: string; value: Uint8Array } | null> {
    let b: Uint8Array;
    try {
      b = await fsp.readFile(file);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return null;
      throw e;
    }
    const nul = b.indexOf(0);
    if (nul < 0) return null;
    return { name: dec.decode(b.subarray(0, nul)), value: b.subarray(nul + 1) };
  }

  async get(path: string, name: string): Promise<Uint8Array | null> {
    const r = await SidecarBackend.read(SidecarBackend.file(await this.dirOf(path), name));
    return r && r.name === name ? r.value : null;
  }

  async set(path: string, name: string, value: Uint8Array): Promise<void> {
    const dir = await this.dirOf(path);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const file = SidecarBackend.file(dir, name);
    const n = enc.encode(name);
    const body = new Uint8Array(n.length + 1 + value.length);
    body.set(n);
    body.set(value, n.length + 1);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fsp.writeFile(tmp, body, { mode: 0o600 });
    await fsp.rename(tmp, file);
  }

  async list(path: string): Promise<string[]> {
    const dir = await this.dirOf(path);
    let files: string[];
    try {
      files = (await fsp.readdir(dir)).filter((f) => !f.endsWith(".tmp")).sort();
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return [];
      throw e;
    }
    const names: string[] = [];
    for (const f of files) {
      const r = await SidecarBackend.read(`${dir}/${f}`);
      if (r) names.push(r.name);
    }
    return names;
  }

  async remove(path: string, name: string): Promise<void> {
    const file = SidecarBackend.file(await this.dirOf(path), name);
    try {
      await fsp.unlink(file);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") throw err(ENODATA, "no such attribute");
      throw e;
    }
  }

  async created(path: string): Promise<void> {
    await fsp.rm(await this.dirOf(path), { recursive: true, force: true });
  }

  async deleting(path: string): Promise<void> {
    const s = await fsp.lstat(path).catch(() => null);
    if (s === null || (!s.isDirectory() && s.nlink > 1)) return; // other links keep the inode
    await fsp.rm(await this.dirOf(path), { recursive: true, force: true });
  }
}

/** Names the hosts accept: the user namespace, and Samba's NT ACL. */
export function allowedName(name: string): boolean {
  return (name.startsWith("user.") && name.length > 5 && name.length <= 255) || name === "security.NTACL";
}

const INTERNAL = /^(DOSATTRIB|DosStreams|DosEAs|DosStream\..*|SAMBA_.*)$/is;
const BAD_EA_CHAR = /[\x00-\x1f"*+,/:;<=>?[\\\]|]/;

/** The EA name of an xattr that clients see as an EA (abi.wit stat-ex), else null. */
export function eaNameOf(xattr: string): string | null {
  if (!xattr.startsWith("user.")) return null;
  const ea = xattr.slice(5);
  const bytes = enc.encode(ea).length;
  if (bytes === 0 || bytes > 255 || BAD_EA_CHAR.test(ea) || INTERNAL.test(ea)) return null;
  return ea;
}

/** Packed FILE_FULL_EA_INFORMATION size of (EA name bytes, value bytes) pairs, in order. */
export function packedEaSize(entries: Array<[number, number]>): number {
  let total = 0;
  entries.forEach(([n, v], i) => {
    const size = 8 + n + 1 + v;
    total += i === entries.length - 1 ? size : (size + 3) & ~3;
  });
  return total;
}

/** What stat-ex carries about a file. */
export interface FileMeta {
  dosattrib: Uint8Array | null;
  eaSize: number;
}

/** Writes the stat-ex extension (bytes 80..160) when out is long enough. */
export function putMeta(out: Uint8Array, m: FileMeta): void {
  if (out.length < STAT_EX_SIZE) return;
  const v = new DataView(out.buffer, out.byteOffset + STAT_SIZE, STAT_EX_SIZE - STAT_SIZE);
  out.fill(0, STAT_SIZE, STAT_EX_SIZE);
  const dos = m.dosattrib !== null && m.dosattrib.length <= META_DOSATTRIB_MAX ? m.dosattrib : null;
  v.setUint32(0, META_VALID, true);
  v.setUint32(4, dos ? dos.length : 0, true);
  v.setUint32(8, m.eaSize, true);
  if (dos) out.set(dos, STAT_SIZE + 16);
}

/** The xattr stores of every share of a FileSystem. */
export class XattrStores {
  private backends: Array<Promise<XattrBackend>>;

  /**
   * @param writable whether the host may write under a share root (Deno knows from its
   *   permissions): the start-up probe sets and removes an xattr only where it may.
   */
  constructor(
    private shares: SharePaths,
    private writable: (root: string) => boolean = () => true,
    log: Logger = makeLogger(2, (l) => console.error(l)),
  ) {
    let count = 0;
    while (shares.root(count) !== null) count++;
    const addon = loadXattrAddon();
    if (typeof addon === "string") log(1, `Extended attributes: ${addon}; using sidecar stores`);
    this.backends = [];
    for (let i = 0; i < count; i++) this.backends.push(this.choose(i, addon, log));
  }

  /** Native xattrs when the share's filesystem takes user xattrs, else the sidecar store. */
  private async choose(share: number, addon: XattrAddon | string, log: Logger): Promise<XattrBackend> {
    const root = this.shares.root(share);
    if (root === null) return new NoBackend();
    if (typeof addon !== "string") {
      const native = new NativeBackend(addon);
      const probe = "user.wasmsmb-probe";
      try {
        if (!this.writable(root)) throw err(EEXIST, "read-only: probe by listing");
        await native.set(root, probe, enc.encode("1"));
        await native.remove(root, probe);
        return native;
      } catch (e) {
        const errno = (e as { errno?: number }).errno;
        if (errno !== ENOTSUP && errno !== EPERM) {
          // read-only share or directory: keep native xattrs if the filesystem lists them
          try {
            await native.list(root);
            return native;
          } catch {
            // fall through to the sidecar
          }
        }
      }
    }
    log(2, `Share ${root}: no user extended attributes on this filesystem; DOS attributes and EAs are kept in ${root}/${SIDECAR_DIR}`);
    return new SidecarBackend(root);
  }

  backend(share: number): Promise<XattrBackend> {
    return this.backends[share] ?? Promise.resolve(new NoBackend());
  }

  /** DOSATTRIB and EA size of the object at path (errors → no metadata). */
  async meta(share: number, path: string): Promise<FileMeta> {
    const b = await this.backend(share);
    let names: string[];
    try {
      names = await b.list(path);
    } catch {
      return { dosattrib: null, eaSize: 0 };
    }
    let dosattrib: Uint8Array | null = null;
    const eas: Array<[number, number]> = [];
    for (const name of names) {
      if (name === DOSATTRIB) {
        dosattrib = await b.get(path, name).catch(() => null);
        continue;
      }
      const ea = eaNameOf(name);
      if (ea === null) continue;
      const v = await b.get(path, name).catch(() => null);
      if (v === null || v.length > 65535) continue;
      eas.push([enc.encode(ea).length, v.length]);
    }
    return { dosattrib, eaSize: packedEaSize(eas) };
  }

  /** xattr-get: the full size, min(size, out.length) bytes copied; -ENODATA when absent. */
  async get(share: number, path: string, name: string, out: Uint8Array): Promise<number> {
    if (!allowedName(name)) return -EPERM;
    const v = await (await this.backend(share)).get(path, name);
    if (v === null) return -ENODATA;
    out.set(v.subarray(0, Math.min(v.length, out.length)));
    return v.length;
  }

  /** xattr-set with setxattr(2)'s create/replace flags. */
  async set(share: number, path: string, name: string, value: Uint8Array, flags: number): Promise<number> {
    if (!allowedName(name)) return -EPERM;
    if (value.length > 65536) return -ERANGE;
    const b = await this.backend(share);
    if (flags & (XATTR_CREATE | XATTR_REPLACE)) {
      const exists = (await b.get(path, name)) !== null;
      if (flags & XATTR_CREATE && exists) return -EEXIST;
      if (flags & XATTR_REPLACE && !exists) return -ENODATA;
    }
    await b.set(path, name, value);
    return 0;
  }

  /** xattr-list: NUL-terminated names; the full length, what fits copied. */
  async list(share: number, path: string, out: Uint8Array): Promise<number> {
    const names = await (await this.backend(share)).list(path);
    const bytes = enc.encode(names.map((n) => `${n}\0`).join(""));
    out.set(bytes.subarray(0, Math.min(bytes.length, out.length)));
    return bytes.length;
  }

  async remove(share: number, path: string, name: string): Promise<number> {
    if (!allowedName(name)) return -EPERM;
    await (await this.backend(share)).remove(path, name);
    return 0;
  }

  /**
   * A new file or directory appeared at path (created by this server): what a former object
   * of its inode left in the sidecar store and the stream depot goes.
   */
  async created(share: number, path: string): Promise<void> {
    const b = await this.backend(share);
    await b.created?.(path).catch(() => undefined);
    const root = this.shares.root(share);
    if (root !== null) await dropDepotStreams(root, path, false).catch(() => undefined);
  }

  /** The object at path is about to be deleted by this server (its depot streams go unless other links keep it). */
  async deleting(share: number, path: string): Promise<void> {
    const b = await this.backend(share);
    await b.deleting?.(path).catch(() => undefined);
    const root = this.shares.root(share);
    if (root !== null) await dropDepotStreams(root, path, true).catch(() => undefined);
  }
}

/** A client path that names the sidecar folder or the stream depot (at the share root, any case): never reachable. */
export function isSidecarPath(rel: string): boolean {
  const first = rel.split("/", 1)[0].toLowerCase();
  return first === SIDECAR_DIR || first === STREAM_DEPOT_DIR;
}

/**
 * Moves the paths of open handles at or below `from` to `to` after a rename through this server
 * (xattrs are reached by path, so a handle must follow its file).
 */
export function renameHandlePaths(handles: Iterable<{ share: number; path: string }>, share: number, from: string, to: string): void {
  for (const h of handles) {
    if (h.share !== share) continue;
    if (h.path === from) h.path = to;
    else if (h.path.startsWith(`${from}/`)) h.path = to + h.path.slice(from.length);
  }
}

// Share-relative paths → real paths, written once for the hosts' FileSystems
// (host-common/posix-fs.ts on node:fs for Node and Bun, host-deno/fs.ts on Deno.*), each lending
// its runtime's primitives as PathOps. Containment (review item V9; docs/SECURITY.md): an
// existing object is reached by its real path — every symlink resolved — checked to be inside
// the share; an object to create, delete or rename is the real parent, checked the same way, plus
// a leaf that is never followed. A name not found in the client's spelling is looked up
// case-insensitively (host-common/case-insensitive.ts). The sidecar store and the stream depot
// (host-common/xattrs.ts isSidecarPath) are never reachable.
import { CaseResolver } from "./case-insensitive.ts";
import { EXSHARE } from "./errno.ts";
import type { StatLike } from "./fs-types.ts";
import type { SharePaths } from "./share-paths.ts";
import { isSidecarPath } from "./xattrs.ts";

const ENOENT = 2;
const EEXIST = 17;

/** Directory and leaf of an absolute path. */
export const dirOf = (p: string): string => p.slice(0, p.lastIndexOf("/"));
export const leafOf = (p: string): string => p.slice(p.lastIndexOf("/") + 1);

/** A directory entry: its name, and whether it is a symlink (not followed). */
export interface DirEntryLike {
  name: string;
  isSymlink: boolean;
}

/** What the resolver needs from the runtime; the promises reject with the runtime's errors. */
export interface PathOps {
  /** The path with every symlink resolved. */
  realpath(path: string): Promise<string>;
  /** stat of the path itself (a final symlink is not followed). */
  lstat(path: string): Promise<StatLike>;
  /** stat of what the path leads to. */
  stat(path: string): Promise<StatLike>;
  /** Names in a directory (without . and ..). */
  names(dir: string): Promise<string[]>;
  /** Entries of a directory (without . and ..). */
  entries(dir: string): Promise<DirEntryLike[]>;
  /** A rejection of the above → negative errno, as the host's FileSystem maps it. */
  errno(e: unknown): number;
}

/** An entry found under a name in some case: its path as spelled on disk, and its lstat. */
export interface Occupant {
  path: string;
  stat: StatLike;
}

export class ShareResolver {
  private names: CaseResolver;

  constructor(
    private shares: SharePaths,
    private ops: PathOps,
  ) {
    this.names = new CaseResolver({
      readdir: (d) => ops.names(d).then((l) => l.filter((n) => !isSidecarPath(n))),
      mtimeMs: (d) => ops.stat(d).then((st) => (st.isDirectory ? st.mtimeMs : null), () => null),
    });
  }

  /** Real path of an existing object inside the share, or a negative errno. */
  async existing(share: number, path: string): Promise<string | number> {
    if (isSidecarPath(path)) return -ENOENT;
    const full = this.shares.join(share, path);
    if (full === null) return -EXSHARE;
    try {
      const real = await this.ops.realpath(full);
      return this.shares.contains(share, real) ? real : -EXSHARE;
    } catch (e) {
      const err = this.ops.errno(e);
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
  async fresh(share: number, path: string, exactLeaf = false): Promise<string | number> {
    if (isSidecarPath(path)) return -ENOENT;
    // the leaf is not resolved, so the whole path must be plain ("..", "." or "" as the leaf would
    // otherwise name the parent's parent; the core never sends them: defence in depth)
    if (path === "" || this.shares.join(share, path) === null) return -EXSHARE;
    const slash = path.lastIndexOf("/");
    const parent = await this.existing(share, slash < 0 ? "" : path.slice(0, slash));
    if (typeof parent === "number") return parent;
    let leaf = slash < 0 ? path : path.slice(slash + 1);
    if (!exactLeaf && !(await this.ops.lstat(`${parent}/${leaf}`).then(() => true, () => false))) {
      const fixed = await this.names.resolve(parent, leaf);
      if (fixed !== null) leaf = fixed;
    }
    return `${parent}/${leaf}`;
  }

  /**
   * The entry a new name (a rename's or a link's target) would meet: whatever has that name in
   * some case, in its on-disk spelling (as fresh), with its lstat; null when there is none.
   */
  async occupant(share: number, path: string): Promise<Occupant | null> {
    const other = await this.fresh(share, path);
    if (typeof other === "number") return null;
    const stat = await this.ops.lstat(other).catch(() => null);
    return stat === null ? null : { path: other, stat };
  }

  /**
   * Both ends of a rename: the source entry itself (a final symlink is moved, not followed) and
   * the target in the client's spelling (a rename may only change case). With noReplace, any
   * other entry that has the target's name in some case is a collision (-EEXIST).
   */
  async renamePaths(share: number, from: string, to: string, noReplace: boolean): Promise<{ src: string; dst: string } | number> {
    const src = await this.fresh(share, from);
    if (typeof src === "number") return src;
    const dst = await this.fresh(share, to, true);
    if (typeof dst === "number") return dst;
    if (noReplace) {
      const other = await this.occupant(share, to);
      if (other !== null && other.path !== src) return -EEXIST;
    }
    return { src, dst };
  }

  /**
   * Names in dir (a real directory of the share), without symlinks that lead outside the share
   * and, at its root, without the sidecar store and the stream depot.
   */
  async listing(share: number, dir: string): Promise<string[]> {
    const names: string[] = [];
    const atRoot = dir === this.shares.root(share);
    for (const e of await this.ops.entries(dir)) {
      if (atRoot && isSidecarPath(e.name)) continue;
      if (e.isSymlink) {
        const real = await this.ops.realpath(`${dir}/${e.name}`).catch(() => null);
        if (real === null || !this.shares.contains(share, real)) continue;
      }
      names.push(e.name);
    }
    return names;
  }

  /** This server created the entry at real: the case-insensitive lookup tables learn it. */
  added(real: string): Promise<void> {
    return this.names.changed(dirOf(real), leafOf(real), null);
  }

  /** This server removed the entry at real. */
  removed(real: string): Promise<void> {
    return this.names.changed(dirOf(real), null, leafOf(real));
  }
}

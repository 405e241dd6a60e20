// The link operation (abi.wit; host-common/fs-types.ts FileSystem.link) for every host, on the
// runtime's primitives: a hard link to a regular file of the share, made inside the share. The
// source is found as open finds it (host-common/resolve.ts existing), the new name is made in a
// real parent and never through a symlink at its leaf; replacing is atomic (a link to a
// temporary name beside the target, renamed over it); and a link that turns out to be another
// file than the source (a parent swapped for a symlink between the checks and link(2)) is undone.
import { LINK_REPLACE } from "./abi.ts";
import { EXSHARE } from "./errno.ts";
import type { StatLike } from "./fs-types.ts";
import { dirOf, type ShareResolver } from "./resolve.ts";
import type { XattrStores } from "./xattrs.ts";

const EPERM = 1;
const EEXIST = 17;
const EISDIR = 21;

/** What linking needs from the runtime; the promises reject with the runtime's errors. */
export interface LinkOps {
  lstat(path: string): Promise<StatLike>;
  /** link(2): never follows a final symlink of `created`; fails if it exists. */
  link(existing: string, created: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a name that is not a directory (a directory is never removed). */
  unlink(path: string): Promise<void>;
}

/** A name for a link about to be renamed over the one it replaces (in the same directory). */
const linkTempName = (): string => `.wasmsmb-link-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

/** FileSystem.link on share: `to` becomes a hard link to the file `from`; 0 or a negative errno (or a rejection). */
export async function hardLink(paths: ShareResolver, ops: LinkOps, xattrs: XattrStores, share: number, from: string, to: string, flags: number): Promise<number> {
  // the file the core's open refers to: its real path, inside the share (symlinks resolved)
  const src = await paths.existing(share, from);
  if (typeof src === "number") return src;
  const before = await ops.lstat(src);
  if (before.isDirectory) return -EISDIR;
  if (!before.isFile) return -EPERM; // only regular files
  const sameFile = (s: StatLike) => s.ino === before.ino && s.dev === before.dev;
  // the new name keeps the client's spelling; an entry with that name in another case is it
  const dst = await paths.fresh(share, to, true);
  if (typeof dst === "number") return dst;
  const present = await paths.occupant(share, to);
  let target = dst;
  if (!(flags & LINK_REPLACE)) {
    if (present !== null) return -EEXIST;
    await ops.link(src, dst); // never follows a final symlink; EEXIST if one appeared meanwhile
  } else {
    if (present !== null) {
      if (present.stat.isDirectory) return -EISDIR;
      target = present.path; // the replaced entry, in its own spelling
    }
    // atomic replacement: link to a temporary name beside it, then rename over it
    const tmp = `${dirOf(target)}/${linkTempName()}`;
    await ops.link(src, tmp);
    try {
      if (present !== null && !sameFile(present.stat)) await xattrs.deleting(share, target); // it loses a link
      await ops.rename(tmp, target);
    } finally {
      await ops.unlink(tmp).catch(() => undefined); // left when target was already this file
    }
  }
  // a parent swapped for a symlink between the check and link(2) links something else: undo
  const made = await ops.lstat(target).catch(() => null);
  if (made === null || !sameFile(made)) {
    if (made !== null) await ops.unlink(target).catch(() => undefined);
    return -EXSHARE;
  }
  await paths.added(target);
  return 0;
}

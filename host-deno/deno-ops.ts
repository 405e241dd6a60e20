// Deno's file APIs in the shapes the runtime-neutral code takes: errors → negative errnos,
// Deno.FileInfo → StatLike, and the primitives of path resolution (host-common/resolve.ts) and
// hard links (host-common/hard-links.ts) for host-deno/fs.ts.
import { EBADF, negErrno } from "../host-common/errno.ts";
import type { StatLike } from "../host-common/fs-types.ts";
import type { LinkOps } from "../host-common/hard-links.ts";
import type { DirEntryLike, PathOps } from "../host-common/resolve.ts";

const EACCES = 13;

/** Deno errors → negative errno: Deno 2 sets `code` (ENOENT…) on OS errors; NotCapable is the sandbox. */
export function errno(e: unknown): number {
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
export async function guard(f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    return errno(e);
  }
}

async function entries(dir: string): Promise<DirEntryLike[]> {
  const out: DirEntryLike[] = [];
  for await (const e of Deno.readDir(dir)) out.push({ name: e.name, isSymlink: e.isSymlink });
  return out;
}

/** The Deno primitives of path resolution and hard links. */
export const denoOps: PathOps & LinkOps = {
  realpath: (p) => Deno.realPath(p),
  lstat: async (p) => toStatLike(await Deno.lstat(p)),
  stat: async (p) => toStatLike(await Deno.stat(p)),
  names: async (d) => (await entries(d)).map((e) => e.name),
  entries,
  errno,
  link: (existing, created) => Deno.link(existing, created),
  rename: (from, to) => Deno.rename(from, to),
  // Deno.remove also removes an empty directory (so does Deno's node:fs unlink): look first
  unlink: async (p) => {
    if ((await Deno.lstat(p)).isDirectory) throw new Deno.errors.IsADirectory(p);
    await Deno.remove(p);
  },
};

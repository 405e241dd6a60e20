// Case-insensitive name lookup for shares on case-sensitive filesystems (Windows and macOS
// clients expect "README.TXT" to open "readme.txt"). Only used when the exact name is not
// found; per directory, the folded names are cached and revalidated by the directory's mtime,
// so a lookup is one stat, not a directory scan per path component (review finding V7). A
// generated 8.3 name ("QUAR~7K2.DOC") also finds its file.

import { isValid83, looksShort, shortName } from "./short-names.ts";

/** What the resolver needs from the runtime. */
export interface DirAccess {
  /** Names in a directory (without . and ..). */
  readdir(dir: string): Promise<string[]>;
  /** The directory's modification time in ms, or null if it is not a directory. */
  mtimeMs(dir: string): Promise<number | null>;
}

/**
 * Folds a name the way Windows compares names: each UTF-16 code unit upper-cased on its own
 * (RtlUpcaseUnicodeChar), so a name never changes length ("ß" stays "ß").
 */
export function foldName(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    const u = c.toUpperCase();
    out += u.length === 1 ? u : c;
  }
  return out;
}

interface DirEntry {
  mtimeMs: number;
  /** folded name → on-disk name (the first seen when several differ only in case) */
  names: Map<string, string>;
  /** every on-disk name, to prefer an exact match among names differing only in case */
  exact: Set<string>;
  /** short (8.3) name → on-disk name, built on the first short-name lookup */
  shorts: Map<string, string> | null;
}

const MAX_DIRS = 512;

export class CaseResolver {
  private dirs = new Map<string, DirEntry>();

  constructor(private fs: DirAccess) {}

  /** The folded-name table of a directory (absolute path), or null if it is not a directory. */
  private async table(dir: string): Promise<DirEntry | null> {
    const m = await this.fs.mtimeMs(dir);
    if (m === null) return null;
    const hit = this.dirs.get(dir);
    if (hit && hit.mtimeMs === m) {
      // refresh LRU position
      this.dirs.delete(dir);
      this.dirs.set(dir, hit);
      return hit;
    }
    const names = new Map<string, string>();
    const list = await this.fs.readdir(dir);
    for (const n of list) {
      const f = foldName(n);
      if (!names.has(f)) names.set(f, n);
    }
    const entry: DirEntry = { mtimeMs: m, names, exact: new Set(list), shorts: null };
    this.dirs.set(dir, entry);
    if (this.dirs.size > MAX_DIRS) {
      const oldest = this.dirs.keys().next().value;
      if (oldest !== undefined) this.dirs.delete(oldest);
    }
    return entry;
  }

  /**
   * The on-disk spelling of rel ("a/b/c", relative to root) when every component exists in
   * some case; null when one does not. Components that exist exactly are kept as they are.
   */
  async resolve(root: string, rel: string): Promise<string | null> {
    if (rel === "") return "";
    const parts = rel.split("/");
    let dir = root;
    const out: string[] = [];
    for (const part of parts) {
      const t = await this.table(dir);
      if (t === null) return null;
      // prefer the exact spelling when it exists (two names may differ only in case)
      const name = t.exact.has(part) ? part : (t.names.get(foldName(part)) ?? byShortName(t, part));
      if (name === undefined) return null;
      out.push(name);
      dir = `${dir}/${name}`;
    }
    return out.join("/");
  }

  /**
   * This server added or removed a name in dir (absolute path): update a cached table in place
   * (one stat for the new mtime) instead of re-reading the directory at the next lookup, so
   * creating many files in one directory stays linear.
   */
  async changed(dir: string, added: string | null, removed: string | null): Promise<void> {
    const hit = this.dirs.get(dir);
    if (!hit) return;
    const m = await this.fs.mtimeMs(dir);
    if (m === null) {
      this.dirs.delete(dir);
      return;
    }
    if (removed !== null) {
      hit.exact.delete(removed);
      const f = foldName(removed);
      if (hit.names.get(f) === removed) {
        hit.names.delete(f);
        for (const n of hit.exact) if (foldName(n) === f) { hit.names.set(f, n); break; }
      }
    }
    if (added !== null) {
      hit.exact.add(added);
      const f = foldName(added);
      if (!hit.names.has(f)) hit.names.set(f, added);
    }
    hit.shorts = null;
    hit.mtimeMs = m;
  }
}

/** The on-disk name whose 8.3 name (short-names.ts) is part, if part looks like one. */
function byShortName(t: DirEntry, part: string): string | undefined {
  if (!looksShort(part)) return undefined;
  if (t.shorts === null) {
    t.shorts = new Map();
    for (const n of t.exact) if (!isValid83(n)) t.shorts.set(shortName(n), n);
  }
  return t.shorts.get(foldName(part));
}

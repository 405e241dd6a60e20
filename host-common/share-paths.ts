// Share directories by index, and the containment checks every host path goes through:
// a path is inside share i if its real path is the share's real root or below it.

export class SharePaths {
  /** Real (symlink-free) absolute roots, by share index. */
  constructor(private roots: string[]) {}

  root(share: number): string | null {
    return this.roots[share] ?? null;
  }

  /**
   * root + "/" + rel, or null if rel is not a plain relative path (the core never sends
   * such paths; this is defence in depth).
   */
  join(share: number, rel: string): string | null {
    const root = this.root(share);
    if (root === null) return null;
    if (rel === "") return root;
    if (rel.includes("\0") || rel.startsWith("/")) return null;
    for (const part of rel.split("/")) {
      if (part === "" || part === "." || part === "..") return null;
    }
    return `${root}/${rel}`;
  }

  contains(share: number, real: string): boolean {
    const root = this.root(share);
    if (root === null) return false;
    return real === root || real.startsWith(root === "/" ? "/" : `${root}/`);
  }

  containsAny(real: string): boolean {
    return this.roots.some((_, i) => this.contains(i, real));
  }
}

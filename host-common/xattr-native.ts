// Where the prebuilt @napi-rs/xattr addon of this platform lives, and loading it directly (not
// through the package's index.js, which probes the C library by reading /usr/bin/ldd and the
// process report): Deno grants --allow-ffi for this one file (scripts/run-deno.mjs).
import { createRequire } from "node:module";
import process from "node:process";

/** The addon's API (index.d.ts of @napi-rs/xattr 1.0.3). */
export interface XattrAddon {
  getAttribute(path: string, name: string): Promise<Uint8Array | null>;
  setAttribute(path: string, name: string, value: Uint8Array): Promise<void>;
  listAttributes(path: string): Promise<string[]>;
  removeAttribute(path: string, name: string): Promise<void>;
}

/** Platform suffixes the package publishes, best guess first (e.g. "linux-x64-gnu"). */
export function addonTriples(): string[] {
  const { platform, arch } = process;
  if (platform === "linux") {
    const abi = arch === "arm" ? ["gnueabihf"] : ["gnu", "musl"];
    return abi.map((a) => `linux-${arch}-${a}`);
  }
  if (platform === "android") return [`android-${arch === "arm" ? "arm-eabi" : arch}`];
  return [`${platform}-${arch}`];
}

/** Candidate paths of the addon under a node_modules directory. */
export function addonFiles(nodeModules: string): string[] {
  const dir = nodeModules.endsWith("/") ? nodeModules : `${nodeModules}/`;
  return addonTriples().map((t) => `${dir}@napi-rs/xattr-${t}/xattr.${t}.node`);
}

/**
 * node_modules directories from this file's folder up to the root, then from the executable's
 * (a standalone Bun binary in build/ finds the repository's node_modules that way).
 */
function nodeModulesDirs(): string[] {
  const dirs: string[] = [];
  const starts = [new URL("./", import.meta.url)];
  if (process.execPath) starts.push(new URL(`file://${process.execPath.replace(/[^/]*$/, "")}`));
  for (let u of starts) {
    for (let i = 0; i < 8; i++) {
      const d = new URL("node_modules/", u).pathname;
      if (!dirs.includes(d)) dirs.push(d);
      const up = new URL("../", u);
      if (up.href === u.href) break;
      u = up;
    }
  }
  return dirs;
}

/**
 * Loads the addon, or returns the reasons it could not (the caller then falls back to the
 * sidecar store). Only the platform's .node file is touched.
 */
export function loadXattrAddon(): XattrAddon | string {
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const dir of nodeModulesDirs()) {
    for (const file of addonFiles(dir)) {
      try {
        return require(file) as XattrAddon;
      } catch (e) {
        const msg = (e as Error).message ?? String(e);
        if (!/Cannot find module|NotFound|No such file|Requires read access|NotCapable/i.test(msg)) errors.push(`${file}: ${msg}`);
      }
    }
  }
  return errors.length > 0 ? errors.join("; ") : "the @napi-rs/xattr addon for this platform is not installed";
}

// Builds everything a checkout needs: build/core.wasm (+ debug), the AssemblyScript test
// modules under build/test/, and the TypeScript hosts, tests and bench compiled to dist/.
// Usage: node scripts/build.mjs [--wasm-only] [--if-missing]
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const bin = (name) => join(root, "node_modules", ".bin", name);

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function upToDate(out, ...srcDirs) {
  if (!existsSync(out)) return false;
  const o = statSync(out).mtimeMs;
  return srcDirs.every((d) => !existsSync(d) || newestMtime(d) <= o);
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`Build failed: ${cmd} ${argv.join(" ")} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

mkdirSync(join(root, "build", "test"), { recursive: true });
const asm = join(root, "assembly");

if (!(args.has("--if-missing") && upToDate(join(root, "build/core.wasm"), asm))) {
  run(bin("asc"), ["assembly/index.ts", "--target", "release"]);
  run(bin("asc"), ["assembly/index.ts", "--target", "debug"]);
}

// AssemblyScript unit-test modules: tests/wasm/<name>.ts -> build/test/<name>.wasm
const testDir = join(root, "tests", "wasm");
if (!args.has("--if-missing")) {
  for (const f of readdirSync(testDir)) {
    if (!f.endsWith(".ts") || f.startsWith("_")) continue;
    const name = f.slice(0, -3);
    run(bin("asc"), [
      `tests/wasm/${f}`, "--config", "asconfig.json", "--target", "release",
      "--outFile", `build/test/${name}.wasm`,
    ]);
  }
}

if (!args.has("--wasm-only")) {
  const srcs = ["host-common", "host-node", "tests", "bench"].map((d) => join(root, d));
  if (!(args.has("--if-missing") && upToDate(join(root, "dist/host-node/main.js"), ...srcs))) {
    run(bin("tsc"), ["-p", "tsconfig.json"]);
  }
}

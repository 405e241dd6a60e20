// `npm run fuzz -- [options]`: builds what the fuzzer needs when it is missing or older than
// its sources — the coverage-instrumented core (build/test/fuzz_core.cov.wasm + probe table,
// via tests/fuzz/cov-transform.mjs), the rtrace core (build/test/fuzz_core.rtrace.wasm) and
// the harness (tests/fuzz/tsconfig.json → dist/) — then runs dist/tests/fuzz/run.js with the
// options (see tests/fuzz/README.md). `node scripts/fuzz.mjs --build-only` only builds;
// `node scripts/fuzz.mjs --record [--full]` re-records the corpus first.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of readdirSync(p)) t = Math.max(t, newest(join(p, e)));
  return t;
}

const stale = (out, ...srcs) => !existsSync(out) || srcs.some((s) => newest(s) > statSync(out).mtimeMs);

function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`fuzz: ${cmd} ${argv.join(" ")} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

const asm = join(root, "assembly");
const target = join(root, "tests/wasm/fuzz_core.ts");
const transform = join(root, "tests/fuzz/cov-transform.mjs");

/** Builds the fuzz variants of the core that are out of date. */
export function buildFuzz({ cov = true, rtrace = true, harness = true } = {}) {
  mkdirSync(join(root, "build/test"), { recursive: true });
  const cover = join(root, "build/test/fuzz_core.cov.wasm");
  if (cov && stale(cover, asm, target, transform)) {
    console.error("fuzz: building build/test/fuzz_core.cov.wasm (coverage probes)");
    // the transform writes the probe table before compiling: write both to temporary names and
    // rename them together once the compile succeeded, so that a failed build never leaves a
    // table that does not match the wasm
    const table = join(root, "build/test/fuzz_core.cov.json");
    run(bin("asc"), ["tests/wasm/fuzz_core.ts", "--config", "asconfig.json", "--target", "release", "--transform", "./tests/fuzz/cov-transform.mjs",
      "--outFile", cover.replace(/\.wasm$/, ".tmp.wasm")], { FUZZ_COV_TABLE: `${table}.tmp` });
    renameSync(`${table}.tmp`, table);
    renameSync(cover.replace(/\.wasm$/, ".tmp.wasm"), cover);
  }
  const rt = join(root, "build/test/fuzz_core.rtrace.wasm");
  if (rtrace && stale(rt, asm, target)) {
    // ASC_RTRACE: the runtime reports every allocation, free, GC visit (and every store) to the
    // `rtrace` imports; _initialize runs the start function once those imports can see memory.
    console.error("fuzz: building build/test/fuzz_core.rtrace.wasm (runtime tracing)");
    run(bin("asc"), ["tests/wasm/fuzz_core.ts", "--config", "asconfig.json", "--target", "release", "--use", "ASC_RTRACE=1",
      "--exportStart", "_initialize", "--debug", "--outFile", rt.replace(/\.wasm$/, ".tmp.wasm")]);
    renameSync(rt.replace(/\.wasm$/, ".tmp.wasm"), rt);
  }
  if (harness && stale(join(root, "dist/tests/fuzz/run.js"), join(root, "tests/fuzz"), join(root, "tests/helpers"), join(root, "host-common"))) {
    console.error("fuzz: compiling the harness (tests/fuzz/tsconfig.json)");
    run(bin("tsc"), ["-p", "tests/fuzz/tsconfig.json"]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (!existsSync(join(root, "dist/host-node/main.js"))) run(process.execPath, ["scripts/build.mjs"]);
  buildFuzz();
  if (args.includes("--build-only")) process.exit(0);
  if (args.includes("--record")) {
    run(process.execPath, ["dist/tests/fuzz/record.js", ...(args.includes("--full") ? ["--full"] : [])]);
    process.exit(0);
  }
  const r = spawnSync(process.execPath, ["dist/tests/fuzz/run.js", ...args], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

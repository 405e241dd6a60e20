// `npm test`: installs what the tests need from Debian, builds, type-checks (tsc, deno check,
// the Bun config), lints, runs the unit and end-to-end tests, and ends with "N passed, N failed".
import { spawnSync, spawn } from "node:child_process";
import { existsSync, } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (n) => join(root, "node_modules", ".bin", n);
let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, opts = {}) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  const ok = r.status === 0;
  console.log(`${ok ? "PASS" : "FAIL"} ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  if (ok) passed++;
  else {
    failed++;
    failures.push(name);
  }
  return ok;
}

/** Runs uvu over dist/tests/<dir> and adds its test counts. */
function uvu(dir, pattern) {
  return new Promise((resolve) => {
    const t = Date.now();
    const p = spawn(bin("uvu"), [join("dist", "tests", dir), pattern], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    p.on("exit", (code) => {
      const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
      const total = [...plain.matchAll(/Total:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      const pass = [...plain.matchAll(/Passed:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      const skipped = [...plain.matchAll(/Skipped:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      passed += pass;
      failed += total - pass; // skipped tests count as failed: they did not run
      if (code !== 0 && total === pass) {
        failed++; // a file that crashed before counting
        failures.push(`${dir} (uvu exited ${code})`);
      }
      if (total - pass > 0) failures.push(`${dir}: ${total - pass} failed or skipped (${skipped} skipped)`);
      console.log(`${dir}: ${pass}/${total} passed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      resolve();
    });
  });
}

if (!step("system packages (smbclient, samba-testsuite)", process.execPath, ["scripts/ensure-deps.mjs"])) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}
if (!step("build (core.wasm, test modules, tsc)", process.execPath, ["scripts/build.mjs"])) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}
step("lint (biome)", bin("biome"), ["lint", "host-common", "host-node", "host-deno", "host-bun", "tests", "scripts", "bench"]);
step("type check Deno host (deno check)", bin("deno"), ["check", "--quiet", "host-deno/main.ts"]);
if (existsSync(join(root, "tsconfig.bun.json"))) step("type check Bun host (tsc)", bin("tsc"), ["-p", "tsconfig.bun.json"]);

/**
 * Runs smbtorture conformance tests (tests/conformance/run.ts) and adds each test's verdict.
 * Tests listed in tests/conformance/pending.list (features not built yet) are not run and
 * not counted; the summary names them.
 */
function conformance(runtime, list) {
  return new Promise((resolve) => {
    const t = Date.now();
    const args = [join("dist", "tests", "conformance", "run.js"), "--runtime", runtime, "--timeout", "180",
      "--exclude", join("tests", "conformance", "pending.list"), join("tests", "conformance", list)];
    const p = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    p.on("exit", () => {
      const m = out.match(/^(\d+) passed, (\d+) failed/m);
      const pass = m ? Number(m[1]) : 0;
      const fail = m ? Number(m[2]) : 1;
      passed += pass;
      failed += fail;
      if (fail > 0 || !m) failures.push(`conformance ${runtime} ${list}: ${fail} failed`);
      console.log(`conformance ${runtime} (${list}): ${pass}/${pass + fail} passed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      resolve();
    });
  });
}

const only = process.env.TEST_ONLY; // e.g. TEST_ONLY=unit
if (!only || only === "unit") await uvu("unit", "\\.test\\.js$");
if (!only || only === "e2e") await uvu("e2e", "\\.test\\.js$");
if (!only || only === "conformance") {
  await conformance("node", "ksmbd-ci.list");
  await conformance("node", "samba-targets.list");
  await conformance("deno", "runtime-sample.list");
  await conformance("bun", "runtime-sample.list");
}

if (failures.length) console.log(`Failed: ${failures.join("; ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

// `npm run conformance -- [--runtime node|deno|bun] [--timeout S] [--log DIR] [--exclude LIST] [LIST | TEST ...]`:
// runs smbtorture tests against this server one by one (each with its own timeout, the share
// wiped in between, as ksmbd's CI does) and prints PASS/FAIL/SKIP/TIMEOUT per test and
// "N passed, N failed" (a test smbtorture skipped did not run: it counts as failed, as in
// npm test). LIST is a file with one test name per line (# comments); the default is
// tests/conformance/ksmbd-ci.list. --exclude LIST names tests not to run (their reasons are in
// the list's comments); they are reported as not run, never counted as passed.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startServer, type RunningServer, type Runtime } from "../helpers/server.ts";
import { clientConf } from "../helpers/smbclient.ts";

const USER = "testuser";
const PASSWORD = "Conformance-pw1";

interface Options {
  runtime: Runtime;
  timeoutS: number;
  logDir: string | null;
  tests: string[];
  excluded: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runtime: "node", timeoutS: 120, logDir: null, tests: [], excluded: [] };
  const lists: string[] = [];
  const excludeLists: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runtime") o.runtime = argv[++i] as Runtime;
    else if (a === "--timeout") o.timeoutS = Number(argv[++i]);
    else if (a === "--log") o.logDir = argv[++i];
    else if (a === "--exclude") excludeLists.push(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log("usage: npm run conformance -- [--runtime node|deno|bun] [--timeout S] [--log DIR] [--exclude LIST] [LIST | TEST ...]");
      process.exit(0);
    } else if (existsSync(a)) lists.push(a);
    else if (existsSync(join(repoRoot, "tests/conformance", a))) lists.push(join(repoRoot, "tests/conformance", a));
    else o.tests.push(a);
  }
  if (!["node", "deno", "bun"].includes(o.runtime)) throw new Error(`unknown runtime ${o.runtime}`);
  if (lists.length === 0 && o.tests.length === 0) lists.push(join(repoRoot, "tests/conformance/ksmbd-ci.list"));
  const names = (l: string) => readFileSync(l, "utf8").split("\n").map((x) => x.trim()).filter((x) => x && !x.startsWith("#"));
  for (const l of lists) o.tests.push(...names(l));
  const skip = new Set(excludeLists.flatMap(names));
  o.excluded = o.tests.filter((t) => skip.has(t));
  o.tests = o.tests.filter((t) => !skip.has(t));
  return o;
}

/** Empties a directory without removing it. */
function wipe(dir: string): void {
  for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
}

type Verdict = "PASS" | "FAIL" | "SKIP" | "TIMEOUT";

function runTest(port: number, test: string, timeoutS: number): Promise<{ verdict: Verdict; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn("smbtorture", [
      "//127.0.0.1/test", "-p", String(port), "-U", `${USER}%${PASSWORD}`, "-s", clientConf,
      "--format=subunit", test,
    ], { stdio: ["ignore", "pipe", "pipe"], cwd: tmpdir() }); // smbtorture leaves smbtortureXXXXXX dirs in its cwd
    let out = "";
    let timedOut = false;
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeoutS * 1000);
    p.on("exit", () => {
      clearTimeout(timer);
      const failed = /^(failure|error):/m.test(out);
      const ok = /^success:/m.test(out);
      const skipped = /^skip:/m.test(out);
      const verdict: Verdict = timedOut ? "TIMEOUT" : ok && !failed ? "PASS" : skipped && !failed ? "SKIP" : "FAIL";
      resolve({ verdict, out, ms: Date.now() - t0 });
    });
  });
}

/** The first failure (or skip) reason smbtorture gave, on one line. */
function reason(out: string): string {
  const m = out.match(/^(?:failure|error|skip): [^[\n]*\[\n?([^\n]*)/m);
  return (m?.[1] ?? out.trim().split("\n").pop() ?? "").slice(0, 160);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "conformance-"));
  const share = join(dir, "test");
  mkdirSync(share);
  const conf = join(dir, "smb.conf");
  // "noperm" (read-only, always empty) is the share smb2.ioctl.bug14788 connects to; the
  // copy_chunk_across_shares tests use a second tree connect to "test" itself.
  const noperm = join(dir, "noperm");
  mkdirSync(noperm);
  writeFileSync(conf, `[global]\n  server string = Conformance\n  map to guest = bad user\n[test]\n  path = ${share}\n  read only = no\n  guest ok = yes\n[noperm]\n  path = ${noperm}\n  read only = yes\n  guest ok = yes\n  browseable = no\n`);
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  let srv: RunningServer | null = null;
  const start = async () => {
    srv = await startServer({ runtime: o.runtime, args: ["--config", conf], noPath: true, users: { [USER]: PASSWORD } });
  };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const t0 = Date.now();
  try {
    await start();
    for (const test of o.tests) {
      const s = srv as unknown as RunningServer;
      if (s.proc.exitCode !== null) {
        console.log(`server exited (${s.proc.exitCode}); restarting. Its last output:\n${s.output().slice(-2000)}`);
        await start();
      }
      wipe(share);
      const r = await runTest((srv as unknown as RunningServer).port, test, o.timeoutS);
      if (r.verdict === "PASS") passed++;
      else failed++;
      if (r.verdict === "SKIP") skipped++;
      const why = r.verdict === "FAIL" || r.verdict === "SKIP" ? `  ${reason(r.out)}` : "";
      console.log(`${r.verdict} ${test} (${(r.ms / 1000).toFixed(1)} s)${why}`);
      if (o.logDir) writeFileSync(join(o.logDir, `${test.replace(/[^\w.-]+/g, "_")}.log`), r.out);
    }
  } finally {
    await (srv as RunningServer | null)?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${o.runtime}: ${o.tests.length} tests in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (o.excluded.length > 0) console.log(`not run (excluded): ${o.excluded.length} — ${o.excluded.join(", ")}`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? ` (${skipped} of them skipped)` : ""}`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();

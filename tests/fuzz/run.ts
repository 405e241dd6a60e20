// `npm run fuzz -- [--execs N] [--seconds S] [--seed N] [--jobs N] [--corpus DIR]... [--crashes DIR]
//  [--wasm FILE] [--json] [--repro FILE...]`: the fuzz driver. Runs worker threads (engine.ts), each
// with its own core instance; a watchdog catches executions that never return (an endless
// loop in the core) and saves them; prints progress and the summary line
// `fuzz: N execs, X execs/s, C crashes, L leaks, H hangs, coverage: …`. --repro replays crash files.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createHash } from "node:crypto";
import { readConversation } from "./corpus.ts";
import { Finding } from "./driver.ts";
import { Engine, encodeExecInto, execOfFile, type FindingReport, loadCorpus, serializeExec } from "./engine.ts";
import type { Exec } from "./replay.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url)); // dist/tests/fuzz → repo
export const COV_WASM = join(repoRoot, "build/test/fuzz_core.cov.wasm");
export const COV_TABLE = join(repoRoot, "build/test/fuzz_core.cov.json");
export const PLAIN_WASM = join(repoRoot, "build/test/fuzz_core.wasm");

export interface Options {
  execs: number;
  seconds: number;
  seed: number;
  jobs: number;
  corpus: string[];
  crashes: string;
  wasm: string;
  covTable: string;
  json: boolean;
  repro: string[];
  hangSeconds: number;
  logLevel: number;
  quiet: boolean;
  trace: boolean;
  minimize: string[];
}

export function parseOptions(argv: string[]): Options {
  const o: Options = {
    execs: 0, seconds: 0, seed: Date.now() % 1_000_000, jobs: 1, corpus: [], crashes: join(repoRoot, "tests/fuzz/crashes"),
    wasm: existsSync(COV_WASM) ? COV_WASM : PLAIN_WASM, covTable: COV_TABLE, json: false, repro: [], hangSeconds: 20, logLevel: 2, quiet: false, trace: false, minimize: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--execs") o.execs = Number(next());
    else if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--seed") o.seed = Number(next());
    else if (a === "--jobs") o.jobs = Math.max(1, Number(next()));
    else if (a === "--corpus") o.corpus.push(next());
    else if (a === "--crashes") o.crashes = next();
    else if (a === "--wasm") o.wasm = next();
    else if (a === "--cov-table") o.covTable = next();
    else if (a === "--json") o.json = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--trace") o.trace = true;
    else if (a === "--hang-seconds") o.hangSeconds = Number(next());
    else if (a === "--log-level") o.logLevel = Number(next());
    else if (a === "--minimize") {
      while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) o.minimize.push(next());
    } else if (a === "--repro") {
      while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) o.repro.push(next());
    } else if (a === "-h" || a === "--help") {
      console.log("usage: npm run fuzz -- [--execs N] [--seconds S] [--seed N] [--jobs N] [--corpus DIR]... [--crashes DIR] [--wasm FILE] [--json] [--repro FILE...]");
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.corpus.length === 0) {
    o.corpus.push(join(repoRoot, "tests/fuzz/corpus"));
    if (existsSync(join(repoRoot, "build/fuzz-corpus"))) o.corpus.push(join(repoRoot, "build/fuzz-corpus"));
  }
  if (o.execs === 0 && o.seconds === 0) o.seconds = 60;
  return o;
}

/** Signatures of findings already saved in the crash directory (not reported again). */
function knownSignatures(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".smbc")) continue;
    try {
      const sig = (readConversation(join(dir, f)).meta.finding as { sig?: string } | undefined)?.sig;
      if (sig) out.push(sig);
    } catch {
      // not a crash file
    }
  }
  return out;
}


interface Progress {
  type: "progress" | "done";
  execs: number;
  frames: number;
  probes: number[];
  templates: string[];
  pairs: number[];
  crashes: number;
  leaks: number;
  hangs: number;
  violations: number;
  baselineMoves: number;
  heapLostMiB: number;
  probeCount: number;
  counts: Array<[string, number]>;
}

/** Worker: runs the engine until its share of executions or time is used. */
async function worker(): Promise<void> {
  const w = workerData as { o: Options; seed: number; execs: number; deadline: number; hb: SharedArrayBuffer; input: SharedArrayBuffer; known: string[] };
  const hb = new Int32Array(w.hb);
  const input = new Uint8Array(w.input);
  const inputLen = new Int32Array(w.input, 0, 1);
  const post = (m: unknown) => parentPort?.postMessage(m);
  const engine = new Engine({
    wasm: w.o.wasm, covTable: w.o.covTable, corpus: loadCorpus(w.o.corpus), seed: w.seed, crashDir: w.o.crashes,
    known: new Set(w.known), logLevel: w.o.logLevel,
    onFinding: (f: FindingReport) => post({ type: "finding", f }),
    beforeExec: (x) => {
      Atomics.store(hb, 1, Math.floor(Date.now() / 1000));
      Atomics.add(hb, 0, 1);
      // keep the current input where the watchdog can save it if this execution never returns
      Atomics.store(inputLen, 0, Math.max(0, encodeExecInto(x, input.subarray(8))));
    },
  });
  const progress = (type: "progress" | "done") => {
    const n = engine.takeNew();
    const msg: Progress = {
      type, execs: engine.execs, frames: engine.frames, probes: n.probes, templates: n.templates, pairs: [...engine.pairs], crashes: engine.crashes,
      leaks: engine.leaks, hangs: engine.hangs, violations: engine.violations, baselineMoves: engine.baselineMoves, probeCount: engine.probeCount,
      heapLostMiB: 0, counts: [...engine.counts],
    };
    post(msg);
  };
  let last = Date.now();
  while ((w.execs === 0 || engine.execs < w.execs) && (w.deadline === 0 || Date.now() < w.deadline)) {
    try {
      engine.step();
    } catch (e) {
      // a harness error (not a core finding): report and go on with a fresh instance
      post({ type: "error", message: (e as Error).stack ?? String(e) });
      engine.report(new Finding("violation", `harness:${(e as Error).message}`, `harness error: ${(e as Error).message}`), execOfFile(loadCorpus(w.o.corpus)[0]));
    }
    if (Date.now() - last > 1000) {
      last = Date.now();
      progress("progress");
    }
  }
  Atomics.store(hb, 1, 0);
  progress("done");
}

interface Total {
  execs: number;
  frames: number;
  crashes: number;
  leaks: number;
  hangs: number;
  violations: number;
  baselineMoves: number;
  probes: Set<number>;
  templates: Set<string>;
  pairs: Set<number>;
  probeCount: number;
  findings: FindingReport[];
  counts: Map<string, number>;
}

/** Main thread: starts the workers, watches them, prints progress and the summary. */
export async function fuzz(o: Options): Promise<Total & { seconds: number }> {
  const t0 = Date.now();
  const deadline = o.seconds > 0 ? t0 + o.seconds * 1000 : 0;
  const known = knownSignatures(o.crashes);
  const total: Total = {
    execs: 0, frames: 0, crashes: 0, leaks: 0, hangs: 0, violations: 0, baselineMoves: 0, probes: new Set(), templates: new Set(), pairs: new Set(),
    probeCount: 0, findings: [], counts: new Map(),
  };
  const per = new Map<number, Progress>();
  const say = (s: string) => {
    if (!o.quiet) console.error(s);
  };
  let nextSeed = o.seed;
  const start = (slot: number, execs: number): Promise<void> =>
    new Promise((resolve) => {
      const hb = new SharedArrayBuffer(8);
      const input = new SharedArrayBuffer(16 << 20);
      const seed = nextSeed++;
      const w = new Worker(fileURLToPath(import.meta.url), { workerData: { o, seed, execs, deadline, hb, input, known } });
      const h = new Int32Array(hb);
      let finished = false;
      const base = { ...(per.get(slot) ?? emptyProgress()) };
      const watchdog = setInterval(() => {
        const startedAt = Atomics.load(h, 1);
        if (finished || startedAt === 0 || Date.now() / 1000 - startedAt < o.hangSeconds) return;
        // this execution never returned: save it and replace the worker
        finished = true;
        clearInterval(watchdog);
        const len = Atomics.load(new Int32Array(input, 0, 1), 0);
        const bytes = new Uint8Array(input, 8, len).slice();
        const sig = "hang:endless-execution";
        total.hangs++;
        total.counts.set(sig, (total.counts.get(sig) ?? 0) + 1);
        let file: string | null = null;
        if (!known.includes(sig) && o.crashes) {
          mkdirSync(o.crashes, { recursive: true });
          file = join(o.crashes, `hang-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}.smbc`);
          writeFileSync(file, bytes);
        }
        const f: FindingReport = { kind: "hang", sig, message: `an execution did not return within ${o.hangSeconds} s`, file, logTail: [], execs: 0 };
        total.findings.push(f);
        say(`HANG: ${f.message}${file ? ` → ${file}` : ""}`);
        void w.terminate().then(() => {
          const p = per.get(slot);
          per.set(slot, { ...(p ?? emptyProgress()) });
          resolve(start(slot, execs === 0 ? 0 : Math.max(1, execs - (p?.execs ?? 0))));
        });
      }, 1000);
      w.on("message", (m: { type: "finding" | "error" | "progress" | "done"; f?: FindingReport; message?: string } & Omit<Progress, "type">) => {
        if (m.type === "finding" && m.f) {
          total.findings.push(m.f);
          say(`FINDING ${m.f.kind}: ${m.f.message}${m.f.file ? ` → ${m.f.file}` : ""}`);
        } else if (m.type === "error") {
          say(`harness error: ${m.message}`);
        } else if (m.type === "progress" || m.type === "done") {
          for (const p of m.probes) total.probes.add(p);
          for (const t of m.templates) total.templates.add(t);
          for (const p of m.pairs) total.pairs.add(p);
          total.probeCount = m.probeCount;
          per.set(slot, { ...m, type: "progress", execs: base.execs + m.execs, frames: base.frames + m.frames, crashes: base.crashes + m.crashes, leaks: base.leaks + m.leaks, hangs: base.hangs + m.hangs, violations: base.violations + m.violations });
          for (const [k, v] of m.counts) total.counts.set(`${slot}:${k}`, v);
        }
      });
      w.on("error", (e) => say(`worker error: ${e.stack ?? e}`));
      w.on("exit", () => {
        clearInterval(watchdog);
        if (!finished) {
          finished = true;
          resolve();
        }
      });
    });
  const ticker = setInterval(() => {
    const s = sum(per);
    const el = (Date.now() - t0) / 1000;
    say(`fuzz: ${s.execs} execs (${(s.execs / el).toFixed(0)}/s), ${total.probes.size}/${total.probeCount} branches, ${total.pairs.size} (command,status), ${total.templates.size} log templates, ${s.crashes} crashes, ${s.leaks} leaks, ${s.hangs + total.hangs} hangs, ${s.violations} violations`);
  }, o.quiet ? 3_600_000 : 10_000);
  const perJob = o.execs > 0 ? Math.ceil(o.execs / o.jobs) : 0;
  await Promise.all(Array.from({ length: o.jobs }, (_, i) => start(i, perJob)));
  clearInterval(ticker);
  const s = sum(per);
  return { ...total, execs: s.execs, frames: s.frames, crashes: s.crashes, leaks: s.leaks, hangs: s.hangs + total.hangs, violations: s.violations, baselineMoves: s.baselineMoves, seconds: (Date.now() - t0) / 1000 };
}

function emptyProgress(): Progress {
  return { type: "progress", execs: 0, frames: 0, probes: [], templates: [], pairs: [], crashes: 0, leaks: 0, hangs: 0, violations: 0, baselineMoves: 0, heapLostMiB: 0, probeCount: 0, counts: [] };
}

function sum(per: Map<number, Progress>): Progress {
  const s = emptyProgress();
  for (const p of per.values()) {
    s.execs += p.execs;
    s.frames += p.frames;
    s.crashes += p.crashes;
    s.leaks += p.leaks;
    s.hangs += p.hangs;
    s.violations += p.violations;
    s.baselineMoves += p.baselineMoves;
  }
  return s;
}

/** Runs an execution on a fresh core; the finding's signature or null. */
function sigOf(x: Exec, o: Options): string | null {
  const e = new Engine({ wasm: o.wasm, covTable: undefined, corpus: [], seed: 1, crashDir: null, logLevel: 2 });
  for (let i = 0; i < REPRO_RUNS; i++) {
    const f = e.runExec(x);
    if (f) return f.sig;
  }
  return null;
}

/**
 * Times a crash file is replayed on one fresh core before giving up: some findings need state
 * that earlier connections leave (e.g. the per-address logon-failure throttle).
 */
const REPRO_RUNS = 8;

/**
 * Shrinks a crash file (delta debugging over its steps, then over unused frames) while it
 * still produces the same finding; writes FILE.min.smbc.
 */
export function minimize(file: string, o: Options): string | null {
  const conv = readConversation(file);
  const x = execOfFile(conv);
  const sig = sigOf(x, o);
  if (sig === null) {
    console.error(`${file}: no finding on a fresh core; nothing to minimize`);
    return null;
  }
  let steps = x.steps;
  for (let chunk = Math.max(1, steps.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let i = 0; i < steps.length; ) {
      const cand = [...steps.slice(0, i), ...steps.slice(i + chunk)];
      if (cand.length > 0 && sigOf({ ...x, steps: cand }, o) === sig) steps = cand;
      else i += chunk;
    }
  }
  // drop frames no step uses, renumbering
  const used = [...new Set(steps.flatMap((s) => (s.t === "send" ? [s.f] : [])))].sort((a, b) => a - b);
  const frames = used.map((f) => x.frames[f]);
  const remap = new Map(used.map((f, i) => [f, i]));
  const min: Exec = { ...x, frames, steps: steps.map((s) => (s.t === "send" ? { ...s, f: remap.get(s.f) as number } : s)) };
  const out = file.replace(/(\.min)?\.smbc$/, ".min.smbc");
  writeFileSync(out, serializeExec(min, { finding: conv.meta.finding }));
  console.error(`${file}: ${x.steps.length} → ${min.steps.length} steps, same finding (${sig}) → ${out}`);
  return out;
}

/** Replays crash files on a fresh core; returns the findings they still produce. */
export function repro(files: string[], o: Options): Array<{ file: string; finding: Finding | null }> {
  const out: Array<{ file: string; finding: Finding | null }> = [];
  for (const file of files) {
    const conv = readConversation(file);
    const e = new Engine({ wasm: o.wasm, covTable: undefined, corpus: [], seed: 1, crashDir: null, logLevel: 3 });
    if (o.trace) {
      e.d.trace = (l) => console.error(l);
      e.d.logHook = (l) => console.error(`  | ${l}`);
    }
    const x = execOfFile(conv);
    let f: Finding | null = null;
    let runs = 0;
    while (f === null && runs < REPRO_RUNS) {
      runs++;
      f = e.runExec(x);
    }
    out.push({ file, finding: f });
    if (!o.quiet) {
      console.error(`${file}: ${f ? `${f.kind} (replay ${runs}): ${f.message}` : `no finding in ${REPRO_RUNS} replays (fixed, or it needs the state of a long run)`}`);
      if (f) console.error(e.d.logLines.slice(-15).map((l) => `  | ${l}`).join("\n"));
    }
  }
  return out;
}

export function summaryLine(t: Total & { seconds: number }): string {
  const probes = t.probeCount > 0 ? `${t.probes.size}/${t.probeCount} branch probes (${((100 * t.probes.size) / t.probeCount).toFixed(1)}%), ` : "";
  return `fuzz: ${t.execs} execs, ${(t.execs / Math.max(t.seconds, 0.001)).toFixed(0)} execs/s, ${t.crashes} crashes, ${t.leaks} leaks, ${t.hangs} hangs, ${t.violations} violations, coverage: ${probes}${t.pairs.size} (command,status) pairs, ${t.templates.size} log-line templates`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.minimize.length > 0) {
    for (const f of o.minimize) minimize(f, o);
    process.exit(0);
  }
  if (o.repro.length > 0) {
    const r = repro(o.repro, o);
    process.exit(r.some((x) => x.finding !== null) ? 1 : 0);
  }
  if (!existsSync(o.wasm)) {
    console.error(`${o.wasm} is missing: run node scripts/fuzz.mjs (it builds it) or node scripts/build.mjs`);
    process.exit(2);
  }
  const t = await fuzz(o);
  const line = summaryLine(t);
  if (o.json) {
    console.log(JSON.stringify({
      execs: t.execs, frames: t.frames, seconds: t.seconds, crashes: t.crashes, leaks: t.leaks, hangs: t.hangs, violations: t.violations, baselineMoves: t.baselineMoves,
      probes: t.probes.size, probeCount: t.probeCount, pairs: t.pairs.size, templates: t.templates.size,
      findings: t.findings, summary: line,
    }));
  } else {
    for (const f of t.findings) console.log(`${f.kind}: ${f.message}${f.file ? ` (${f.file})` : ""}`);
    console.log(line);
  }
  process.exit(t.crashes + t.leaks + t.hangs + t.violations > 0 ? 1 : 0);
}

if (!isMainThread && (workerData as { o?: Options } | null)?.o) await worker();
else if (isMainThread && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

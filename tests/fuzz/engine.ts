// The fuzz loop of one worker: picks a corpus connection, mutates it (mutate.ts), replays it
// against the in-process core (replay.ts, driver.ts), and checks the oracles — panic or trap,
// fs/record violations, connection/handle/buffer accounting back to baseline after every
// connection (a growth is re-run: growing again is a leak), the TLSF heap after GC (unbounded
// growth) — and measures coverage: source-level branch probes (cov-transform.mjs), distinct
// (command, status) pairs of responses and distinct log-line templates.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Conversation, encodeConversation, readConversation } from "./corpus.ts";
import { Driver, Finding, Rng } from "./driver.ts";
import { makeExec, plainExec } from "./mutate.ts";
import { type Exec, Replayer, type Step } from "./replay.ts";

export const FUZZ_USERS = { fuzz: "Fuzz-pass1" };

export interface EngineOptions {
  wasm: string;
  /** Probe table written by cov-transform.mjs (coverage off without it). */
  covTable?: string;
  corpus: Conversation[];
  seed: number;
  /** Where findings are saved (null: not saved). */
  crashDir: string | null;
  /** Signatures not to report again (already known). */
  known?: Set<string>;
  logLevel?: number;
  onFinding?: (f: FindingReport) => void;
  /** Called before each execution (hang capture: see encodeExecInto). */
  beforeExec?: (x: Exec) => void;
}

export interface FindingReport {
  kind: string;
  sig: string;
  message: string;
  file: string | null;
  logTail: string[];
  execs: number;
}

/** The bytes of an execution as a crash file (corpus format, meta.actions = the plan). */
export function serializeExec(x: Exec, extra: Record<string, unknown> = {}): Uint8Array {
  return encodeConversation({
    meta: { ...x.conv.meta, ...extra, actions: { steps: x.steps, defer: x.defer, seed: x.seed, peer: x.peer } },
    c2s: x.frames, s2c: x.conv.s2c, order: [...x.frames.map(() => 0), ...x.conv.s2c.map(() => 1)],
  });
}

/**
 * serializeExec(x) written straight into out (no intermediate copies: the worker does this
 * before every execution, so that the watchdog can save one that never returns); the bytes
 * written, or -1 when they do not fit.
 */
export function encodeExecInto(x: Exec, out: Uint8Array): number {
  const meta = JSON.stringify({ ...x.conv.meta, actions: { steps: x.steps, defer: x.defer, seed: x.seed, peer: x.peer } });
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (out.length < 12 + meta.length * 3) return -1;
  out.set(MAGIC_BYTES);
  const { written } = textEncoder.encodeInto(meta, out.subarray(12));
  v.setUint32(8, written, true);
  let o = 12 + written;
  const put = (dir: number, b: Uint8Array): boolean => {
    if (o + 5 + b.length > out.length) return false;
    out[o] = dir;
    v.setUint32(o + 1, b.length, true);
    out.set(b, o + 5);
    o += 5 + b.length;
    return true;
  };
  for (const f of x.frames) if (!put(0, f)) return -1;
  for (const f of x.conv.s2c) if (!put(1, f)) return -1;
  return o;
}

const textEncoder = new TextEncoder();
const MAGIC_BYTES = textEncoder.encode("SMBFZ01\n");

/** The execution stored in a crash file. */
export function execOfFile(conv: Conversation): Exec {
  const a = conv.meta.actions as { steps: Step[]; defer: number; seed: number; peer: string } | undefined;
  if (!a) return plainExec(conv);
  const rec: Conversation = { ...conv, c2s: conv.c2s, meta: { ...conv.meta, actions: undefined } };
  return { conv: rec, frames: conv.c2s, steps: a.steps, defer: a.defer, seed: a.seed, peer: a.peer };
}

/** Loads every *.smbc file of the given directories. */
export function loadCorpus(dirs: string[]): Conversation[] {
  const out: Conversation[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith(".smbc")) out.push(readConversation(join(d, f)));
  }
  return out;
}

/**
 * A log line with its variable parts blanked: numbers, hex, quoted names, addresses, and words
 * with non-ASCII or control characters (mutated names the core logs unquoted).
 */
export function template(line: string): string {
  return line
    .replace(/"[^"]*"/g, '"…"')
    .replace(/[^\s]*[^\x20-\x7e][^\s]*/g, "…")
    .replace(/\b\d+\.\d+\.\d+\.\d+(:\d+)?/g, "ADDR")
    .replace(/0x[0-9a-f]+/gi, "0x#")
    .replace(/\b[0-9a-f]*\d[0-9a-f]*(\.\d+)?\b/gi, "#")
    .slice(0, 160);
}

const MiB = 1 << 20;
/** Distinct log-line templates kept (a bound on the harness's memory). */
const MAX_TEMPLATES = 20_000;

export class Engine {
  d!: Driver;
  private rng: Rng;
  private queue: Conversation[];
  private probes: string[] = [];
  private virgin: Uint8Array = new Uint8Array(0);
  covered = 0;
  readonly pairs = new Set<number>();
  readonly templates = new Set<string>();
  /** Probe ids newly covered since the last takeNewProbes(). */
  private fresh: number[] = [];
  private freshTemplates: string[] = [];
  execs = 0;
  frames = 0;
  findings = new Map<string, FindingReport>();
  counts = new Map<string, number>();
  leaks = 0;
  hangs = 0;
  crashes = 0;
  violations = 0;
  baselineMoves = 0;
  private baseline = 0;
  private heapFree0 = 0;
  heapFreeMin = 0;
  instances = 0;

  constructor(private o: EngineOptions) {
    this.rng = new Rng(o.seed);
    this.queue = [...o.corpus];
    if (o.covTable && existsSync(o.covTable)) {
      this.probes = JSON.parse(readFileSync(o.covTable, "utf8")) as string[];
      this.virgin = new Uint8Array(this.probes.length);
    }
    this.boot();
  }

  get probeCount(): number {
    return this.probes.length;
  }

  probeName(id: number): string {
    return this.probes[id] ?? `#${id}`;
  }

  /** A fresh core instance, warmed up by replaying every corpus connection once. */
  private boot(): void {
    this.instances++;
    this.d = Driver.create({
      wasm: this.o.wasm, users: FUZZ_USERS, logLevel: this.o.logLevel ?? 2,
      log: (_l, line) => {
        const t = template(line);
        if (this.templates.size < MAX_TEMPLATES && !this.templates.has(t)) {
          this.templates.add(t);
          this.freshTemplates.push(t);
        }
      },
    });
    for (const c of this.o.corpus.slice(0, this.instances === 1 ? 400 : 12)) {
      try {
        this.d.rng = new Rng(1);
        this.d.sched = new Rng(2);
        this.d.fs = this.d.freshFs();
        new Replayer(this.d, c).run(plainExec(c));
      } catch (e) {
        if (!(e instanceof Finding)) throw e;
        // a corpus entry itself crashes the core: report it and start over without the warm-up
        this.report(e, plainExec(c));
        this.d = Driver.create({ wasm: this.o.wasm, users: FUZZ_USERS, logLevel: this.o.logLevel ?? 2 });
        break;
      }
      this.d.violations.length = 0;
    }
    this.collectCoverage();
    this.baseline = this.d.ex.buffers_in_use();
    this.d.ex.__collect();
    this.heapFree0 = this.d.ex.fuzz_heap_free_bytes?.() ?? 0;
    this.heapFreeMin = this.heapFree0;
  }

  private covMap(): Uint8Array | null {
    const ex = this.d.ex;
    if (!ex.fuzz_cov_map || this.probes.length === 0) return null;
    const p = ex.fuzz_cov_map();
    return this.d.mem.subarray(p, p + this.probes.length);
  }

  /** Folds the instance's coverage map into the totals; true if a probe was new. */
  private collectCoverage(): boolean {
    const map = this.covMap();
    if (!map) return false;
    let found = false;
    for (let i = 0; i < map.length; i++) {
      if (map[i] !== 0 && this.virgin[i] === 0) {
        this.virgin[i] = 1;
        this.covered++;
        this.fresh.push(i);
        found = true;
      }
    }
    map.fill(0);
    return found;
  }

  takeNew(): { probes: number[]; templates: string[] } {
    const r = { probes: this.fresh, templates: this.freshTemplates };
    this.fresh = [];
    this.freshTemplates = [];
    return r;
  }

  /** Runs one execution with its oracles. */
  step(): void {
    const r = this.rng;
    const conv = r.pick(this.queue);
    const peer = `127.${r.int(4)}.${r.int(256)}.${1 + r.int(254)}:${1024 + r.int(60000)}`;
    const x = makeExec(conv, this.o.corpus, r, r.u32(), peer);
    this.o.beforeExec?.(x);
    const f = this.runExec(x);
    this.execs++;
    this.frames += x.steps.length;
    if (f) {
      this.report(f, x);
      return;
    }
    if (this.collectCoverage()) {
      // a new branch: keep the mutated connection as a seed (bounded queue)
      const seed: Conversation = { meta: { ...conv.meta, parent: conv.meta.source }, c2s: x.steps.filter((s) => s.t === "send").map((s) => x.frames[(s as { f: number }).f]), s2c: conv.s2c, order: [] };
      if (this.queue.length < 4000) this.queue.push(seed);
      else this.queue[this.o.corpus.length + r.int(this.queue.length - this.o.corpus.length)] = seed;
    }
  }

  /** Replays x on the current instance and checks the oracles; a finding or null. */
  runExec(x: Exec, recheck = true): Finding | null {
    const d = this.d;
    d.rng = new Rng(x.seed);
    d.sched = new Rng(x.seed ^ 0x5bd1e995);
    d.records = 0;
    d.fs = d.freshFs(); // every connection starts from the same share contents
    d.violations.length = 0;
    const t0 = performance.now();
    const rp = new Replayer(d, x.conv);
    try {
      rp.run(x);
      for (const p of rp.pairs) this.pairs.add(p);
    } catch (e) {
      if (e instanceof Finding) return e;
      throw e;
    }
    const ms = performance.now() - t0;
    if (ms > 5000) return new Finding("hang", "hang:slow-execution", `one connection took ${ms.toFixed(0)} ms`);
    if (d.violations.length > 0) return d.violations[0];
    const ex = d.ex;
    if (ex.conn_count() !== 0) return new Finding("leak", "leak:connection", `${ex.conn_count()} connection(s) still open in the core after conn_closed`);
    if (d.pending.length > 0) return new Finding("hang", "hang:completions", `${d.pending.length} completions still pending after settling`);
    if (ex.sq_count() !== 0) return new Finding("hang", "hang:submissions", `${ex.sq_count()} submissions never consumed`);
    // (Replayer.run let the clock pass the longest durable-open timeout before these checks)
    const kept = ex.fuzz_durable_count?.() ?? 0;
    const durable = kept > 0 ? ` (${kept} disconnected durable open(s) still kept past their timeout)` : "";
    if (d.fs.openHandles !== 0) {
      const n = d.fs.openHandles;
      return new Finding("leak", "leak:host-handles", `${n} host file handle(s) still open after the connection closed and the durable timeout passed${durable}`);
    }
    // the global tables empty out with the last connection
    const tables: Array<[string, number | undefined]> = [["opens", ex.fuzz_open_count?.()], ["file nodes", ex.fuzz_file_node_count?.()], ["sessions", ex.fuzz_session_count?.()]];
    for (const [name, n] of tables) {
      if (n !== undefined && n !== 0) return new Finding("leak", `leak:${name.replace(" ", "-")}`, `${n} ${name} left in the core's global table after every connection closed and the durable timeout passed${durable}`);
    }
    const inUse = ex.buffers_in_use();
    if (inUse !== this.baseline) {
      if (inUse < this.baseline || !recheck) {
        this.baseline = inUse;
      } else {
        // grew: a one-time lazy allocation, a pool reaching its high-water mark (requests keep
        // their scratch buffers), or a leak? Replay the same execution: a leak grows every time.
        const base = this.baseline;
        const growth: number[] = [inUse - base];
        let after = inUse;
        for (let i = 0; i < 3; i++) {
          const before = ex.buffers_in_use();
          const again = this.runExec(x, false);
          if (again) return again;
          after = ex.buffers_in_use();
          growth.push(after - before);
          if (after <= before) break;
        }
        if (growth.every((g) => g > 0)) {
          this.baseline = base;
          return new Finding("leak", "leak:buffers", `buffers_in_use grew by ${growth.join(", then ")} bytes as the same connection was replayed ${growth.length} times`);
        }
        this.baseline = after;
        this.baselineMoves++;
      }
    }
    if (this.execs % 2000 === 1999 && ex.fuzz_heap_free_bytes) {
      ex.__collect();
      const free = ex.fuzz_heap_free_bytes();
      if (free < this.heapFreeMin) this.heapFreeMin = free;
      if (this.heapFree0 - free > 64 * MiB) {
        return new Finding("growth", "growth:heap", `the heap lost ${((this.heapFree0 - free) / MiB).toFixed(1)} MiB of free memory since start-up (GC run, no connection open)`);
      }
    }
    return null;
  }

  /** Records a finding (deduplicated by signature), saves its input, restarts the instance when needed. */
  report(f: Finding, x: Exec): void {
    const n = (this.counts.get(f.sig) ?? 0) + 1;
    this.counts.set(f.sig, n);
    if (f.kind === "panic" || f.kind === "trap") this.crashes++;
    else if (f.kind === "hang") this.hangs++;
    else if (f.kind === "leak" || f.kind === "growth") this.leaks++;
    else this.violations++;
    const known = this.o.known?.has(f.sig) ?? false;
    if (n === 1 && !known) {
      let file: string | null = null;
      if (this.o.crashDir) {
        mkdirSync(this.o.crashDir, { recursive: true });
        const h = createHash("sha256").update(f.sig).digest("hex").slice(0, 12);
        file = join(this.o.crashDir, `${f.kind}-${h}.smbc`);
        writeFileSync(file, serializeExec(x, { finding: { kind: f.kind, sig: f.sig, message: f.message } }));
        writeFileSync(file.replace(/\.smbc$/, ".txt"), [
          `${f.kind}: ${f.message}`, `signature: ${f.sig}`, `source: ${x.conv.meta.source}`,
          `reproduce: node dist/tests/fuzz/run.js --repro ${file}`, "", "last log lines:", ...this.d.logLines.slice(-20),
        ].join("\n") + "\n");
      }
      const rep: FindingReport = { kind: f.kind, sig: f.sig, message: f.message, file, logTail: this.d.logLines.slice(-20), execs: this.execs };
      this.findings.set(f.sig, rep);
      this.o.onFinding?.(rep);
    }
    // after a trap the instance's state is undefined; after other findings it is suspect
    this.boot();
  }
}

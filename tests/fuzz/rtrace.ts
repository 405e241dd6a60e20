// Memory checking of the core with AssemblyScript's runtime tracing (@assemblyscript/rtrace):
// build/test/fuzz_core.rtrace.wasm (scripts/fuzz.mjs: --use ASC_RTRACE=1) reports every TLSF
// allocation, resize, move and free, every block the GC visits, and every store the core makes
// outside the runtime. Rtrace checks them against its own shadow of the heap: double or
// orphaned frees, size mismatches, overlapping blocks, the GC visiting a freed block (a
// use-after-free of a managed object), and stores into heap memory that is in no live block
// (overflow past a block's end into free space, writes after free). Leaks: the same
// connections are replayed in rounds; after each round (connections closed, timers run, GC)
// the live heap must not grow from one round to the next (the first round fills pools, caches
// and lazily allocated tables); if it does, the blocks allocated during the last round that are
// still alive are reported with their allocation stacks.
import { Rtrace } from "@assemblyscript/rtrace";
import type { Conversation } from "./corpus.ts";
import { Driver, type FuzzExports, Rng } from "./driver.ts";
import { FUZZ_USERS } from "./engine.ts";
import { makeExec, plainExec } from "./mutate.ts";
import { type Exec, Replayer } from "./replay.ts";

export interface RtraceReport {
  /** Errors rtrace reported (with the JS stack of wasm frames where it has one). */
  errors: string[];
  /**
   * When the live heap grew in the last round: the allocation sites (stacks) whose number of
   * live blocks grew, with the growth.
   */
  leaks: string[];
  /** Live blocks (count, bytes) after each round. */
  rounds: Array<{ blocks: number; bytes: number }>;
  allocs: number;
  frees: number;
  executions: number;
  ms: number;
}

export interface RtraceOptions {
  wasm: string;
  corpus: Conversation[];
  /** Mutated executions per round, besides the plain replay of every corpus connection. */
  mutated?: number;
  rounds?: number;
  seed?: number;
}

/** Replays the corpus (and some mutations of it) under rtrace; see the file comment. */
export function rtraceReplay(o: RtraceOptions): RtraceReport {
  const t0 = Date.now();
  const errors: string[] = [];
  let ex: FuzzExports | null = null;
  const rt = new Rtrace({
    onerror(err: Error) {
      if (errors.length < 50) errors.push(`${err.message}\n${(err.stack ?? "").split("\n").slice(1, 12).join("\n")}`);
    },
    getMemory: () => (ex as FuzzExports).memory,
  });
  const imports = rt.install({}) as { rtrace: Record<string, (...a: number[]) => unknown> };
  const d = Driver.create({ wasm: o.wasm, users: FUZZ_USERS, logLevel: 2, extraImports: imports, onInstance: (e) => (ex = e) });
  const blocks = (rt as unknown as { blocks: Map<number, { size: number; allocStack: string[] }> }).blocks;
  const execs: Exec[] = o.corpus.map((c) => plainExec(c));
  const r = new Rng(o.seed ?? 1);
  for (let i = 0; i < (o.mutated ?? 0) && o.corpus.length > 0; i++) {
    execs.push(makeExec(r.pick(o.corpus), o.corpus, r, r.u32(), `127.0.0.${1 + (i % 200)}:${2000 + i}`));
  }
  const rounds: RtraceReport["rounds"] = [];
  let leaks: string[] = [];
  let prevSites = new Map<string, number>();
  let executions = 0;
  for (let round = 0; round < (o.rounds ?? 3); round++) {
    for (const x of execs) {
      d.rng = new Rng(x.seed);
      d.sched = new Rng(x.seed ^ 0x5bd1e995);
      d.records = 0;
      d.fs = d.freshFs();
      try {
        new Replayer(d, x.conv).run(x);
      } catch (e) {
        errors.push(`core failure under rtrace: ${(e as Error).message}`);
        return { errors, leaks, rounds, allocs: rt.allocCount, frees: rt.freeCount, executions, ms: Date.now() - t0 };
      }
      executions++;
    }
    d.advance(1000);
    d.settle();
    d.ex.__collect();
    let bytes = 0;
    for (const b of blocks.values()) bytes += b.size;
    rounds.push({ blocks: blocks.size, bytes });
    leaks = [];
    const prev = rounds[rounds.length - 2];
    const sites = new Map<string, number>();
    for (const b of blocks.values()) {
      const k = siteOf(b.allocStack);
      sites.set(k, (sites.get(k) ?? 0) + 1);
    }
    if (prev && (blocks.size > prev.blocks || bytes > prev.bytes)) {
      for (const [k, count] of sites) {
        const before = prevSites.get(k) ?? 0;
        if (count > before) leaks.push(`+${count - before} live blocks (${before} → ${count}) allocated at\n${k}`);
      }
    }
    prevSites = sites;
  }
  return { errors, leaks, rounds, allocs: rt.allocCount, frees: rt.freeCount, executions, ms: Date.now() - t0 };
}

/** The allocation site of a block: its stack without rtrace's and the allocator's own frames. */
function siteOf(stack: string[]): string {
  return stack
    .filter((l) => !/rtrace|~lib\/rt\//.test(l))
    .slice(0, 6)
    .map((l) => l.replace(/\(wasm:\/\/.*\)$/, "").trim())
    .join("\n  ");
}

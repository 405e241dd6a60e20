// Child processes for the benchmark: tracked spawns, timed runs, port waits, and stopping a
// process and its descendants by PID (never by name).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import * as net from "node:net";

/** A process identity that survives PID reuse: the PID plus its kernel start time. */
interface ProcId {
  pid: number;
  start: string;
}

/** Every long-running or in-flight child we started, with descendants seen so far. */
const tracked = new Map<ChildProcess, ProcId[]>();

/** Field 22 (starttime) and field 4 (ppid) of /proc/PID/stat; null if the process is gone. */
function procStat(pid: number): { ppid: number; start: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" "); // f[0] = state (field 3)
    return { ppid: Number(f[1]), start: f[19] };
  } catch {
    return null;
  }
}

/** All descendants of pid (children, grandchildren, …) as read from /proc now. */
export function descendants(pid: number): ProcId[] {
  const byParent = new Map<number, ProcId[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (!st) continue;
    const list = byParent.get(st.ppid) ?? [];
    list.push({ pid: Number(e), start: st.start });
    byParent.set(st.ppid, list);
  }
  const out: ProcId[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const c of byParent.get(queue.shift() as number) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Sends sig to the process only if it is still the same process (same start time). */
function killIfSame(p: ProcId, sig: NodeJS.Signals): boolean {
  const st = procStat(p.pid);
  if (!st || st.start !== p.start) return false;
  try {
    process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a long-running child and tracks it for cleanup; output goes to onOutput. `ownGroup`
 * puts it in a new process group (smbd signals its whole process group when it shuts down).
 */
export function startTracked(cmd: string, args: string[], onOutput: (s: string) => void, cwd?: string, ownGroup = false): ChildProcess {
  const proc = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], detached: ownGroup });
  tracked.set(proc, []);
  proc.stdout?.on("data", (d: Buffer) => onOutput(d.toString()));
  proc.stderr?.on("data", (d: Buffer) => onOutput(d.toString()));
  proc.once("error", (e) => onOutput(`\n[spawn error: ${e.message}]\n`));
  return proc;
}

/** Records the current descendants of a tracked child, so they can be stopped later. */
export function noteDescendants(proc: ChildProcess): void {
  if (proc.pid === undefined || !tracked.has(proc)) return;
  const known = tracked.get(proc) as ProcId[];
  for (const d of descendants(proc.pid)) {
    if (!known.some((k) => k.pid === d.pid && k.start === d.start)) known.push(d);
  }
}

/** Stops a tracked child by PID: SIGTERM, SIGKILL after graceMs; then any leftover descendants. */
export async function stopTracked(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (!tracked.has(proc)) return;
  noteDescendants(proc);
  const kids = tracked.get(proc) as ProcId[];
  if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
    const done = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(t);
  }
  // Children of a forking server (smbd) normally exit with their parent; give them a moment.
  for (let i = 0; i < 20 && kids.some((k) => procStat(k.pid)?.start === k.start); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const k of kids) killIfSame(k, "SIGKILL");
  tracked.delete(proc);
}

/** Last-resort synchronous cleanup (process 'exit' handler): SIGKILL everything tracked. */
export function killAllSync(): void {
  for (const [proc, kids] of tracked) {
    if (proc.pid !== undefined) for (const d of descendants(proc.pid)) kids.push(d);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    for (const k of kids) killIfSame(k, "SIGKILL");
  }
  tracked.clear();
}

/** Stops every tracked child (used on failure and SIGINT). */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked.keys()].map((p) => stopTracked(p, 2000)));
}

/** The result of a finished command: exit code, merged output, wall-clock milliseconds. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  wallMs: number;
}

/** Runs a command to completion (tracked while it runs), optionally feeding stdin. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const proc = spawn(cmd, args, { cwd: opts.cwd, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    tracked.set(proc, []);
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      out += `\n[killed after ${opts.timeoutMs} ms]`;
      proc.kill("SIGKILL");
    }, opts.timeoutMs ?? 600000);
    proc.once("error", (e) => (out += `\n[spawn error: ${e.message}]`));
    proc.once("close", (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      tracked.delete(proc);
      resolve({ code, signal, out, wallMs });
    });
    if (opts.input !== undefined) proc.stdin?.end(opts.input);
  });
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects if proc exits or time runs out. */
export async function waitForPort(port: number, proc: ChildProcess, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before accepting on port ${port}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not accept on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

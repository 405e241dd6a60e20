// Starts this server under one runtime for end-to-end tests, on a free loopback port, with a
// temporary share; waits until it listens; stop() ends it by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as net from "node:net";

export type Runtime = "node" | "deno" | "bun";
export const RUNTIMES: Runtime[] = ["node", "deno", "bun"];
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

export interface ServerOptions {
  runtime?: Runtime;
  /** Extra command-line arguments (e.g. ["--config", file]). */
  args?: string[];
  /** Users to create: name → password (written to a users.db given with --users). */
  users?: Record<string, string>;
  /** Use this share directory instead of a fresh temporary one. */
  share?: string;
  /** Omit the PATH argument (when args contain --config). */
  noPath?: boolean;
}

export interface RunningServer {
  port: number;
  share: string;
  dir: string;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
    s.once("error", reject);
  });
}

/** The command that starts the given runtime's host (what the README documents). */
export function hostCommand(rt: Runtime, args: string[]): [string, string[]] {
  if (rt === "node") return [process.execPath, [join(repoRoot, "dist/host-node/main.js"), ...args]];
  if (rt === "bun") return [bin("bun"), [join(repoRoot, "host-bun/main.ts"), ...args]];
  return [process.execPath, [join(repoRoot, "scripts/run-deno.mjs"), ...args]];
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const rt = opts.runtime ?? "node";
  const dir = mkdtempSync(join(tmpdir(), `smbtest-${rt}-`));
  const share = opts.share ?? join(dir, "share");
  const port = await freePort();
  const args = ["--port", String(port), ...(opts.args ?? [])];
  if (opts.users) {
    const usersFile = join(dir, "users.db");
    args.push("--users", usersFile);
    await createUsers(usersFile, opts.users);
  }
  if (!opts.noPath) args.push(share);
  const [cmd, argv] = hostCommand(rt, args);
  const proc = spawn(cmd, argv, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout?.on("data", (d) => (out += d));
  proc.stderr?.on("data", (d) => (out += d));
  const deadline = Date.now() + 30000;
  while (!/listening on/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`${rt} host exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${rt} host did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    share,
    dir,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await done;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a users.db with the Node host's own `users add` command (the real CLI path). */
export async function createUsers(file: string, users: Record<string, string>): Promise<void> {
  writeFileSync(file, "");
  for (const [name, pw] of Object.entries(users)) {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [join(repoRoot, "dist/host-node/main.js"), "users", "add", name, "--users", file, "--stdin"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let err = "";
      p.stderr.on("data", (d) => (err += d));
      p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`users add ${name} failed: ${err}`))));
      p.stdin.end(`${pw}\n`);
    });
  }
}

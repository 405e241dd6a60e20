// Runs the real smbclient / smbtorture (Debian's Samba 4.17 packages) against a test server.
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./server.ts";

export const clientConf = join(repoRoot, "tests/fixtures/client.conf");

export interface ClientOptions {
  /** An anonymous (null) session: no user name, no password. */
  anonymous?: boolean;
  user?: string;
  password?: string;
  /** "SMB2_02" | "SMB2_10" | "SMB3_00" | "SMB3_02" | "SMB3_11" */
  maxProtocol?: string;
  /** "sign" | "off" | "encrypt" (smbclient --client-protection) */
  protection?: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  out: string;
}

export function run(cmd: string, args: string[], cwd?: string, timeoutMs = 120000): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => {
      out += `\n[killed after ${timeoutMs} ms]`;
      p.kill("SIGKILL");
    }, timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

function authArgs(o: ClientOptions): string[] {
  const a = ["-s", clientConf];
  if (o.anonymous) a.push("-U", "%");
  else a.push(...(o.user ? ["-U", `${o.user}%${o.password ?? ""}`] : ["-N"]));
  if (o.maxProtocol) a.push(`--option=client max protocol=${o.maxProtocol}`);
  if (o.protection) a.push(`--client-protection=${o.protection}`);
  return a;
}

/** smbclient //127.0.0.1/share -p port -c "cmds". */
export function smbclient(port: number, share: string, cmds: string, o: ClientOptions = {}): Promise<RunResult> {
  return run("smbclient", ["-p", String(port), ...authArgs(o), `//127.0.0.1/${share}`, "-c", cmds], o.cwd, o.timeoutMs);
}

/** smbclient -L //127.0.0.1 -p port. */
export function smbclientList(port: number, o: ClientOptions = {}): Promise<RunResult> {
  return run("smbclient", ["-p", String(port), ...authArgs(o), "-L", "//127.0.0.1"], o.cwd, o.timeoutMs);
}

/** smbtorture //127.0.0.1/share test; passes when subunit shows success and no failure. */
export async function smbtorture(port: number, share: string, test: string, o: ClientOptions = {}): Promise<RunResult & { passed: boolean }> {
  const r = await run("smbtorture", [
    `//127.0.0.1/${share}`, "-p", String(port), ...authArgs(o), "--format=subunit", test,
  ], o.cwd ?? tmpdir(), o.timeoutMs ?? 120000); // smbtorture leaves smbtortureXXXXXX dirs in its cwd
  const failed = /^(failure|error):/m.test(r.out);
  const ok = /^success:/m.test(r.out);
  return { ...r, passed: ok && !failed };
}

// smbclient transfers for the benchmark: one smbclient process per timed put/get, with the
// rate taken from smbclient's own "(N kb/s)" report (and the process wall clock kept beside it).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./proc.ts";

/** smbclient --client-protection values measured. */
export type Protection = "off" | "sign" | "encrypt";

/** Where and as whom smbclient connects. */
export interface Target {
  port: number;
  share: string;
  user: string;
  password: string;
  clientConf: string;
}

/** One measured transfer. */
export interface Transfer {
  /** MiB/s from smbclient's own timer (open → close of the remote file). */
  mibps: number;
  /** MiB/s from the smbclient process wall clock (includes start-up, connect, auth). */
  wallMibps: number;
  wallMs: number;
}

/** Writes a minimal client smb.conf so nothing from /etc/samba leaks in; returns its path. */
export function writeClientConf(dir: string): string {
  const p = join(dir, "client.conf");
  writeFileSync(p, "# Benchmark client configuration\n[global]\n  client min protocol = SMB2_02\n  client max protocol = SMB3_11\n");
  return p;
}

/** Quotes a path for smbclient's -c command parser. */
function q(path: string): string {
  if (path.includes('"')) throw new Error(`path with a double quote: ${path}`);
  return `"${path}"`;
}

/** Runs smbclient -c cmds against the target; throws with its output when it fails. */
export async function smbclient(t: Target, protection: Protection, cmds: string, timeoutMs = 600000) {
  const args = [
    `//127.0.0.1/${t.share}`, "-p", String(t.port), "-s", t.clientConf,
    "-U", `${t.user}%${t.password}`, `--client-protection=${protection}`, "-c", cmds,
  ];
  const r = await run("smbclient", args, { timeoutMs });
  if (r.code !== 0 || /NT_STATUS_|cli_push returned|Error /.test(r.out)) {
    throw new Error(`smbclient -c '${cmds}' (port ${t.port}, ${protection}) failed (${r.code ?? r.signal}):\n${r.out.slice(-3000)}`);
  }
  return r;
}

/** smbclient prints "(123456.7 kb/s)" (bytes / (1.024 × ms), i.e. KiB/s); null if absent. */
export function parseRate(out: string): number | null {
  const m = /\(\s*([\d.]+)\s*(?:kb\/s|KiloBytes\/sec|kB\/s)\)/i.exec(out);
  return m ? Number(m[1]) / 1024 : null;
}

function transfer(size: number, out: string, wallMs: number): Transfer {
  const wallMibps = size / (1024 * 1024) / (wallMs / 1000);
  const own = parseRate(out);
  return { mibps: own ?? wallMibps, wallMibps, wallMs };
}

/** Timed put of a local file to remote name. */
export async function put(t: Target, protection: Protection, local: string, remote: string, size: number): Promise<Transfer> {
  const r = await smbclient(t, protection, `put ${q(local)} ${q(remote)}`);
  return transfer(size, r.out, r.wallMs);
}

/** Timed get of a remote file into local (e.g. /dev/null). */
export async function get(t: Target, protection: Protection, remote: string, local: string, size: number): Promise<Transfer> {
  const r = await smbclient(t, protection, `get ${q(remote)} ${q(local)}`);
  return transfer(size, r.out, r.wallMs);
}

// `npm run bench`: sequential put/get throughput of this server against a private reference
// Samba smbd, side by side and interleaved, measured with the same smbclient.
// Usage: node dist/bench/bench.js [--runtime node|deno|bun] [--passes N] [--size 1G] [--quick]
import { createHash, randomFillSync } from "node:crypto";
import { chmodSync, chownSync, closeSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUsers, freePort, hostCommand, type Runtime, RUNTIMES } from "../tests/helpers/server.ts";
import { get, put, type Protection, type Target, type Transfer, writeClientConf } from "./client.ts";
import { killAllSync, run, startTracked, stopAll, waitForPort } from "./proc.ts";
import { addSambaUser, ensureUnixUser, sambaLogTail, startSmbd, writeSambaConf } from "./samba.ts";

const USER = "benchuser";
const PASSWORD = "bench-Pw-4711";
const MiB = 1024 * 1024;

interface Options {
  runtime: Runtime;
  passes: number;
  size: number;
}

const usage = `Usage: npm run bench -- [--runtime node|deno|bun] [--passes N] [--size N[K|M|G]] [--quick]
  --runtime   host runtime of this server (default node)
  --passes    interleaved passes per workload (default 3)
  --size      file size for the sequential put/get (default 1G)
  --quick     smoke run: 256M, 1 pass (later --size/--passes still apply)`;

function parseSize(v: string): number {
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(v);
  if (!m) throw new Error(`--size expects N, NK, NM or NG, got "${v}"`);
  const n = Number(m[1]) * 1024 ** "_KMG".indexOf((m[2] || "_").toUpperCase());
  if (n < 1) throw new Error("--size must be at least 1 byte");
  return n;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { runtime: "node", passes: 3, size: 1024 * MiB };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`missing value for ${flag}`);
      return v;
    };
    if (flag === "--runtime") {
      const v = value();
      if (!RUNTIMES.includes(v as Runtime)) throw new Error(`--runtime must be one of ${RUNTIMES.join(", ")}`);
      o.runtime = v as Runtime;
    } else if (flag === "--passes") {
      o.passes = Number(value());
      if (!Number.isInteger(o.passes) || o.passes < 1 || o.passes > 100) throw new Error("--passes must be 1-100");
    } else if (flag === "--size") o.size = parseSize(value());
    else if (flag === "--quick") {
      o.size = 256 * MiB;
      o.passes = 1;
    } else if (flag === "-h" || flag === "--help") {
      console.log(usage);
      process.exit(0);
    } else throw new Error(`unknown option ${argv[i]}\n${usage}`);
  }
  return o;
}

const progress = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const sizeLabel = (n: number) =>
  n % (1024 * MiB) === 0 ? `${n / (1024 * MiB)} GiB` : n % MiB === 0 ? `${n / MiB} MiB` : `${n} B`;

/** Writes `size` random bytes to path; returns their SHA-256 (hex). */
function makeSource(path: string, size: number): string {
  const h = createHash("sha256");
  const buf = Buffer.allocUnsafe(8 * MiB);
  const fd = openSync(path, "w");
  try {
    for (let left = size; left > 0; ) {
      const n = Math.min(left, buf.length);
      randomFillSync(buf, 0, n);
      h.update(buf.subarray(0, n));
      for (let off = 0; off < n; ) off += writeSync(fd, buf, off, n - off);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * MiB })) h.update(chunk as Buffer);
  return h.digest("hex");
}

interface Server {
  name: "ours" | "samba";
  target: Target;
  /** Server-side directory of the share (checked and cleaned directly). */
  shareDir: string;
}

/** Starts this server (the selected runtime's host) on a free port with users.db. */
async function startOurs(dir: string, share: string, rt: Runtime, clientConf: string): Promise<Server> {
  const users = join(dir, "users.db");
  await createUsers(users, { [USER]: PASSWORD });
  const port = await freePort();
  const [cmd, argv] = hostCommand(rt, ["--port", String(port), "--listen", "127.0.0.1", "--users", users, share]);
  let out = "";
  const proc = startTracked(cmd, argv, (s) => (out = (out + s).slice(-20000)), dir);
  try {
    await waitForPort(port, proc, 60000, `${rt} host`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nhost output:\n${out}`);
  }
  return { name: "ours", shareDir: share, target: { port, share: "share", user: USER, password: PASSWORD, clientConf } };
}

/** Creates the private Samba's config, Unix account and passdb entry, and starts smbd. */
async function startSamba(dir: string, share: string, clientConf: string): Promise<Server> {
  const ids = await ensureUnixUser(USER);
  chownSync(share, ids.uid, ids.gid);
  chownSync(join(share, "read.bin"), ids.uid, ids.gid);
  const port = await freePort();
  const conf = writeSambaConf(dir, share, port);
  await addSambaUser(conf, USER, PASSWORD);
  await startSmbd(dir, conf, port);
  return { name: "samba", shareDir: share, target: { port, share: "share", user: USER, password: PASSWORD, clientConf } };
}

/** Once per server, untimed: a put lands intact on its disk, and a get returns the source. */
async function verify(s: Server, src: string, srcHash: string, size: number, scratch: string): Promise<void> {
  const landed = join(s.shareDir, "verify-put.bin");
  await put(s.target, "sign", src, "verify-put.bin", size);
  const putHash = await sha256File(landed);
  rmSync(landed, { force: true });
  if (putHash !== srcHash) throw new Error(`${s.name}: the file written through the server differs from the source`);
  await get(s.target, "sign", "read.bin", scratch, size);
  const getHash = await sha256File(scratch);
  rmSync(scratch, { force: true });
  if (getHash !== srcHash) throw new Error(`${s.name}: the file read through the server differs from the source`);
  progress(`${s.name}: put and get verified (SHA-256 ${srcHash.slice(0, 16)}…)`);
}

interface Workload {
  op: "write" | "read";
  protection: Protection;
  label: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(w: Workload, s: Server, src: string, size: number): Promise<Transfer> {
  if (w.op === "read") return get(s.target, w.protection, "read.bin", "/dev/null", size);
  const landed = join(s.shareDir, "write.bin");
  rmSync(landed, { force: true }); // a new file each time, removed outside the timed part
  const t = await put(s.target, w.protection, src, "write.bin", size);
  if (statSync(landed).size !== size) throw new Error(`${s.name}: write.bin has ${statSync(landed).size} bytes, not ${size}`);
  return t;
}

async function bench(o: Options, dir: string): Promise<void> {
  const started = Date.now();
  const entry = hostCommand(o.runtime, [])[1][0];
  if (!existsSync(entry)) throw new Error(`the ${o.runtime} host entry ${entry} is missing (build first: node scripts/build.mjs)`);
  const srcDir = join(dir, "src");
  const oursDir = join(dir, "ours");
  const sambaDir = join(dir, "samba");
  for (const d of [srcDir, join(oursDir, "share"), join(sambaDir, "share")]) mkdirSync(d, { recursive: true, mode: 0o755 });
  const src = join(srcDir, "bench.bin");
  progress(`temp dir ${dir}; creating a ${sizeLabel(o.size)} random source file`);
  const srcHash = makeSource(src, o.size);
  chmodSync(src, 0o644);
  for (const d of [oursDir, sambaDir]) copyFileSync(src, join(d, "share", "read.bin")); // same content in both shares
  const clientConf = writeClientConf(dir);

  const ours = await startOurs(oursDir, join(oursDir, "share"), o.runtime, clientConf);
  progress(`this server (${o.runtime}) listening on 127.0.0.1:${ours.target.port}`);
  const samba = await startSamba(sambaDir, join(sambaDir, "share"), clientConf);
  progress(`smbd listening on 127.0.0.1:${samba.target.port} (log ${join(sambaDir, "log.smbd")})`);
  try {
    for (const s of [ours, samba]) await verify(s, src, srcHash, o.size, join(dir, "verify.bin"));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nsmbd log tail:\n${sambaLogTail({ log: join(sambaDir, "log.smbd") }, 15)}`);
  }

  const workloads: Workload[] = [];
  for (const op of ["write", "read"] as const) {
    for (const protection of ["off", "sign"] as const) {
      const pl = protection === "off" ? "unsigned" : "signed";
      workloads.push({ op, protection, label: `seq ${op} ${sizeLabel(o.size)}, ${pl}` });
    }
  }
  const results = new Map<Workload, Record<"ours" | "samba", Transfer[]>>();
  for (const w of workloads) results.set(w, { ours: [], samba: [] });
  for (let pass = 0; pass < o.passes; pass++) {
    for (const [i, w] of workloads.entries()) {
      const order = (pass + i) % 2 === 0 ? [ours, samba] : [samba, ours]; // interleaved, alternating lead
      for (const s of order) {
        const t = await measure(w, s, src, o.size);
        (results.get(w) as Record<"ours" | "samba", Transfer[]>)[s.name].push(t);
        progress(`pass ${pass + 1}/${o.passes} ${w.label.padEnd(30)} ${s.name.padEnd(5)} ${t.mibps.toFixed(1).padStart(8)} MiB/s (process wall clock ${t.wallMs.toFixed(0)} ms)`);
      }
    }
  }
  rmSync(join(oursDir, "share", "write.bin"), { force: true });
  rmSync(join(sambaDir, "share", "write.bin"), { force: true });
  report(o, workloads, results, (Date.now() - started) / 1000);
}

function report(o: Options, workloads: Workload[], results: Map<Workload, Record<"ours" | "samba", Transfer[]>>, elapsed: number): void {
  const rows = workloads.map((w) => {
    const r = results.get(w) as Record<"ours" | "samba", Transfer[]>;
    const side = (ts: Transfer[]) => ({
      median: median(ts.map((t) => t.mibps)),
      passes: ts.map((t) => Math.round(t.mibps * 10) / 10),
      wallMedian: median(ts.map((t) => t.wallMibps)),
    });
    const ours = side(r.ours);
    const samba = side(r.samba);
    return { workload: w.label, op: w.op, protection: w.protection, ours, samba, ratio: ours.median / samba.median };
  });
  const head = ["workload", "ours MiB/s", "Samba MiB/s", "ours/Samba"];
  const body = rows.map((r) => [r.workload, r.ours.median.toFixed(1), r.samba.median.toFixed(1), r.ratio.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const b of body) console.log(line(b));
  console.log(`\n(medians of ${o.passes} pass(es); rate = smbclient's own timer from remote open to close; runtime ${o.runtime}; ${elapsed.toFixed(0)} s)`);
  for (const r of rows) console.log(`  ${r.workload}: ours ${r.ours.passes.join(" / ")}  Samba ${r.samba.passes.join(" / ")}`);
  const json = {
    bench: "smb-seq-transfer",
    runtime: o.runtime,
    sizeBytes: o.size,
    passes: o.passes,
    unit: "MiB/s",
    timing: "smbclient-reported (remote open to close)",
    elapsedSec: Math.round(elapsed),
    results: rows.map((r) => ({ ...r, ratio: Math.round(r.ratio * 1000) / 1000 })),
  };
  console.log(JSON.stringify(json));
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    process.exit(2);
  }
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = mkdtempSync(join(base, "smb-bench-"));
  chmodSync(dir, 0o755); // smbd serves as benchuser: it must traverse to its share
  let interrupted = false;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= stopAll().finally(() => rmSync(dir, { recursive: true, force: true })));
  process.once("exit", () => {
    killAllSync();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      interrupted = true;
      progress(`${sig}: stopping servers and removing ${dir}`);
      cleanup().finally(() => process.exit(130));
    });
  }
  const t0 = Date.now();
  try {
    const smbdVersion = (await run("smbd", ["--version"])).out.trim();
    progress(`${smbdVersion}; node ${process.version}; ${o.passes} pass(es) of ${sizeLabel(o.size)}`);
    await bench(o, dir);
    progress(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } catch (e) {
    if (!interrupted) {
      console.error(`bench failed: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

await main();

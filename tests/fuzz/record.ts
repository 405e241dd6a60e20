// Records the fuzz corpus: runs smbclient and smbtorture against this server (the Node host)
// through a recording proxy (tests/helpers/tcp-proxy.ts) and stores each connection's frames
// (tests/fuzz/corpus.ts format). `node dist/tests/fuzz/record.js [--out DIR] [--full]`:
// the default writes the small committed corpus (tests/fuzz/corpus/, a few hundred KiB);
// --full records every scenario uncut into build/fuzz-corpus/ (what `npm run fuzz` uses when present);
// --from DIR derives the small corpus from a full one without recording again.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startServer, type RunningServer } from "../helpers/server.ts";
import { run, smbclient, smbclientList, smbtorture, type ClientOptions } from "../helpers/smbclient.ts";
import { FrameProxy } from "../helpers/tcp-proxy.ts";
import { type Conversation, readConversation, skeleton, writeConversation } from "./corpus.ts";

export const FUZZ_USER = "fuzz";
export const FUZZ_PASSWORD = "Fuzz-pass1";

const CLIENT_SCRIPT = [
  "mkdir d1", "cd d1", "put {local} f1.txt", "ls", "get f1.txt {local}.back", "rename f1.txt f2.txt",
  "allinfo f2.txt", "setmode f2.txt +r", "setmode f2.txt -r", "del f2.txt", "cd ..", "rmdir d1", "ls",
].join("; ");

/** smbclient runs: [name, commands, options]. */
const CLIENT_RUNS: Array<[string, string, ClientOptions]> = [
  ["ls-user-311", "ls", { user: FUZZ_USER, password: FUZZ_PASSWORD, protection: "off" }],
  ["ls-anonymous", "ls", { anonymous: true }],
  ["ls-guest", "ls", { user: "nobody", password: "x" }],
  ["script-311", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, protection: "off" }],
  ["script-311-signed", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, protection: "sign" }],
  ["script-302", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, maxProtocol: "SMB3_02", protection: "off" }],
  ["script-300-signed", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, maxProtocol: "SMB3_00", protection: "sign" }],
  ["script-210", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, maxProtocol: "SMB2_10" }],
  ["script-202-signed", CLIENT_SCRIPT, { user: FUZZ_USER, password: FUZZ_PASSWORD, maxProtocol: "SMB2_02", protection: "sign" }],
  ["script-guest", CLIENT_SCRIPT, { anonymous: true }],
];

/** smbtorture tests recorded (each connection becomes one corpus file). */
export const TORTURE_TESTS = [
  "smb2.connect", "smb2.compound.related1", "smb2.compound.related2", "smb2.compound.related3",
  "smb2.compound.unrelated1", "smb2.compound.invalid1", "smb2.compound.invalid2", "smb2.compound.invalid3",
  "smb2.compound.interim2", "smb2.compound.compound-break", "smb2.compound.compound-padding",
  "smb2.lock.valid-request", "smb2.lock.async", "smb2.lock.cancel", "smb2.lock.contend", "smb2.lock.context",
  "smb2.lock.range", "smb2.lock.overlap", "smb2.lock.stacking", "smb2.lock.unlock", "smb2.lock.zerobytelength",
  "smb2.notify.valid-req", "smb2.notify.dir", "smb2.notify.mask", "smb2.notify.tree", "smb2.notify.rec",
  "smb2.notify.close", "smb2.notify.logoff", "smb2.notify.tdis",
  "smb2.dir.find", "smb2.dir.fixed", "smb2.dir.modify", "smb2.dir.sorted", "smb2.dir.file-index",
  "smb2.create.open", "smb2.create.multi", "smb2.create.delete", "smb2.create.leading-slash",
  "smb2.create.blob", "smb2.create.mkdir-dup", "smb2.create.nulldacl", "smb2.create.aclfile",
  "smb2.getinfo.complex", "smb2.getinfo.fsinfo", "smb2.getinfo.qfile_buffercheck", "smb2.getinfo.qsec_buffercheck",
  "smb2.getinfo.getinfo_access", "smb2.setinfo", "smb2.ioctl.copy_chunk_simple", "smb2.ioctl.copy_chunk_multi",
  "smb2.ioctl.copy_chunk_tiny", "smb2.ioctl.copy_chunk_bad_key", "smb2.ioctl.copy_chunk_zero_length",
  "smb2.ioctl.req_resume_key", "smb2.ioctl.shadow_copy", "smb2.ioctl.sparse_file_flag", "smb2.ioctl.network_interface_info",
  "smb2.read.eof", "smb2.read.position", "smb2.read.access", "smb2.rename.simple", "smb2.rename.no_sharing",
  "smb2.oplock.exclusive1", "smb2.oplock.batch1", "smb2.oplock.batch10", "smb2.oplock.levelii500",
  "smb2.lease.request", "smb2.lease.break", "smb2.lease.upgrade", "smb2.lease.v2_request",
  "smb2.session.reauth1", "smb2.session.reauth2", "smb2.credits.session_setup_credits_granted",
  "smb2.durable-open.open-oplock", "smb2.durable-v2-open.create-blob", "smb2.streams.io", "smb2.streams.names",
  "smb2.sharemode.sharemode-access", "smb2.delete-on-close-perms.CREATE", "smb2.acls.CREATOR", "smb2.acls.INHERITANCE",
  "smb2.ea.acl_xattr",
  // named streams, durable handles and leases (recorded again once the server had them)
  "smb2.streams.dir", "smb2.streams.sharemodes", "smb2.streams.names2", "smb2.streams.rename", "smb2.streams.rename2",
  "smb2.streams.create-disposition", "smb2.streams.attributes1", "smb2.streams.delete", "smb2.streams.zero-byte",
  "smb2.streams.basefile-rename-with-open-stream",
  "smb2.durable-open.reopen1a", "smb2.durable-open.open-lease", "smb2.durable-open.lock-oplock",
  "smb2.durable-v2-open.reopen1", "smb2.durable-v2-open.reopen2", "smb2.durable-v2-open.open-lease", "smb2.durable-v2-open.durable-v2-setinfo",
  "smb2.lease.break_twice", "smb2.lease.nobreakself", "smb2.lease.statopen", "smb2.lease.upgrade2", "smb2.lease.oplock",
  "smb2.lease.multibreak", "smb2.lease.breaking1", "smb2.lease.v2_epoch1", "smb2.lease.v2_rename", "smb2.lease.unlink",
];

/** Per-file and total budget of the committed corpus. */
const SMALL_FILE = 3584;
const SMALL_TOTAL = 640 * 1024;

function conversations(p: FrameProxy, source: string, o: ClientOptions): Conversation[] {
  const byConn = new Map<number, Conversation>();
  for (const f of p.frames) {
    let c = byConn.get(f.conn);
    if (!c) {
      c = {
        meta: { source, conn: f.conn, user: o.anonymous ? "" : o.user, password: o.anonymous ? "" : o.password, domain: "WORKGROUP" },
        c2s: [], s2c: [], order: [],
      };
      byConn.set(f.conn, c);
    }
    if (f.dir === "c2s") {
      c.c2s.push(new Uint8Array(f.bytes));
      c.order.push(0);
    } else {
      c.s2c.push(skeleton(new Uint8Array(f.bytes)));
      c.order.push(1);
    }
  }
  return [...byConn.values()].filter((c) => c.c2s.length > 0);
}

/** The conversation cut to at most `max` bytes of client frames (a prefix replays fine). */
function cut(c: Conversation, max: number): Conversation {
  const out: Conversation = { meta: c.meta, c2s: [], s2c: [], order: [] };
  let bytes = 0;
  let ci = 0;
  let si = 0;
  for (const d of c.order) {
    const b = d === 0 ? c.c2s[ci++] : c.s2c[si++];
    if (d === 0) {
      if (bytes + b.length > max && out.c2s.length > 0) break;
      bytes += b.length;
      // keep big WRITE payloads out of the small corpus: cut the frame (a mutation does that too)
      out.c2s.push(b.length > 4096 ? b.slice(0, 4096) : b);
    } else out.s2c.push(skeleton(b));
    out.order.push(d);
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes("--full");
  const oi = args.indexOf("--out");
  const outDir = oi >= 0 ? args[oi + 1] : join(repoRoot, full ? "build/fuzz-corpus" : "tests/fuzz/corpus");
  const only = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--out" && args[i - 1] !== "--from");
  mkdirSync(outDir, { recursive: true });
  if (!full) for (const f of readdirSync(outDir)) if (f.endsWith(".smbc")) rmSync(join(outDir, f));
  const fi = args.indexOf("--from");
  if (fi >= 0) {
    const dir = args[fi + 1];
    const all = readdirSync(dir).filter((f) => f.endsWith(".smbc")).sort().map((f) => [f.slice(0, -5), readConversation(join(dir, f))] as [string, Conversation]);
    writeSmall(all, outDir);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "fuzz-record-"));
  const local = join(work, "local.txt");
  writeFileSync(local, "hello from the fuzz corpus recorder\n".repeat(20));
  const srv: RunningServer = await startServer({ runtime: "node", users: { [FUZZ_USER]: FUZZ_PASSWORD } });
  const all: Array<[string, Conversation]> = [];
  try {
    const record = async (name: string, o: ClientOptions, f: (port: number) => Promise<unknown>) => {
      const p = await FrameProxy.start(srv.port);
      try {
        await f(p.port);
      } finally {
        await new Promise((r) => setTimeout(r, 200));
        await p.stop();
      }
      const convs = conversations(p, name, o);
      for (const [i, c] of convs.entries()) all.push([`${name.replace(/[^\w.-]+/g, "_")}-${i}`, c]);
      console.log(`${name}: ${convs.length} connection(s), ${convs.reduce((a, c) => a + c.c2s.length, 0)} client frames`);
    };
    for (const [name, cmds, o] of CLIENT_RUNS) {
      if (only.length && !only.some((x) => name.includes(x))) continue;
      await record(`smbclient-${name}`, o, (port) => smbclient(port, "share", cmds.replaceAll("{local}", local), { ...o, cwd: work, timeoutMs: 60000 }));
    }
    if (!only.length || only.some((x) => "list".includes(x))) {
      const o = { user: FUZZ_USER, password: FUZZ_PASSWORD };
      await record("smbclient-list", o, (port) => smbclientList(port, { ...o, timeoutMs: 60000 }));
    }
    const torture = { user: FUZZ_USER, password: FUZZ_PASSWORD };
    for (const t of TORTURE_TESTS) {
      if (only.length && !only.some((x) => t.includes(x))) continue;
      await record(t, torture, (port) => smbtorture(port, "share", t, { ...torture, timeoutMs: 120000 }));
    }
    // a plain NEGOTIATE-only client (rpcclient-free): smbclient -L with SMB1 disabled exercises the
    // SMB1 → SMB2 upgrade when min protocol is NT1
    if (!only.length) {
      await record("smbclient-smb1-upgrade", {}, (port) =>
        run("smbclient", ["-p", String(port), "-N", "--option=client min protocol=NT1", "-L", "//127.0.0.1"], work, 30000));
    }
  } finally {
    await srv.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (!full) {
    writeSmall(all, outDir);
    return;
  }
  let total = 0;
  for (const [name, c] of all) {
    total += size(c);
    writeConversation(join(outDir, `${name}.smbc`), c);
  }
  console.log(`wrote ${outDir}: ${(total / 1024).toFixed(0)} KiB`);
}

/** The committed corpus: every conversation cut to SMALL_FILE, smallest first, within SMALL_TOTAL. */
function writeSmall(all: Array<[string, Conversation]>, outDir: string): void {
  let total = 0;
  const cutAll = all.map(([name, c]) => [name, cut(c, SMALL_FILE)] as [string, Conversation]);
  for (const [name, conv] of cutAll.sort((a, b) => size(a[1]) - size(b[1]))) {
    const n = size(conv);
    if (total + n > SMALL_TOTAL) continue;
    total += n;
    writeConversation(join(outDir, `${name}.smbc`), conv);
  }
  console.log(`wrote ${outDir}: ${(total / 1024).toFixed(0)} KiB`);
}

function size(c: Conversation): number {
  return c.c2s.reduce((a, b) => a + b.length + 5, 0) + c.s2c.reduce((a, b) => a + b.length + 5, 0) + 200;
}

if (process.argv[1]?.endsWith("record.js")) await main();

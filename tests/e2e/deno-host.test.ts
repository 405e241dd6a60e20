// End-to-end: the Deno host (scripts/run-deno.mjs → deno run host-deno/main.ts) with the real
// smbclient — share list, mkdir/put/get/rename/allinfo/del/rmdir of a 1 MiB random file over
// SMB 2.1 / 3.0 / 3.1.1, signed and unsigned, guest and user — and the permissions Deno runs with.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient, smbclientList } from "../helpers/smbclient.ts";
import { addonFiles } from "../../host-common/xattr-native.ts";

const USERS = { testuser: "pw" };
const auth = { user: "testuser", password: "pw" };
const launcher = join(repoRoot, "scripts/run-deno.mjs");

let srv: RunningServer;
let local: string;
let data: Buffer;

/** The deno command line the launcher printed (first line starting with the deno binary). */
function denoCommand(output: string): string[] {
  const line = output.split("\n").find((l) => /node_modules\/\.bin\/deno run /.test(l));
  assert.ok(line, `launcher printed no deno command:\n${output}`);
  return (line as string).split(" ");
}

/** Paths and their real paths (the launcher grants both), sorted. */
const withReal = (...ps: string[]) => [...new Set(ps.flatMap((p) => [p, realpathSync(p)]))].sort();

/** The comma-separated values of --NAME=…, or null when the flag is absent. */
function flagValues(argv: string[], name: string): string[] | null {
  const a = argv.find((x) => x.startsWith(`--${name}=`) || x === `--${name}`);
  if (a === undefined) return null;
  const eq = a.indexOf("=");
  return eq < 0 ? [] : a.slice(eq + 1).split(",");
}

test("deno: start (user testuser, temporary share)", async () => {
  srv = await startServer({ runtime: "deno", users: USERS });
  local = join(srv.dir, "local");
  mkdirSync(local, { recursive: true });
  data = randomBytes(1 << 20);
  writeFileSync(join(local, "rand.bin"), data);
  assert.match(srv.output(), /Deno host listening on 127\.0\.0\.1:/);
});

test("deno: runs with only the permissions it needs", () => {
  const argv = denoCommand(srv.output());
  const main = argv.indexOf(join(repoRoot, "host-deno/main.ts"));
  assert.ok(main > 0, argv.join(" "));
  const flags = argv.slice(1, main);
  assert.is(flags[0], "run");
  // native code: exactly the @napi-rs/xattr addon file (extended attributes), nothing else
  const addon = addonFiles(join(repoRoot, "node_modules")).find((f) => existsSync(f));
  assert.ok(addon, "the xattr addon is installed");
  for (const f of flags) {
    if (f === "--allow-sys=statfs") continue; // the one system call for free-space reporting
    if (f.startsWith("--allow-ffi=")) continue; // checked below
    assert.not.match(f, /^(-A|--allow-all|--allow-(env|run|ffi|sys|import|hrtime|scripts)\b)/, `unexpected flag ${f}`);
  }
  assert.ok(flags.includes("--allow-sys=statfs"), "free space can be reported");
  assert.equal(flagValues(flags, "allow-ffi")?.sort(), withReal(addon as string));
  assert.equal(flagValues(flags, "allow-net"), [`127.0.0.1:${srv.port}`]);
  const usersDb = join(srv.dir, "users.db");
  assert.equal(flagValues(flags, "allow-write")?.sort(), withReal(srv.share));
  assert.equal(flagValues(flags, "allow-read")?.sort(), withReal(join(repoRoot, "build/core.wasm"), srv.share, usersDb, addon as string));
  assert.ok(flags.includes("--no-prompt"), "permission prompts are disabled");
  // the arguments reach the host unchanged
  assert.equal(argv.slice(main + 1), ["--port", String(srv.port), "--users", usersDb, srv.share]);
  // the running deno process (the launcher's child) has exactly the printed command line (Linux /proc)
  const pid = srv.proc.pid as number;
  const children = `/proc/${pid}/task/${pid}/children`;
  if (existsSync(children)) {
    const kids = readFileSync(children, "utf8").trim().split(/\s+/).filter(Boolean);
    assert.is(kids.length, 1, `launcher children: ${kids.join(",")}`);
    const cmdline = readFileSync(`/proc/${kids[0]}/cmdline`, "utf8").split("\0").filter((x) => x !== "");
    assert.equal(cmdline.slice(1), argv.slice(1), "argv of the deno process");
  }
});

test("deno: smbclient -L lists the share and IPC$, as guest and as a user", async () => {
  for (const o of [{}, auth]) {
    const r = await smbclientList(srv.port, o);
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /share\s+Disk\s+Share/);
    assert.match(r.out, /IPC\$\s+IPC\s+IPC Service/);
  }
});

for (const proto of ["SMB2_10", "SMB3_00", "SMB3_11"]) {
  for (const protection of ["off", "sign"]) {
    for (const who of ["guest", "user"] as const) {
      const name = `${proto} ${protection === "sign" ? "signed" : "unsigned"} ${who}`;
      if (who === "guest" && protection === "sign") {
        // A guest session has no session key: a client that insists on signing cannot use it.
        test(`deno: ${name}: refused (guest sessions cannot be signed)`, async () => {
          const r = await smbclient(srv.port, "share", "ls", { maxProtocol: proto, protection, cwd: local });
          assert.is.not(r.code, 0, r.out);
          assert.match(r.out, /NT_STATUS_/, r.out);
        });
        continue;
      }
      test(`deno: ${name}: mkdir, put, get, rename, allinfo, del, rmdir with 1 MiB`, async () => {
        const d = `d_${proto}_${protection}_${who}`;
        const back = join(local, `${d}.back`);
        const cmds = [
          `mkdir ${d}`,
          `put rand.bin ${d}/a.bin`,
          `get ${d}/a.bin ${d}.back`,
          `rename ${d}/a.bin ${d}/b.bin`,
          `allinfo ${d}/b.bin`,
          `ls ${d}\\*`,
        ];
        const o = { ...(who === "user" ? auth : {}), maxProtocol: proto, protection, cwd: local };
        const r = await smbclient(srv.port, "share", cmds.join("; "), o);
        assert.is(r.code, 0, r.out);
        assert.not.match(r.out.replace(/NT_STATUS_NOT_SUPPORTED getting alt name[^\n]*/g, ""), /NT_STATUS_/, r.out);
        assert.ok(readFileSync(back).equals(data), "file read back equals the file written");
        assert.ok(readFileSync(join(srv.share, d, "b.bin")).equals(data), "file on the server equals the file written");
        assert.not.ok(existsSync(join(srv.share, d, "a.bin")), "renamed away");
        assert.match(r.out, /stream: \[::\$DATA\], 1048576 bytes/);
        assert.match(r.out, /b\.bin\s+A\s+1048576/);

        const r2 = await smbclient(srv.port, "share", `del ${d}/b.bin; rmdir ${d}; ls`, o);
        assert.is(r2.code, 0, r2.out);
        assert.not.match(r2.out, /NT_STATUS_/, r2.out);
        assert.not.ok(existsSync(join(srv.share, d)), "directory removed on the server");
      });
    }
  }
}

test("deno: a symlink leading out of the share is neither listed nor followed", async () => {
  const outside = join(srv.dir, "outside");
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, "secret.txt"), "secret");
  symlinkSync(outside, join(srv.share, "escape"));
  writeFileSync(join(srv.share, "inside.txt"), "inside");
  symlinkSync("inside.txt", join(srv.share, "alias.txt"));
  const r = await smbclient(srv.port, "share", "ls", { ...auth, cwd: local });
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /alias\.txt/, "a symlink within the share is listed");
  assert.not.match(r.out, /escape/);
  const r2 = await smbclient(srv.port, "share", "get escape/secret.txt stolen.txt", { ...auth, cwd: local });
  assert.is.not(r2.code, 0, r2.out);
  assert.not.ok(existsSync(join(local, "stolen.txt")));
  const r3 = await smbclient(srv.port, "share", "get alias.txt alias.back", { ...auth, cwd: local });
  assert.is(r3.code, 0, r3.out);
  assert.is(readFileSync(join(local, "alias.back"), "utf8"), "inside");
});

test("deno: a wrong password is refused", async () => {
  const r = await smbclient(srv.port, "share", "ls", { user: "testuser", password: "wrong" });
  assert.is.not(r.code, 0);
  assert.match(r.out, /NT_STATUS_LOGON_FAILURE/);
});

test("deno: stop (SIGTERM through the launcher ends deno)", async () => {
  const proc = srv.proc;
  await srv.stop();
  assert.is(proc.exitCode, 0, srv.output());
});

test("deno: with --config, read-only shares get read access only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbtest-deno-conf-"));
  const ro = join(dir, "ro");
  const rw = join(dir, "rw");
  mkdirSync(ro);
  mkdirSync(rw);
  writeFileSync(join(ro, "hello.txt"), "hello");
  const conf = join(dir, "smb.conf");
  writeFileSync(conf, "[ro]\n  path = ro\n  guest ok = yes\n[rw]\n  path = rw\n  read only = no\n  guest ok = yes\n");
  const s = await startServer({ runtime: "deno", args: ["--config", conf], noPath: true });
  try {
    const flags = denoCommand(s.output());
    assert.equal(flagValues(flags, "allow-write")?.sort(), withReal(rw));
    const addon = addonFiles(join(repoRoot, "node_modules")).find((f) => existsSync(f)) as string;
    assert.equal(flagValues(flags, "allow-read")?.sort(), withReal(join(repoRoot, "build/core.wasm"), conf, ro, rw, addon));
    const cwd = join(dir, "local");
    mkdirSync(cwd);
    const r = await smbclient(s.port, "ro", "get hello.txt hello.back; put hello.back again.txt", { cwd });
    assert.is(readFileSync(join(cwd, "hello.back"), "utf8"), "hello", r.out);
    assert.match(r.out, /NT_STATUS_ACCESS_DENIED/, r.out);
    assert.not.ok(existsSync(join(ro, "again.txt")));
    const r2 = await smbclient(s.port, "rw", "put hello.back copy.txt", { cwd });
    assert.is(r2.code, 0, r2.out);
    assert.is(readFileSync(join(rw, "copy.txt"), "utf8"), "hello");
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("deno: users add through the launcher writes a private users file, with write access to it only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbtest-deno-users-"));
  const file = join(dir, "users.db");
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [launcher, "users", "add", "alice", "--users", file, "--stdin"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("exit", (code) => resolve({ code, out }));
    p.stdin.end("alice-pw\n");
  });
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /added user "alice"/);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, "utf8"), /^alice:[A-Za-z0-9+/]{22}==\n?$/);
  const flags = denoCommand(r.out);
  assert.equal(flagValues(flags, "allow-write"), [file]);
  assert.is(flagValues(flags, "allow-net"), null);
  rmSync(dir, { recursive: true, force: true });
});

test.run();

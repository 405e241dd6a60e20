// End-to-end: the Bun host (`bun host-bun/main.ts`, Bun.listen sockets, Bun.file/Bun.write) and
// the standalone binary from `bun build --compile` against the real smbclient: listing, file
// round trips byte for byte, SMB 2.1 / 3.0 / 3.1.1 signed and unsigned, guest and user.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUsers, freePort, repoRoot, startServer, type RunningServer } from "../helpers/server.ts";
import { run, smbclient, smbclientList, type ClientOptions } from "../helpers/smbclient.ts";

const USERS = { testuser: "pw" };
const USER: ClientOptions = { user: "testuser", password: "pw" };
const bunBin = join(repoRoot, "node_modules", ".bin", "bun");

let srv: RunningServer;
let local: string;
let data: Buffer;

/** mkdir, put, get, allinfo, rename (checked on the server), then del and rmdir. */
async function roundTrip(port: number, share: string, dir: string, o: ClientOptions): Promise<void> {
  const src = join(local, "one-mib.bin");
  const back = join(local, `${dir}.back`);
  rmSync(back, { force: true });
  const r1 = await smbclient(port, "share", [
    `mkdir ${dir}`, `put ${src} ${dir}/f.bin`, `get ${dir}/f.bin ${back}`, `allinfo ${dir}/f.bin`,
    `rename ${dir}/f.bin ${dir}/g.bin`, `ls ${dir}\\*`,
  ].join("; "), o);
  assert.is(r1.code, 0, r1.out);
  // 8.3 short names are not generated: only the altname query may report NT_STATUS_
  assert.not.match(r1.out.replace(/NT_STATUS_NOT_SUPPORTED getting alt name[^\n]*/g, ""), /NT_STATUS_/, r1.out);
  assert.ok(readFileSync(back).equals(data), "file read back differs");
  assert.match(r1.out, /stream: \[::\$DATA\], 1048576 bytes/);
  assert.match(r1.out, /g\.bin\s+A\s+1048576/);
  assert.ok(readFileSync(join(share, dir, "g.bin")).equals(data), "renamed file on the server differs");
  assert.not.ok(existsSync(join(share, dir, "f.bin")), "old name gone after rename");

  const r2 = await smbclient(port, "share", `del ${dir}/g.bin; rmdir ${dir}; ls`, o);
  assert.is(r2.code, 0, r2.out);
  assert.not.match(r2.out, /NT_STATUS_/, r2.out);
  assert.not.ok(existsSync(join(share, dir)), "directory removed on the server");
}

test("bun: start the host (users: testuser)", async () => {
  srv = await startServer({ runtime: "bun", users: USERS });
  assert.match(srv.output(), /Bun host listening on/);
  local = mkdtempSync(join(tmpdir(), "smbtest-bun-local-"));
  data = randomBytes(1 << 20);
  writeFileSync(join(local, "one-mib.bin"), data);
});

test("bun: smbclient -L lists share and IPC$, as guest and as a user", async () => {
  for (const o of [{}, USER]) {
    const r = await smbclientList(srv.port, o);
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /share\s+Disk\s+Share/);
    assert.match(r.out, /IPC\$\s+IPC\s+IPC Service/);
  }
});

for (const proto of ["SMB2_10", "SMB3_00", "SMB3_11"]) {
  for (const protection of ["off", "sign"]) {
    const kind = protection === "sign" ? "signed" : "unsigned";
    test(`bun: ${proto} ${kind} as testuser: mkdir/put/get/allinfo/rename/del/rmdir of 1 MiB`, async () => {
      await roundTrip(srv.port, srv.share, `u_${proto}_${protection}`, { ...USER, maxProtocol: proto, protection });
    });
  }
  // an anonymous (guest) session has no session key, so it cannot sign
  test(`bun: ${proto} unsigned as guest: mkdir/put/get/allinfo/rename/del/rmdir of 1 MiB`, async () => {
    await roundTrip(srv.port, srv.share, `g_${proto}`, { maxProtocol: proto, protection: "off" });
  });
}

test("bun: 48 MiB put/get (send FIFO under socket back-pressure), signed and unsigned", async () => {
  const big = randomBytes(48 << 20);
  const src = join(local, "big.bin");
  writeFileSync(src, big);
  for (const protection of ["off", "sign"]) {
    const back = `${src}.${protection}`;
    const r = await smbclient(srv.port, "share", `put ${src} big_${protection}.bin; get big_${protection}.bin ${back}`, { ...USER, protection });
    assert.is(r.code, 0, r.out);
    assert.ok(readFileSync(join(srv.share, `big_${protection}.bin`)).equals(big), "file on the server differs");
    assert.ok(readFileSync(back).equals(big), "file read back differs");
  }
});

test("bun: a wrong password is refused", async () => {
  const r = await smbclient(srv.port, "share", "ls", { user: "testuser", password: "wrong" });
  assert.is.not(r.code, 0, r.out);
  assert.match(r.out, /NT_STATUS_LOGON_FAILURE/);
});

test("bun: `users add` writes a private users.db (Bun.write + chmod 0600) that logs in", async () => {
  const file = join(srv.dir, "bun-users.db");
  await new Promise<void>((resolve, reject) => {
    const p = spawn(bunBin, [join(repoRoot, "host-bun/main.ts"), "users", "add", "bunuser", "--users", file, "--stdin"], {
      cwd: srv.dir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`users add failed (${code}): ${err}`))));
    p.stdin.end("Bun-pw-9\n");
  });
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, "utf8"), /^bunuser:/m);
  const s2 = await startServer({ runtime: "bun", args: ["--users", file] });
  try {
    const r = await smbclient(s2.port, "share", "ls", { user: "bunuser", password: "Bun-pw-9", protection: "sign" });
    assert.is(r.code, 0, r.out);
  } finally {
    await s2.stop();
  }
});

test("bun: SIGTERM stops the host with exit code 0", async () => {
  const proc = srv.proc;
  await srv.stop();
  assert.is(proc.exitCode, 0, srv.output());
});

test("bun: standalone binary (bun build --compile) embeds core.wasm and serves from another directory", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbtest-bunbin-"));
  try {
    const exe = join(dir, "bin", "wasm-smb-server");
    const t = Date.now();
    const b = await run(process.execPath, [join(repoRoot, "scripts/build-bun-binary.mjs"), "--outfile", exe], repoRoot, 300000);
    assert.is(b.code, 0, b.out);
    console.log(`  (standalone binary built in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    // run it from an unrelated directory: nothing under the repository is read
    const cwd = join(dir, "run");
    mkdirSync(cwd);
    await createUsers(join(cwd, "users.db"), USERS);
    const port = await freePort();
    const proc = spawn(exe, ["--port", String(port), "--users", "users.db", "srv-share"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    try {
      const deadline = Date.now() + 30000;
      while (!/listening on/.test(out)) {
        assert.ok(proc.exitCode === null, `binary exited with ${proc.exitCode}:\n${out}`);
        assert.ok(Date.now() < deadline, `binary did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(out, /Bun host listening on/);
      const l = await smbclientList(port, USER);
      assert.is(l.code, 0, l.out);
      assert.match(l.out, /share\s+Disk\s+Share/);
      await roundTrip(port, join(cwd, "srv-share"), "bin_signed", { ...USER, maxProtocol: "SMB3_11", protection: "sign" });
      await roundTrip(port, join(cwd, "srv-share"), "bin_guest", { protection: "off" });
    } finally {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await done;
      }
    }
    assert.is(proc.exitCode, 0, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(() => {
  if (local) rmSync(local, { recursive: true, force: true });
});

test.run();

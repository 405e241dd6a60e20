// End-to-end: the smb.conf-style configuration as a user meets it — shares and their options,
// max connections, start-up warnings for unknown keys and errors for bad values (Node host).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as net from "node:net";
import { startServer, freePort, hostCommand, type RunningServer } from "../helpers/server.ts";
import { smbclient, smbclientList, run } from "../helpers/smbclient.ts";

const dir = mkdtempSync(join(tmpdir(), "smbcfg-"));
const pub = join(dir, "pub");
const ro = join(dir, "ro");
const priv = join(dir, "priv");
const hidden = join(dir, "hidden");
for (const d of [pub, ro, priv, hidden]) mkdirSync(d);
writeFileSync(join(ro, "existing.txt"), "read me\n");
const conf = join(dir, "smb.conf");
writeFileSync(conf, `# test configuration
[global]
   server string = Test Files
   netbios name = TESTSRV
   max connections = 3
   log level = 1
   raed only = yes

[pub]
   path = ${pub}
   comment = Public share
   read only = no
   guest ok = yes

[ro]
   path = ${ro}
   comment = Read-only share
   writeable = no
   guest ok = yes

[priv]
   path = ${priv}
   read only = no
   guest ok = no

[hidden]
   path = ${hidden}
   guest ok = yes
   browseable = no
`);
const user = { user: "alice", password: "Alice-pw9" };
let srv: RunningServer;

test("start with a config file; an unknown key is reported with a suggestion", async () => {
  srv = await startServer({ args: ["--config", conf], noPath: true, users: { alice: user.password } });
  assert.match(srv.output(), /smb\.conf:7: unknown key "raed only" in \[global\].*did you mean "read only"\?/);
});

test("-L lists browseable shares with their comments, not the hidden one", async () => {
  const r = await smbclientList(srv.port);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /pub\s+Disk\s+Public share/);
  assert.match(r.out, /ro\s+Disk\s+Read-only share/);
  assert.match(r.out, /IPC\$\s+IPC\s+IPC Service \(Test Files\)/);
  assert.not.match(r.out, /hidden/);
});

test("a hidden share can still be used by name", async () => {
  const r = await smbclient(srv.port, "hidden", "ls");
  assert.is(r.code, 0, r.out);
});

test("read only = no share takes writes; a read-only share refuses them and still serves reads", async () => {
  writeFileSync(join(dir, "up.txt"), "hello\n");
  let r = await smbclient(srv.port, "pub", `put ${join(dir, "up.txt")} up.txt`);
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(join(pub, "up.txt"), "utf8"), "hello\n");
  r = await smbclient(srv.port, "ro", `put ${join(dir, "up.txt")} up.txt`);
  assert.match(r.out, /NT_STATUS_ACCESS_DENIED/);
  assert.not.ok(existsSync(join(ro, "up.txt")));
  r = await smbclient(srv.port, "ro", `get existing.txt ${join(dir, "got.txt")}`);
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(join(dir, "got.txt"), "utf8"), "read me\n");
  for (const cmd of ["mkdir x", "del existing.txt", "rename existing.txt y.txt"]) {
    r = await smbclient(srv.port, "ro", cmd, user);
    assert.match(r.out, /NT_STATUS_(ACCESS_DENIED|MEDIA_WRITE_PROTECTED)/, cmd);
  }
  assert.ok(existsSync(join(ro, "existing.txt")));
});

test("guest ok = no: guests are refused, users are let in; unknown shares are BAD_NETWORK_NAME", async () => {
  let r = await smbclient(srv.port, "priv", "ls");
  assert.match(r.out, /NT_STATUS_ACCESS_DENIED/);
  r = await smbclient(srv.port, "priv", "ls", user);
  assert.is(r.code, 0, r.out);
  r = await smbclient(srv.port, "nosuch", "ls", user);
  assert.match(r.out, /NT_STATUS_BAD_NETWORK_NAME/);
});

test("max connections = 3: a fourth connection is refused while three are open, then accepted", async () => {
  const socks: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    socks.push(await new Promise<net.Socket>((res, rej) => {
      const s = net.connect(srv.port, "127.0.0.1", () => res(s));
      s.once("error", rej);
    }));
  }
  await new Promise((r) => setTimeout(r, 200));
  let r = await smbclient(srv.port, "pub", "ls", { timeoutMs: 20000 });
  assert.is.not(r.code, 0, r.out);
  assert.match(srv.output(), /Refusing connection from .*max connections/);
  for (const s of socks) s.destroy();
  await new Promise((res) => setTimeout(res, 300));
  r = await smbclient(srv.port, "pub", "ls");
  assert.is(r.code, 0, r.out);
});

test("a bad value stops start-up with file, line and key; so does a missing config file", async () => {
  const bad = join(dir, "bad.conf");
  writeFileSync(bad, `[global]\n   server signing = sometimes\n[s]\n   path = ${pub}\n`);
  const port = await freePort();
  const [cmd, args] = hostCommand("node", ["--port", String(port), "--config", bad]);
  let r = await run(cmd, args, dir, 20000);
  assert.is(r.code, 2, r.out);
  assert.match(r.out, /bad\.conf:2: bad value "sometimes" for "server signing"/);
  const [cmd2, args2] = hostCommand("node", ["--port", String(port), "--config", join(dir, "missing.conf")]);
  r = await run(cmd2, args2, dir, 20000);
  assert.is(r.code, 2, r.out);
  assert.match(r.out, /missing\.conf/);
});

test("stop", async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();

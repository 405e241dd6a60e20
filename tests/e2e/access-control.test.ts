// End-to-end, share access control as smb.conf states it (issue 4 item 7): valid users,
// invalid users, read list, write list, guest ok, restrict anonymous, and hosts allow / hosts
// deny per share and for the whole server (ksmbd parses the last two but never enforces them).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient, smbclientList } from "../helpers/smbclient.ts";

const dir = mkdtempSync(join(tmpdir(), "smbacl-"));
const names = ["team", "open", "ro", "rw", "lan", "local", "except", "anon"];
for (const n of names) mkdirSync(join(dir, n));
const src = join(dir, "src.txt");
writeFileSync(src, "payload\n");
const alice = { user: "alice", password: "Alice-pw1" };
const bob = { user: "bob", password: "Bob-pw1" };
const carol = { user: "carol", password: "Carol-pw1" };

function conf(global: string): string {
  return `[global]
${global}
[team]
   path = ${join(dir, "team")}
   read only = no
   valid users = alice, "bob", @staff
   invalid users = bob
[open]
   path = ${join(dir, "open")}
   read only = no
   guest ok = yes
[ro]
   path = ${join(dir, "ro")}
   read only = yes
   write list = alice
[rw]
   path = ${join(dir, "rw")}
   read only = no
   read list = alice
[lan]
   path = ${join(dir, "lan")}
   read only = no
   hosts allow = 10.0.0.0/8 192.168.1.
[local]
   path = ${join(dir, "local")}
   read only = no
   hosts allow = 127. ::1
   hosts deny = ALL
[except]
   path = ${join(dir, "except")}
   read only = no
   hosts deny = ALL EXCEPT 10.1.2.3
[anon]
   path = ${join(dir, "anon")}
   guest ok = yes
`;
}

let srv: RunningServer;

/** Puts src as name into share; true when smbclient reports success and the file exists. */
async function put(share: string, who: { user: string; password: string } | undefined, name: string): Promise<boolean> {
  const r = await smbclient(srv.port, share, `put ${src} ${name}`, who ?? {});
  return r.code === 0 && !/NT_STATUS_/.test(r.out) && existsSync(join(dir, share, name));
}

test("start", async () => {
  const file = join(dir, "smb.conf");
  writeFileSync(file, conf("   restrict anonymous = 0"));
  srv = await startServer({ args: ["--config", file], noPath: true, users: { alice: alice.password, bob: bob.password, carol: carol.password } });
  assert.match(srv.output(), /group "@staff" matches nobody/);
});

test("valid users lets only the listed users in; invalid users wins over it; guests are out", async () => {
  assert.ok(await put("team", alice, "a.txt"));
  const bobTry = await smbclient(srv.port, "team", "ls", bob);
  assert.match(bobTry.out, /NT_STATUS_ACCESS_DENIED/, bobTry.out);
  const carolTry = await smbclient(srv.port, "team", "ls", carol);
  assert.match(carolTry.out, /NT_STATUS_ACCESS_DENIED/, carolTry.out);
  const guest = await smbclient(srv.port, "team", "ls");
  assert.match(guest.out, /NT_STATUS_ACCESS_DENIED/, guest.out);
  assert.match(srv.output(), /refused: the user is in invalid users/);
  assert.match(srv.output(), /refused: the user is not in valid users/);
});

test("write list gives write access on a read-only share; read list takes it away on a writable one", async () => {
  assert.ok(await put("ro", alice, "w.txt"), "alice is in the write list");
  assert.not.ok(await put("ro", bob, "b.txt"), "bob is not");
  assert.not.ok(await put("rw", alice, "w.txt"), "alice is in the read list");
  assert.ok(await put("rw", bob, "b.txt"));
  writeFileSync(join(dir, "rw", "r.txt"), "readable\n");
  const r = await smbclient(srv.port, "rw", `get r.txt ${join(dir, "got.txt")}`, alice);
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(join(dir, "got.txt"), "utf8"), "readable\n");
});

test("hosts allow / hosts deny per share: networks, prefixes, ALL and EXCEPT", async () => {
  const lan = await smbclient(srv.port, "lan", "ls", alice);
  assert.match(lan.out, /NT_STATUS_ACCESS_DENIED/, lan.out);
  assert.ok(await put("local", alice, "l.txt"), "127. is allowed, and allow wins over deny = ALL");
  const ex = await smbclient(srv.port, "except", "ls", alice);
  assert.match(ex.out, /NT_STATUS_ACCESS_DENIED/, ex.out);
  assert.match(srv.output(), /refused: the client address is not allowed/, srv.output());
  assert.ok(await put("open", undefined, "guest.txt"), "a share without lists serves everyone, guests too");
});

test("restrict anonymous = 1 stops share listing, 2 stops anonymous tree connects", async () => {
  let r = await smbclientList(srv.port, { anonymous: true });
  assert.match(r.out, /open\s+Disk/, r.out);
  r = await smbclient(srv.port, "anon", "ls", { anonymous: true });
  assert.is(r.code, 0, r.out);
  await srv.stop();
  const file = join(dir, "smb1.conf");
  writeFileSync(file, conf("   restrict anonymous = 1"));
  srv = await startServer({ args: ["--config", file], noPath: true, users: { alice: alice.password } });
  r = await smbclientList(srv.port, { anonymous: true });
  assert.not.match(r.out, /open\s+Disk/, r.out);
  r = await smbclientList(srv.port, alice);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /open\s+Disk/, r.out);
  await srv.stop();
  writeFileSync(file, conf("   restrict anonymous = 2"));
  srv = await startServer({ args: ["--config", file], noPath: true, users: { alice: alice.password } });
  r = await smbclient(srv.port, "anon", "ls", { anonymous: true });
  assert.match(r.out, /NT_STATUS_ACCESS_DENIED/, r.out);
  r = await smbclient(srv.port, "anon", "ls", alice);
  assert.is(r.code, 0, r.out);
});

test("[global] hosts allow refuses connections from other addresses before any SMB is read", async () => {
  await srv.stop();
  const file = join(dir, "smb2.conf");
  writeFileSync(file, conf("   hosts allow = 192.168.0.0/255.255.0.0"));
  srv = await startServer({ args: ["--config", file], noPath: true, users: { alice: alice.password } });
  const r = await smbclient(srv.port, "open", "ls", { ...alice, timeoutMs: 20000 });
  assert.is.not(r.code, 0, r.out);
  assert.match(srv.output(), /Refusing connection from 127\.0\.0\.1:\d+: not allowed by hosts allow/);
});

test("stop", async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();

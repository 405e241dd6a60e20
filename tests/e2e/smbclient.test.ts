// End-to-end: the real smbclient against each host (Node, Deno, Bun): share listing, put/get of
// random binary files up to 64 MiB with checksum compare, mkdir/rename/delete/ls/allinfo,
// SMB 2.0.2 / 2.1 / 3.0 / 3.0.2 / 3.1.1, signed and unsigned, guest and user; smbtorture smb2.connect.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { RUNTIMES, startServer, type RunningServer, type Runtime } from "../helpers/server.ts";
import { smbclient, smbclientList, smbtorture } from "../helpers/smbclient.ts";

const runtimes = (process.env.RUNTIMES?.split(",") as Runtime[] | undefined) ?? RUNTIMES;
const USER = { testuser: "Secret-pw1" };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function makeFiles(dir: string, sizes: number[]): string[] {
  mkdirSync(dir, { recursive: true });
  return sizes.map((n) => {
    const f = join(dir, `f${n}.bin`);
    if (!existsSync(f)) writeFileSync(f, randomBytes(n));
    return f;
  });
}

for (const rt of runtimes) {
  let srv: RunningServer;
  let local: string;
  let small: string[];
  const auth = { user: "testuser", password: USER.testuser };

  test(`${rt}: start`, async () => {
    srv = await startServer({ runtime: rt, users: USER });
    local = join(srv.dir, "local");
    small = makeFiles(local, [0, 1, 65535, 65536, 65537, (1 << 20) + 13]);
  });

  test(`${rt}: smbclient -L lists the share and IPC$, as guest and as a user`, async () => {
    for (const o of [{}, auth]) {
      const r = await smbclientList(srv.port, o);
      assert.is(r.code, 0, r.out);
      assert.match(r.out, /share\s+Disk\s+Share/);
      assert.match(r.out, /IPC\$\s+IPC\s+IPC Service/);
    }
  });

  for (const proto of ["SMB2_02", "SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"]) {
    for (const protection of ["off", "sign"]) {
      test(`${rt}: ${proto} ${protection === "sign" ? "signed" : "unsigned"}: mkdir, put, ls, get, rename, allinfo, del, rmdir`, async () => {
        const d = `d_${proto}_${protection}`;
        const cmds = [`mkdir ${d}`];
        for (const f of small) cmds.push(`put ${f} ${d}/${f.split("/").pop()}`);
        cmds.push(`ls ${d}\\*`);
        for (const f of small) cmds.push(`get ${d}/${f.split("/").pop()} ${f}.back`);
        cmds.push(`rename ${d}/f1.bin ${d}/renamed.bin`, `allinfo ${d}/renamed.bin`, `del ${d}/renamed.bin`);
        for (const f of small) if (!f.endsWith("f1.bin")) cmds.push(`del ${d}/${f.split("/").pop()}`);
        cmds.push(`rmdir ${d}`, "ls");
        const r = await smbclient(srv.port, "share", cmds.join("; "), { ...auth, maxProtocol: proto, protection });
        assert.is(r.code, 0, r.out);
        // 8.3 short names are not generated: allinfo reports NOT_SUPPORTED for altname, nothing else may fail
        assert.not.match(r.out.replace(/NT_STATUS_NOT_SUPPORTED getting alt name[^\n]*/g, ""), /NT_STATUS_/, r.out);
        for (const f of small) assert.is(sha(readFileSync(`${f}.back`)), sha(readFileSync(f)), `${f} round trip`);
        assert.match(r.out, /f65537\.bin\s+A\s+65537/);
        assert.match(r.out, /blocks of size \d+\. [1-9]\d* blocks available/, "free space is reported");
        assert.match(r.out, /stream: \[::\$DATA\], 1 bytes/);
        assert.not.ok(existsSync(join(srv.share, d)), "directory removed on the server");
      });
    }
  }

  test(`${rt}: 64 MiB put/get, unsigned and signed (SMB 3.1.1), as guest and as a user`, async () => {
    const [big] = makeFiles(local, [64 << 20]);
    const want = sha(readFileSync(big));
    for (const [o, name] of [[{ ...auth, protection: "off" }, "u"], [{ ...auth, protection: "sign" }, "s"], [{}, "g"]] as const) {
      const r = await smbclient(srv.port, "share", `put ${big} big_${name}.bin; get big_${name}.bin ${big}.${name}`, o);
      assert.is(r.code, 0, r.out);
      assert.is(sha(readFileSync(join(srv.share, `big_${name}.bin`))), want, "file on the server");
      assert.is(sha(readFileSync(`${big}.${name}`)), want, "file read back");
    }
  });

  test(`${rt}: names are found in any case; a rename may change only the case`, async () => {
    const [f] = makeFiles(local, [100]);
    const cmds = [
      "mkdir CaseDir", `put ${f} CaseDir/ReadMe.TXT`, `get casedir/readme.txt ${f}.ci`, "ls CASEDIR\\README.*",
      "rename casedir/README.txt casedir/readme.txt", "ls casedir\\*", "del CASEDIR/README.TXT", "rmdir casedir",
    ];
    const r = await smbclient(srv.port, "share", cmds.join("; "), auth);
    assert.is(r.code, 0, r.out);
    assert.not.match(r.out, /NT_STATUS_/, r.out);
    assert.is(sha(readFileSync(`${f}.ci`)), sha(readFileSync(f)));
    assert.match(r.out, /ReadMe\.TXT\s+A\s+100/, "listed with its own spelling");
    assert.match(r.out, /readme\.txt\s+A\s+100/, "renamed to new case");
    assert.not.ok(existsSync(join(srv.share, "CaseDir")), "removed through another spelling");
  });

  test(`${rt}: a wrong password is refused`, async () => {
    const r = await smbclient(srv.port, "share", "ls", { user: "testuser", password: "wrong" });
    assert.is.not(r.code, 0);
    assert.match(r.out, /NT_STATUS_LOGON_FAILURE/);
  });

  test(`${rt}: smbtorture smb2.connect`, async () => {
    const r = await smbtorture(srv.port, "share", "smb2.connect", auth);
    assert.ok(r.passed, r.out);
  });

  test(`${rt}: stop`, async () => {
    await srv.stop();
  });
}

test.run();

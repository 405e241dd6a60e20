// End-to-end, signing is enforced by session state (MS-SMB2 3.3.5.2.4), not by the
// SMB2_FLAGS_SIGNED bit: a proxy between the real smbclient (signing mandatory) and the server
// strips the signature of a WRITE after SESSION_SETUP, or flips a byte of a signed WRITE; the
// server refuses it and the file on disk is unchanged. And the final SESSION_SETUP response is
// signed with the key a raw client derives itself (3.3.5.5.3): 2.1 HMAC, 3.0 CMAC, 3.1.1 CMAC/GMAC.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient } from "../helpers/smbclient.ts";
import { FrameProxy, plainMessages } from "../helpers/tcp-proxy.ts";
import { SecureClient, FLAGS_SIGNED } from "../helpers/smb3-client.ts";
import { Command, Status, hexStatus, treeConnectBody } from "../helpers/smb2-raw.ts";
import { SIGNING, verifySignature } from "../helpers/smb3-crypto.ts";

const USER = "alice";
const PASSWORD = "Alice-pw7";
const auth = { user: USER, password: PASSWORD };

let srv: RunningServer;

test.before(async () => {
  srv = await startServer({ users: { [USER]: PASSWORD }, args: ["--log-level", "1"] });
});
test.after(async () => {
  await srv?.stop();
});

const ORIGINAL = "ORIGINAL CONTENT, must survive\n";
const APPENDED = "appended by a tampered WRITE\n".repeat(20);

type Tamper = "none" | "strip" | "flip";

interface ProxyRun {
  out: string;
  code: number | null;
  /** WRITE requests the proxy changed. */
  tampered: number;
  /** Statuses of the WRITE responses the server sent. */
  writeStatuses: number[];
  /** The final SESSION_SETUP response came with SMB2_FLAGS_SIGNED. */
  setupSigned: boolean;
}

/**
 * smbclient (signing mandatory) `reput`s a file through the proxy. reput opens the existing
 * remote file with FILE_OPEN_IF (no truncation) and writes the rest of the local file (Samba
 * 4.17 writes it at offset 0), so the file on disk changes only if a WRITE is accepted. The
 * proxy tampers with every WRITE after SESSION_SETUP succeeded.
 */
async function throughProxy(name: string, protocol: string, tamper: Tamper): Promise<ProxyRun> {
  writeFileSync(join(srv.share, name), ORIGINAL);
  const local = join(srv.dir, `local-${name}`);
  writeFileSync(local, ORIGINAL + APPENDED);
  const proxy = await FrameProxy.start(srv.port);
  let tampered = 0;
  const setupDone = (conn: number) =>
    proxy.frames.some((f) => f.dir === "s2c" && f.conn === conn && plainMessages(f.bytes).some((m) => m.command === Command.SESSION_SETUP && m.status === 0));
  proxy.rewrite = (f, conn) => {
    if (tamper === "none" || !setupDone(conn)) return f;
    for (const m of plainMessages(f)) {
      if (m.command !== Command.WRITE) continue;
      tampered++;
      if (tamper === "strip") {
        f.writeUInt32LE(m.flags & ~FLAGS_SIGNED, m.offset + 16);
        f.fill(0, m.offset + 48, m.offset + 64);
      } else {
        f[m.end - 1] ^= 0x01; // the last byte of the data: the signature no longer matches
      }
    }
    return f;
  };
  const r = await smbclient(proxy.port, "share", `reput ${local} ${name}`, { ...auth, maxProtocol: protocol, protection: "sign", timeoutMs: 20000 });
  await proxy.stop();
  const s2c = proxy.frames.filter((f) => f.dir === "s2c");
  const writeStatuses = s2c.flatMap((f) => plainMessages(f.bytes)).filter((m) => m.command === Command.WRITE).map((m) => m.status);
  const setups = s2c.flatMap((f) => plainMessages(f.bytes)).filter((m) => m.command === Command.SESSION_SETUP && m.status === 0);
  return {
    out: r.out, code: r.code, tampered, writeStatuses,
    setupSigned: setups.length > 0 && setups.every((m) => (m.flags & FLAGS_SIGNED) !== 0),
  };
}

const disk = (name: string) => readFileSync(join(srv.share, name), "utf8");

for (const protocol of ["SMB3_11", "SMB3_00", "SMB2_10"]) {
  test(`${protocol}: through the untouching proxy, smbclient's signed reput appends (the control)`, async () => {
    const name = `control-${protocol}.txt`;
    const r = await throughProxy(name, protocol, "none");
    assert.is(r.code, 0, r.out);
    assert.is.not(disk(name), ORIGINAL, "the WRITE landed");
    assert.match(disk(name), /appended by a tampered WRITE/);
    assert.ok(r.writeStatuses.length > 0 && r.writeStatuses.every((s) => s === 0), "WRITE responses succeeded");
    assert.ok(r.setupSigned, "the final SESSION_SETUP response carries SMB2_FLAGS_SIGNED");
  });

  test(`${protocol}: a WRITE with SMB2_FLAGS_SIGNED cleared and a zero signature is refused; the file is unchanged`, async () => {
    const name = `strip-${protocol}.txt`;
    const before = srv.output().length;
    const r = await throughProxy(name, protocol, "strip");
    assert.ok(r.tampered > 0, `the proxy stripped a WRITE:\n${r.out}`);
    assert.is(disk(name), ORIGINAL, "the file on disk is unchanged");
    assert.ok(r.writeStatuses.every((s) => s === Status.ACCESS_DENIED), `WRITE answered ${r.writeStatuses.map(hexStatus).join(",")}`);
    assert.is.not(r.code, 0, `smbclient reports the failure:\n${r.out}`);
    assert.match(srv.output().slice(before), /Refused unsigned request \d+ from 127\.0\.0\.1:\d+ on a session that requires signing|Disconnecting/);
  });

  test(`${protocol}: a signed WRITE with one flipped data byte (bad signature) is refused; the file is unchanged`, async () => {
    const name = `flip-${protocol}.txt`;
    const before = srv.output().length;
    const r = await throughProxy(name, protocol, "flip");
    assert.ok(r.tampered > 0, `the proxy changed a WRITE:\n${r.out}`);
    assert.is(disk(name), ORIGINAL, "the file on disk is unchanged");
    assert.ok(r.writeStatuses.every((s) => s === Status.ACCESS_DENIED), `WRITE answered ${r.writeStatuses.map(hexStatus).join(",")}`);
    assert.is.not(r.code, 0, `smbclient reports the failure:\n${r.out}`);
    assert.match(srv.output().slice(before), /bad signature|Disconnecting/);
  });
}

// ---- the final SESSION_SETUP response, verified with keys the raw client derives ----

const cases: { name: string; dialects: number[]; signing?: number[]; alg: number }[] = [
  { name: "2.1, HMAC-SHA256", dialects: [0x0210], alg: SIGNING.HMAC_SHA256 },
  { name: "3.0, AES-CMAC", dialects: [0x0300], alg: SIGNING.AES_CMAC },
  { name: "3.0.2, AES-CMAC", dialects: [0x0302], alg: SIGNING.AES_CMAC },
  { name: "3.1.1, AES-CMAC (no signing context)", dialects: [0x0311], alg: SIGNING.AES_CMAC },
  { name: "3.1.1, AES-CMAC (negotiated)", dialects: [0x0311], signing: [SIGNING.AES_CMAC], alg: SIGNING.AES_CMAC },
  { name: "3.1.1, AES-GMAC", dialects: [0x0311], signing: [SIGNING.AES_GMAC, SIGNING.AES_CMAC], alg: SIGNING.AES_GMAC },
];

for (const k of cases) {
  test(`${k.name}: the final SESSION_SETUP response is signed with the derived signing key; later ones too`, async () => {
    const s = await SecureClient.connect(srv.port);
    try {
      const n = await s.negotiate({ dialects: k.dialects, signing: k.signing ?? null });
      assert.is(n.status, 0);
      assert.is(s.signingAlg, k.alg, "negotiated signing algorithm");
      const m = await s.logon(auth);
      assert.is(hexStatus(m.status), hexStatus(0), "SESSION_SETUP");
      assert.ok((m.flags & FLAGS_SIGNED) !== 0, "SMB2_FLAGS_SIGNED");
      assert.ok(s.signedOk(m), "signature valid under the derived key");
      // the check can fail: a signature under another algorithm or key does not verify
      const other = k.alg === SIGNING.AES_CMAC ? SIGNING.HMAC_SHA256 : SIGNING.AES_CMAC;
      assert.not.ok(verifySignature(m.raw, s.k.signing, other), "another algorithm does not verify");
      assert.not.ok(verifySignature(m.raw, Buffer.alloc(16, 7), k.alg), "another key does not verify");
      const t = await s.treeConnect("share");
      assert.is(hexStatus(t.status), hexStatus(0), "signed TREE_CONNECT");
      assert.ok(s.signedOk(t), "TREE_CONNECT response signed");
      // an unsigned request on this signing session is refused
      const u = await s.call(Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), { sign: false });
      assert.is(hexStatus(u.status), hexStatus(Status.ACCESS_DENIED), "an unsigned TREE_CONNECT is refused");
    } finally {
      s.end();
    }
  });
}

test("the server's log has no trap", () => {
  assert.not.match(srv.output(), /Core panic|RuntimeError/);
  assert.is(srv.proc.exitCode, null);
});

test.run();

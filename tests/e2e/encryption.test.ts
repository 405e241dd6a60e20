// End-to-end, SMB3 encryption (MS-SMB2 2.2.41, 3.1.4.3, 3.3.5.2.1.1, 3.3.5.4, 3.3.5.5.3,
// 3.3.5.7, 3.3.5.2.9/11) on the Node host: smbclient and smbtorture with every cipher and
// dialect (seen through a proxy: everything after SESSION_SETUP is a TRANSFORM_HEADER), a raw
// client that checks each encrypted response (simple, compound, interim + final, LOGOFF), and
// the policies: global auto / desired / mandatory / disabled and per-share mandatory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { run, clientConf } from "../helpers/smbclient.ts";
import { smbclientVia, checkWire } from "../helpers/encryption-checks.ts";
import { Command, Status, hexStatus, createBody, writeBody, closeBody, echoBody, RELATED_FILE_ID, FLAGS_RELATED_OPERATIONS } from "../helpers/smb2-raw.ts";
import {
  SecureClient, secureLogon, negotiateContexts, lockBody, changeNotifyBody, emptyBody, SESSION_FLAG_ENCRYPT_DATA, SHAREFLAG_ENCRYPT_DATA,
  SMB2_GLOBAL_CAP_ENCRYPTION, STATUS_PENDING, FLAGS_ASYNC, LOCK_EXCLUSIVE, LOCK_FAIL_IMMEDIATELY, type Received,
} from "../helpers/smb3-client.ts";
import { CIPHER, CIPHER_NAMES, TRANSFORM_PROTOCOL_ID } from "../helpers/smb3-crypto.ts";

const USER = "alice";
const PASSWORD = "Alice-enc1";
const auth = { user: USER, password: PASSWORD };
const STATUS_CANCELLED = 0xc0000120;
const LOCK_UNLOCK = 0x4;

const base = mkdtempSync(join(tmpdir(), "smbenc-"));
type Policy = "auto" | "desired" | "mandatory" | "disabled";
const srv = {} as Record<Policy, RunningServer>;
const dirs = {} as Record<Policy, { share: string; enc: string }>;

/** The [global] lines of each server: each policy spelled differently (Samba, ksmbd, synonyms). */
const GLOBAL: Record<Policy, string> = {
  auto: "",
  desired: "server smb encrypt = desired",
  mandatory: "smb3 encryption = mandatory\n  server smb3 encryption algorithms = aes-128-gcm, aes-256-gcm",
  disabled: "server smb encrypt = off",
};

test.before(async () => {
  try {
    await startAll();
  } catch (e) {
    console.error(`cannot start the servers: ${(e as Error).message}`); // uvu hides errors of before hooks
    throw e;
  }
});

async function startAll(): Promise<void> {
  await Promise.all((Object.keys(GLOBAL) as Policy[]).map(async (p) => {
    const d = { share: join(base, p, "share"), enc: join(base, p, "enc") };
    mkdirSync(d.share, { recursive: true });
    mkdirSync(d.enc, { recursive: true });
    dirs[p] = d;
    const conf = join(base, `${p}.conf`);
    writeFileSync(conf, `[global]\n  ${GLOBAL[p]}\n[share]\n  path = ${d.share}\n  read only = no\n  guest ok = yes\n` +
      `[enc]\n  path = ${d.enc}\n  read only = no\n  smb encrypt = mandatory\n`);
    srv[p] = await startServer({ args: ["--config", conf, "--log-level", "1"], noPath: true, users: { [USER]: PASSWORD } });
  }));
}
test.after(async () => {
  await Promise.all(Object.values(srv).map((s) => s.stop()));
  rmSync(base, { recursive: true, force: true });
});

// ---- smbclient through a recording proxy ----

const via = (port: number, share: string, cmds: string, extra: string[]) => smbclientVia(port, share, cmds, extra, { ...auth, cwd: base });

const big = randomBytes(3 * 1024 * 1024 + 4321);
const small = randomBytes(777);
writeFileSync(join(base, "big.bin"), big);
writeFileSync(join(base, "small.bin"), small);

const matrix: { protocol: string; cipher: number }[] = [
  ...[CIPHER.AES128_CCM, CIPHER.AES128_GCM, CIPHER.AES256_CCM, CIPHER.AES256_GCM].map((cipher) => ({ protocol: "SMB3_11", cipher })),
  { protocol: "SMB3_02", cipher: CIPHER.AES128_CCM },
  { protocol: "SMB3_00", cipher: CIPHER.AES128_CCM },
];

for (const { protocol, cipher } of matrix) {
  const name = `${protocol} ${CIPHER_NAMES[cipher]}`;
  test(`smbclient ${name}: put/get ${big.length} B and ${small.length} B byte-identical, all encrypted on the wire`, async () => {
    const tag = `${protocol}-${cipher}`;
    const r = await via(srv.auto.port, "share",
      `put big.bin b-${tag}; put small.bin s-${tag}; get b-${tag} got-b-${tag}; get s-${tag} got-s-${tag}`,
      ["--client-protection=encrypt", "-m", protocol, `--option=client smb3 encryption algorithms=${CIPHER_NAMES[cipher]}`]);
    assert.is(r.code, 0, r.out);
    assert.ok(readFileSync(join(dirs.auto.share, `b-${tag}`)).equals(big), "big file on the server");
    assert.ok(readFileSync(join(dirs.auto.share, `s-${tag}`)).equals(small), "small file on the server");
    assert.ok(readFileSync(join(base, `got-b-${tag}`)).equals(big), "big file read back");
    assert.ok(readFileSync(join(base, `got-s-${tag}`)).equals(small), "small file read back");
    const n = checkWire(r.proxy, cipher, protocol === "SMB3_11");
    assert.ok(n.c2s >= 6 && n.s2c >= 6, `encrypted frames ${JSON.stringify(n)}`);
  });
}

test("smbtorture smb2.session.encryption-aes-{128,256}-{ccm,gcm} pass", async () => {
  const names = ["aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm"].map((c) => `smb2.session.encryption-${c}`);
  const r = await run("smbtorture", [`//127.0.0.1/share`, "-p", String(srv.auto.port), "-s", clientConf, "-U", `${USER}%${PASSWORD}`, "--format=subunit", ...names], base, 60000);
  for (const c of ["aes-128-ccm", "aes-128-gcm", "aes-256-ccm", "aes-256-gcm"]) {
    assert.match(r.out, new RegExp(`^success: encryption-${c}$`, "m"), r.out.slice(-3000));
  }
  assert.not.match(r.out, /^(failure|error|skip):/m, r.out.slice(-3000));
});

// ---- raw client: every response to an encrypted request comes encrypted ----

/** Asserts a received frame came in a TRANSFORM_HEADER for s's session. */
function encryptedFor(s: SecureClient, r: Received, what: string): void {
  assert.ok(r.encrypted, `${what}: response encrypted (ProtocolId 0xFD)`);
  assert.is(r.transform?.sessionId, s.sessionId, `${what}: transform SessionId`);
  assert.is(r.transform?.flags, 1, `${what}: Flags`);
}

const rawCases: { dialect: number; cipher: number }[] = [
  ...[CIPHER.AES128_CCM, CIPHER.AES128_GCM, CIPHER.AES256_CCM, CIPHER.AES256_GCM].map((cipher) => ({ dialect: 0x0311, cipher })),
  { dialect: 0x0300, cipher: CIPHER.AES128_CCM },
];

for (const { dialect, cipher } of rawCases) {
  const name = `${dialect.toString(16)} ${CIPHER_NAMES[cipher]}`;
  test(`raw ${name}: encrypted TREE_CONNECT, CREATE, WRITE, READ, CLOSE and a compound; every response encrypted`, async () => {
    const s = await secureLogon(srv.auto.port, { dialects: [dialect], ciphers: dialect === 0x0311 ? [cipher] : null, ...auth });
    try {
      assert.is(s.cipher, cipher, "negotiated cipher");
      s.encrypt = true;
      const t = await s.treeConnect("share");
      assert.is(hexStatus(t.status), hexStatus(0));
      assert.ok(t.encrypted, "TREE_CONNECT response encrypted");
      const file = `raw-${dialect.toString(16)}-${cipher}.bin`;
      const data = randomBytes(60000);
      const c = await s.create(file, { createDisposition: 5 });
      assert.is(hexStatus(c.status), hexStatus(0));
      const w = await s.write(c.fileId, 0n, data);
      assert.is(hexStatus(w.status), hexStatus(0));
      assert.is(w.body.readUInt32LE(4), data.length, "WRITE Count");
      const rd = await s.read(c.fileId, 0n, data.length);
      assert.ok(rd.encrypted && rd.data.equals(data), "READ returns the data, encrypted");
      const cl = await s.close(c.fileId);
      assert.ok(cl.encrypted && cl.status === 0, "CLOSE");
      assert.ok(readFileSync(join(dirs.auto.share, file)).equals(data), "file on disk");
      for (const m of [t, c, w, rd, cl]) assert.is(m.wire.readUInt32LE(0), TRANSFORM_PROTOCOL_ID);
      // compound CREATE + WRITE + CLOSE (related) in one TRANSFORM_HEADER; responses in one too
      const data2 = randomBytes(5000);
      const msgs = [
        s.build(Command.CREATE, createBody(`c-${file}`, { createDisposition: 5 })),
        s.build(Command.WRITE, writeBody(RELATED_FILE_ID, 0n, data2), { flags: FLAGS_RELATED_OPERATIONS }),
        s.build(Command.CLOSE, closeBody(RELATED_FILE_ID), { flags: FLAGS_RELATED_OPERATIONS }),
      ];
      s.sendMessages(msgs);
      const r = await s.receive();
      encryptedFor(s, r, "compound");
      assert.equal(r.messages.map((m) => m.command), [Command.CREATE, Command.WRITE, Command.CLOSE], "three responses in one encrypted frame");
      assert.equal(r.messages.map((m) => hexStatus(m.status)), [0, 0, 0].map(hexStatus));
      assert.ok(readFileSync(join(dirs.auto.share, `c-${file}`)).equals(data2), "compound wrote the file");
    } finally {
      s.end();
    }
  });
}

test("raw 3.1.1: a blocking LOCK's interim STATUS_PENDING and its final response come encrypted", async () => {
  const s = await secureLogon(srv.auto.port, { ciphers: [CIPHER.AES128_GCM], ...auth });
  try {
    s.encrypt = true;
    assert.is((await s.treeConnect("share")).status, 0);
    const a = await s.create("lock.bin", { createDisposition: 5 });
    const b = await s.create("lock.bin", { createDisposition: 1 });
    assert.is((await s.call(Command.LOCK, lockBody(a.fileId, 0n, 10n, LOCK_EXCLUSIVE | LOCK_FAIL_IMMEDIATELY))).status, 0);
    const lock = s.build(Command.LOCK, lockBody(b.fileId, 0n, 10n, LOCK_EXCLUSIVE));
    const lockMid = lock.readBigUInt64LE(24);
    s.sendMessages([lock]);
    const interim = await s.receive();
    encryptedFor(s, interim, "interim");
    const im = interim.messages[0];
    assert.is(hexStatus(im.status), hexStatus(STATUS_PENDING));
    assert.is(im.messageId, lockMid);
    assert.ok((im.flags & FLAGS_ASYNC) !== 0, "async interim");
    const unlock = s.build(Command.LOCK, lockBody(a.fileId, 0n, 10n, LOCK_UNLOCK));
    s.sendMessages([unlock]);
    const got = [await s.receive(), await s.receive()];
    for (const g of got) encryptedFor(s, g, "after unlock");
    const fin = got.map((g) => g.messages[0]).find((m) => m.messageId === lockMid);
    assert.ok(fin, "the final LOCK response came");
    assert.is(hexStatus((fin as { status: number }).status), hexStatus(0), "the blocked LOCK was granted");
    assert.ok(((fin as { flags: number }).flags & FLAGS_ASYNC) !== 0, "final async response");
  } finally {
    s.end();
  }
});

test("raw 3.1.1 AES-256-CCM: CHANGE_NOTIFY's interim response and the final one after an encrypted CANCEL are encrypted", async () => {
  const s = await secureLogon(srv.auto.port, { ciphers: [CIPHER.AES256_CCM], ...auth });
  try {
    s.encrypt = true;
    assert.is((await s.treeConnect("share")).status, 0);
    const d = await s.create("", { createOptions: 0x1, createDisposition: 1, desiredAccess: 0x00100081, fileAttributes: 0x10 });
    assert.is(hexStatus(d.status), hexStatus(0), "open the share root");
    const n = s.build(Command.CHANGE_NOTIFY, changeNotifyBody(d.fileId));
    s.sendMessages([n]);
    const interim = await s.receive();
    encryptedFor(s, interim, "interim");
    const im = interim.messages[0];
    assert.is(hexStatus(im.status), hexStatus(STATUS_PENDING));
    const cancel = s.c.nextHeader(Command.CANCEL, { messageId: 0n, flags: FLAGS_ASYNC, sessionId: s.sessionId });
    im.raw.copy(cancel, 32, 32, 40); // AsyncId
    s.sendMessages([Buffer.concat([cancel, emptyBody()])]);
    const fin = await s.receive();
    encryptedFor(s, fin, "final");
    assert.is(fin.messages[0].messageId, n.readBigUInt64LE(24));
    assert.is(hexStatus(fin.messages[0].status), hexStatus(STATUS_CANCELLED));
  } finally {
    s.end();
  }
});

test("raw 3.1.1: an encrypted LOGOFF is answered, encrypted, before the session ends", async () => {
  const s = await secureLogon(srv.auto.port, { ciphers: [CIPHER.AES128_GCM], ...auth });
  try {
    s.encrypt = true;
    const r = await s.call(Command.LOGOFF, emptyBody()).catch((e: Error) => e);
    if (r instanceof Error) return assert.unreachable(`no LOGOFF response: ${r.message}`);
    assert.ok(r.encrypted, "LOGOFF response encrypted (3.1.4.3: the response to an encrypted request is encrypted)");
    assert.is(hexStatus(r.status), hexStatus(0));
  } finally {
    s.end();
  }
});

test("raw 3.1.1 with encryption on: responses to unencrypted requests stay unencrypted and signed (auto: not required)", async () => {
  const s = await secureLogon(srv.auto.port, { ciphers: [CIPHER.AES128_GCM], ...auth });
  try {
    assert.is(s.sessionFlags & SESSION_FLAG_ENCRYPT_DATA, 0, "auto: the session does not require encryption");
    const t = await s.treeConnect("share");
    assert.ok(!t.encrypted && t.status === 0 && s.signedOk(t), "plain signed request → plain signed response");
    const e = await s.call(Command.ECHO, echoBody(), { encrypt: true });
    assert.ok(e.encrypted && e.status === 0, "then an encrypted one → encrypted response");
  } finally {
    s.end();
  }
});

// ---- per-share `smb encrypt = mandatory` (3.3.5.7, 3.3.5.2.11) ----

test("share [enc] (smb encrypt = mandatory): ShareFlags ENCRYPT_DATA; unencrypted requests refused and change nothing; [share] stays plain", async () => {
  const s = await secureLogon(srv.auto.port, { ciphers: [CIPHER.AES128_GCM], ...auth });
  try {
    const e = await s.treeConnect("enc");
    assert.is(hexStatus(e.status), hexStatus(0));
    assert.ok((e.body.readUInt32LE(4) & SHAREFLAG_ENCRYPT_DATA) !== 0, "SMB2_SHAREFLAG_ENCRYPT_DATA");
    const encTree = s.treeId;
    const c = await s.create("secret.txt", { createDisposition: 5 }, { encrypt: true });
    assert.ok(c.encrypted && c.status === 0, "encrypted CREATE works");
    assert.is((await s.write(c.fileId, 0n, Buffer.from("before"), { encrypt: true })).status, 0);
    const plain = await s.write(c.fileId, 0n, Buffer.from("AFTER!"), { encrypt: false });
    assert.is(hexStatus(plain.status), hexStatus(Status.ACCESS_DENIED), "unencrypted (signed) WRITE refused");
    assert.is(readFileSync(join(dirs.auto.enc, "secret.txt"), "utf8"), "before", "the file is unchanged");
    const pc = await s.create("other.txt", { createDisposition: 5 }, { encrypt: false });
    assert.is(hexStatus(pc.status), hexStatus(Status.ACCESS_DENIED), "unencrypted CREATE refused");
    assert.not.ok(existsSync(join(dirs.auto.enc, "other.txt")), "nothing created");
    // another share on the same session works unencrypted
    const p = await s.treeConnect("share");
    assert.is(p.body.readUInt32LE(4) & SHAREFLAG_ENCRYPT_DATA, 0, "[share] has no ENCRYPT_DATA");
    const pf = await s.create("plain.txt", { createDisposition: 5 });
    assert.ok(!pf.encrypted && pf.status === 0 && s.signedOk(pf), "plain CREATE on [share]");
    assert.is((await s.close(c.fileId, { encrypt: true, treeId: encTree })).status, 0);
  } finally {
    s.end();
  }
});

test("share [enc]: a 2.1 client's TREE_CONNECT is refused; [share] works for it", async () => {
  const s = await secureLogon(srv.auto.port, { dialects: [0x0210], ...auth });
  try {
    assert.is(s.cipher, 0);
    assert.is(hexStatus((await s.treeConnect("enc")).status), hexStatus(Status.ACCESS_DENIED));
    assert.is(hexStatus((await s.treeConnect("share")).status), hexStatus(0));
  } finally {
    s.end();
  }
});

test("share [enc]: smbclient without encryption is refused, with --client-protection=encrypt it works", async () => {
  writeFileSync(join(base, "e.txt"), "encrypted share\n");
  const no = await run("smbclient", ["-p", String(srv.auto.port), "-s", clientConf, "-U", `${USER}%${PASSWORD}`, "-m", "SMB2_10", "//127.0.0.1/enc", "-c", "put e.txt e.txt"], base);
  assert.match(no.out, /NT_STATUS_ACCESS_DENIED/, no.out);
  assert.not.ok(existsSync(join(dirs.auto.enc, "e.txt")));
  const yes = await via(srv.auto.port, "enc", "put e.txt e.txt", ["--client-protection=encrypt"]);
  assert.is(yes.code, 0, yes.out);
  assert.is(readFileSync(join(dirs.auto.enc, "e.txt"), "utf8"), "encrypted share\n");
});

// ---- server smb encrypt = desired ----

test("desired: SESSION_SETUP sets SMB2_SESSION_FLAG_ENCRYPT_DATA; a signed but unencrypted WRITE is refused and changes nothing", async () => {
  const s = await secureLogon(srv.desired.port, { ciphers: [CIPHER.AES256_GCM], ...auth });
  try {
    assert.ok((s.sessionFlags & SESSION_FLAG_ENCRYPT_DATA) !== 0, "SMB2_SESSION_FLAG_ENCRYPT_DATA");
    const pt = await s.treeConnect("share");
    assert.is(hexStatus(pt.status), hexStatus(Status.ACCESS_DENIED), "unencrypted TREE_CONNECT refused");
    s.encrypt = true;
    assert.is((await s.treeConnect("share")).status, 0);
    const c = await s.create("d.txt", { createDisposition: 5 });
    assert.is((await s.write(c.fileId, 0n, Buffer.from("encrypted"))).status, 0);
    const plain = await s.write(c.fileId, 0n, Buffer.from("PLAINTEXT"), { encrypt: false, sign: true });
    assert.is(hexStatus(plain.status), hexStatus(Status.ACCESS_DENIED));
    assert.not.ok(plain.encrypted, "the refusal is not encrypted (the request was not)");
    assert.is(readFileSync(join(dirs.desired.share, "d.txt"), "utf8"), "encrypted", "the file is unchanged");
    assert.is((await s.close(c.fileId)).status, 0, "the session still works encrypted");
  } finally {
    s.end();
  }
});

test("desired: clients that cannot encrypt still get plain sessions (2.1; 3.1.1 without a cipher; guest; anonymous)", async () => {
  const cases: Parameters<typeof secureLogon>[1][] = [
    { dialects: [0x0210], ...auth }, { dialects: [0x0311], ciphers: null, ...auth },
    { user: "nobody-here", password: "x" }, { anonymous: true },
  ];
  for (const o of cases) {
    const s = await secureLogon(srv.desired.port, o);
    assert.is(s.sessionFlags & SESSION_FLAG_ENCRYPT_DATA, 0, JSON.stringify(o));
    assert.is((await s.treeConnect("share")).status, 0, JSON.stringify(o));
    s.end();
  }
});

// ---- smb3 encryption = mandatory (ksmbd spelling), only GCM ciphers allowed ----

async function setupStatus(p: number, o: Parameters<typeof secureLogon>[1]): Promise<{ status: number; s: SecureClient }> {
  const s = await SecureClient.connect(p);
  const n = await s.negotiate(o);
  assert.is(n.status, 0, "NEGOTIATE");
  const m = await s.logon(o);
  return { status: m.status, s };
}

test("mandatory: sessions that cannot encrypt are refused at SESSION_SETUP with STATUS_ACCESS_DENIED", async () => {
  const refused: [string, Parameters<typeof secureLogon>[1]][] = [
    ["2.1 client", { dialects: [0x0210], ...auth }],
    ["3.0 client without SMB2_GLOBAL_CAP_ENCRYPTION", { dialects: [0x0300], capabilities: 0x3f, ...auth }],
    ["3.0 client (the server allows no CCM cipher)", { dialects: [0x0300], ...auth }],
    ["3.1.1 client offering only AES-128-CCM", { ciphers: [CIPHER.AES128_CCM], ...auth }],
    ["3.1.1 client without an encryption context", { ciphers: null, ...auth }],
    ["guest (unknown user mapped to guest)", { ciphers: [CIPHER.AES128_GCM], user: "nobody-here", password: "x" }],
    ["anonymous", { ciphers: [CIPHER.AES128_GCM], anonymous: true }],
  ];
  const before = srv.mandatory.output().split("encryption is mandatory").length;
  for (const [what, o] of refused) {
    const { status, s } = await setupStatus(srv.mandatory.port, o);
    assert.is(hexStatus(status), hexStatus(Status.ACCESS_DENIED), what);
    s.end();
  }
  // the server's log reaches us through a pipe: give the last lines a moment to arrive
  const count = () => srv.mandatory.output().split("encryption is mandatory").length - before;
  for (let i = 0; i < 40 && count() < refused.length; i++) await new Promise((res) => setTimeout(res, 50));
  assert.is(count(), refused.length, "each refusal is logged as an encryption refusal");
  const ok = await secureLogon(srv.mandatory.port, { ciphers: [CIPHER.AES128_CCM, CIPHER.AES256_GCM], ...auth });
  assert.is(ok.cipher, CIPHER.AES256_GCM, "the one allowed cipher the client offers");
  assert.ok((ok.sessionFlags & SESSION_FLAG_ENCRYPT_DATA) !== 0, "an able client gets an encrypting session");
  ok.encrypt = true;
  assert.is((await ok.treeConnect("share")).status, 0);
  ok.end();
});

test("mandatory: smbclient with default settings works encrypted; anonymous smbclient is refused", async () => {
  writeFileSync(join(base, "m.txt"), "mandatory\n");
  const r = await via(srv.mandatory.port, "share", "put m.txt m.txt", []);
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(join(dirs.mandatory.share, "m.txt"), "utf8"), "mandatory\n");
  checkWire(r.proxy, CIPHER.AES128_GCM, true);
  const anon = await run("smbclient", ["-p", String(srv.mandatory.port), "-s", clientConf, "-N", "//127.0.0.1/share", "-c", "ls"], base);
  assert.is.not(anon.code, 0, anon.out);
});

// ---- server smb encrypt = off (disabled) ----

test("disabled: 3.1.1 answers cipher 0, 3.0 has no SMB2_GLOBAL_CAP_ENCRYPTION, smbclient --client-protection=encrypt fails", async () => {
  const a = await SecureClient.connect(srv.disabled.port);
  const n = await a.negotiate({ ciphers: [2, 1, 4, 3] });
  assert.is(negotiateContexts(n).find((c) => c.type === 2)?.data.readUInt16LE(2), 0, "encryption context cipher 0");
  assert.is(a.cipher, 0);
  a.end();
  const b = await SecureClient.connect(srv.disabled.port);
  const n30 = await b.negotiate({ dialects: [0x0300] });
  assert.is(n30.body.readUInt32LE(24) & SMB2_GLOBAL_CAP_ENCRYPTION, 0);
  b.end();
  writeFileSync(join(base, "x.txt"), "x\n");
  const r = await run("smbclient", ["-p", String(srv.disabled.port), "-s", clientConf, "-U", `${USER}%${PASSWORD}`, "--client-protection=encrypt", "//127.0.0.1/share", "-c", "put x.txt x.txt"], base);
  assert.is.not(r.code, 0, r.out);
  assert.not.ok(existsSync(join(dirs.disabled.share, "x.txt")), "nothing written");
});

test("no server trapped", () => {
  for (const s of Object.values(srv)) {
    assert.not.match(s.output(), /Core panic|RuntimeError/);
    assert.is(s.proc.exitCode, null);
  }
});

test.run();

// End-to-end, bad TRANSFORM_HEADER input (MS-SMB2 2.2.41, 3.3.5.2.1.1): forged tags, flipped
// ciphertext, unknown sessions, size and Flags mismatches, short and nested transforms,
// transforms too early or on a 2.1 connection, replays, and an encrypted message naming
// another session. Each must disconnect that connection only (or be refused), with a log line,
// while a second, encrypted connection keeps working and nothing reaches the disk.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Command, Status, hexStatus, echoBody, createBody, writeBody, frame, Smb2Client } from "../helpers/smb2-raw.ts";
import { SecureClient, secureLogon, setupBody } from "../helpers/smb3-client.ts";
import { seal, open, CIPHER, TRANSFORM_PROTOCOL_ID } from "../helpers/smb3-crypto.ts";
import { negTokenInit, negotiateMessage, OID_NTLMSSP } from "../helpers/ntlm-client.ts";
import { expectDisconnect, waitForLog, assertAlive } from "../helpers/bad-input-harness.ts";

const USER = "alice";
const PASSWORD = "Alice-bad1";
const auth = { user: USER, password: PASSWORD };

let srv: RunningServer;
let bystander: SecureClient;

test.before(async () => {
  try {
    srv = await startServer({ users: { [USER]: PASSWORD }, args: ["--log-level", "1"] });
    bystander = await secureLogon(srv.port, { ciphers: [CIPHER.AES128_CCM], ...auth });
    bystander.encrypt = true;
    const t = await bystander.treeConnect("share");
    if (t.status !== 0) throw new Error(`bystander TREE_CONNECT ${hexStatus(t.status)}`);
  } catch (e) {
    console.error(`cannot start: ${(e as Error).message}`); // uvu hides errors of before hooks
    throw e;
  }
});
test.after(async () => {
  bystander?.end();
  await srv?.stop();
});

/** After an attack: the process lives, the bystander's encrypted ECHO works, the disconnect was logged (with its reason). */
async function survived(victim?: Smb2Client, reason = /\S/): Promise<void> {
  assertAlive(srv);
  const e = await bystander.call(Command.ECHO, echoBody());
  assert.ok(e.encrypted && e.status === 0, "bystander's encrypted ECHO");
  if (victim) {
    const line = new RegExp(`WARN Disconnecting 127\\.0\\.0\\.1:${victim.localPort}: .*${reason.source}`);
    const ok = await waitForLog(srv, line);
    assert.ok(ok, `no log line explains the disconnect of 127.0.0.1:${victim.localPort} (${reason}):\n${srv.output().split("\n").slice(-8).join("\n")}`);
  }
}

/** A logged-on 3.1.1 AES-128-GCM victim connected to "share" (encrypted). */
async function victim(cipher: number = CIPHER.AES128_GCM): Promise<SecureClient> {
  const v = await secureLogon(srv.port, { ciphers: [cipher], ...auth });
  v.encrypt = true;
  const t = await v.treeConnect("share");
  assert.is(t.status, 0);
  return v;
}

/** Sends a transform the test built and expects the victim's connection to be dropped for `reason`. */
async function attack(v: SecureClient | Smb2Client, transform: Buffer, what: string, reason: RegExp): Promise<void> {
  const c = v instanceof SecureClient ? v.c : v;
  c.sendFrame(transform);
  await expectDisconnect(c, what);
  await survived(c, reason);
}

const AUTH_FAILED = /failed authentication/;
const TOO_SHORT = /too short/;

const echo = (v: SecureClient) => v.build(Command.ECHO, echoBody());

test("forged tag (one Signature bit flipped) → disconnect", async () => {
  const v = await victim();
  const t = v.sealed(echo(v));
  t[4 + 7] ^= 0x10;
  await attack(v, t, "forged tag", AUTH_FAILED);
});

test("flipped ciphertext byte (in the SMB2 header, then in the body) → disconnect, nothing executed", async () => {
  for (const at of [52 + 12, -1]) {
    const v = await victim(CIPHER.AES256_CCM);
    const name = `flip-${at}.txt`;
    const t = v.sealed(v.build(Command.CREATE, createBody(name, { createDisposition: 2 })));
    t[at < 0 ? t.length + at : at] ^= 0x01;
    await attack(v, t, `flipped byte ${at}`, AUTH_FAILED);
    assert.not.ok(existsSync(join(srv.share, name)), "the CREATE did not run");
  }
});

test("unknown SessionId in the transform header (correctly sealed for it) → disconnect", async () => {
  const v = await victim();
  await attack(v, v.sealed(echo(v), v.sessionId ^ 0x5a5a5a5an), "unknown session", /unknown session/);
});

test("OriginalMessageSize ≠ the ciphertext length (authenticated with the wrong size) → disconnect", async () => {
  for (const delta of [1, -1, 0x10000]) {
    const v = await victim();
    const m = echo(v);
    await attack(v, seal(m, v.k.encryption, v.cipher, v.sessionId, { originalMessageSize: m.length + delta }), `size ${delta}`, /OriginalMessageSize/);
  }
});

test("Flags/EncryptionAlgorithm ≠ 1 (authenticated) → disconnect", async () => {
  for (const flags of [0, 2, 0x8001]) {
    const v = await victim();
    await attack(v, seal(echo(v), v.k.encryption, v.cipher, v.sessionId, { flags }), `Flags ${flags}`, /Flags/);
  }
});

test("transforms shorter than TRANSFORM_HEADER + SMB2 header (4, 52, 52 + 63 bytes) → disconnect", async () => {
  for (const n of [4, 52, 52 + 63]) {
    const v = await victim();
    const full = v.sealed(Buffer.concat([echo(v), randomBytes(64)]));
    const t = Buffer.from(full.subarray(0, n));
    if (n >= 40) t.writeUInt32LE(Math.max(n - 52, 0), 36);
    await attack(v, t, `${n} bytes`, TOO_SHORT);
  }
});

test("a nested transform (0xFD 'SMB' inside the decrypted message) → disconnect", async () => {
  const v = await victim();
  const inner = v.sealed(echo(v));
  await attack(v, v.sealed(inner), "nested", /does not hold an SMB2 message/);
});

test("a transform before NEGOTIATE, and before SESSION_SETUP completed (session in progress) → disconnect", async () => {
  const c0 = await Smb2Client.connect(srv.port);
  await attack(c0, seal(Buffer.concat([Buffer.alloc(64), echoBody()]), randomBytes(16), CIPHER.AES128_GCM, 1n), "before NEGOTIATE", /not an SMB2 message/);
  const v = await SecureClient.connect(srv.port);
  assert.is((await v.negotiate({ ciphers: [CIPHER.AES128_GCM] })).status, 0);
  const first = Buffer.concat([v.c.nextHeader(Command.SESSION_SETUP, { sessionId: 0n }), setupBody(negTokenInit([OID_NTLMSSP], negotiateMessage()))]);
  v.c.sendFrame(first);
  const [m1] = await v.c.recv();
  assert.is(hexStatus(m1.status), hexStatus(Status.MORE_PROCESSING_REQUIRED));
  const msg = Buffer.concat([v.c.nextHeader(Command.ECHO, { sessionId: m1.sessionId }), echoBody()]);
  await attack(v, seal(msg, randomBytes(16), CIPHER.AES128_GCM, m1.sessionId), "session in progress", /no encryption key/);
});

test("a transform on a 2.1 connection (no cipher) → disconnect", async () => {
  const v = await secureLogon(srv.port, { dialects: [0x0210], ...auth });
  await attack(v, seal(echo(v), randomBytes(16), CIPHER.AES128_CCM, v.sessionId), "2.1", /encryption was not negotiated/);
});

test("a replayed encrypted WRITE is not executed twice (MessageId reuse → disconnect)", async () => {
  const v = await victim();
  const c = await v.create("replay.txt", { createDisposition: 5 });
  const t = v.sealed(v.build(Command.WRITE, writeBody(c.fileId, 0n, Buffer.from("once"))));
  v.c.sendFrame(t);
  const r = await v.receive();
  assert.ok(r.encrypted && r.messages[0].status === 0, "the first WRITE");
  // the same bytes again, now appending at the end: a second execution would be visible
  const again = Buffer.from(t);
  v.c.sendRaw(frame(again));
  await expectDisconnect(v.c, "replay");
  await survived(v.c, /MessageId/);
  assert.is(readFileSync(join(srv.share, "replay.txt"), "utf8"), "once");
});

test("an encrypted message whose SMB2 header names another session of the connection is refused", async () => {
  // session A encrypts; session B (same connection) requires signing and owns the open
  const a = await victim();
  const b = a.another();
  assert.is((await b.logon({ ...auth, securityMode: 2 })).status, 0, "second session");
  assert.is((await b.treeConnect("share")).status, 0);
  const f = await b.create("other-session.txt", { createDisposition: 5 });
  assert.is(f.status, 0);
  assert.is((await b.write(f.fileId, 0n, Buffer.from("B's data"))).status, 0);
  // a WRITE in B's name, unsigned, inside a transform sealed with A's key
  const w = a.build(Command.WRITE, writeBody(f.fileId, 0n, Buffer.from("A's data")), { sessionId: b.sessionId, treeId: b.treeId });
  a.c.sendFrame(a.sealed(w));
  const fr = await a.c.nextFrame(3000);
  if (typeof fr !== "string") {
    const r = fr.readUInt32LE(0) === TRANSFORM_PROTOCOL_ID ? open(fr, a.k.decryption, a.cipher).message : fr;
    const st = r.readUInt32LE(8);
    assert.is.not(st, 0, `the WRITE was executed for session B (status ${hexStatus(st)})`);
  } else {
    assert.is(fr, "closed", "refused by a disconnect");
  }
  assert.is(readFileSync(join(srv.share, "other-session.txt"), "utf8"), "B's data", "B's file is unchanged");
  a.end();
  await survived();
});

test("the server never trapped", () => {
  assertAlive(srv);
});

test.run();

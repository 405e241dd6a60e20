// End-to-end, malformed command bodies (MS-SMB2 2.2.3-2.2.21, 3.3.5.4-3.3.5.13): offsets and
// lengths past the end, wrong StructureSize, bad negotiate contexts (P7), bad paths (M5), path
// traversal; each case on its own connection; the bystander, smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../helpers/server.ts";
import {
  Smb2Client, Command, Status, header, negotiateBody, sessionSetupBody, treeConnectBody, createBody, writeBody, echoBody,
  connectAnonymous, preauthContext, encryptionContext, signingContext, ALL_DIALECTS, hexStatus,
} from "../helpers/smb2-raw.ts";
import { negTokenInit, negotiateMessage, OID_NTLMSSP } from "../helpers/ntlm-client.ts";
import { startBadInputServer, underAttack, expectDisconnect, expectStatus, type AttackOptions } from "../helpers/bad-input-harness.ts";

let srv: RunningServer;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

/** Sends a NEGOTIATE (MessageId 0) on a fresh connection and checks its status. */
async function negotiateExpect(body: Buffer, status: number, what: string): Promise<void> {
  const c = await Smb2Client.connect(srv.port);
  c.sendFrame(Buffer.concat([header({ command: Command.NEGOTIATE, messageId: 0 }), body]));
  await expectStatus(c, status, what);
  c.end();
}

/** Offset (within the NEGOTIATE body) of the first negotiate context for n dialects. */
const firstContext = (n: number) => ((64 + 36 + 2 * n + 7) & ~7) - 64;

attack("NEGOTIATE with body StructureSize 35 → STATUS_INVALID_PARAMETER (3.3.5.2.6)", async () => {
  await negotiateExpect(negotiateBody(ALL_DIALECTS, { structureSize: 35 }), Status.INVALID_PARAMETER, "StructureSize 35");
});

attack("NEGOTIATE with DialectCount 0 → STATUS_INVALID_PARAMETER (3.3.5.4)", async () => {
  await negotiateExpect(negotiateBody([0x0202, 0x0210], { dialectCount: 0 }), Status.INVALID_PARAMETER, "DialectCount 0");
});

attack("NEGOTIATE with DialectCount past the end of the request → STATUS_INVALID_PARAMETER", async () => {
  await negotiateExpect(negotiateBody([0x0202, 0x0210], { dialectCount: 200 }), Status.INVALID_PARAMETER, "DialectCount 200 of 2");
  await negotiateExpect(negotiateBody([0x0202, 0x0210], { dialectCount: 3 }), Status.INVALID_PARAMETER, "DialectCount 3 of 2");
});

attack("3.1.1 NEGOTIATE with NegotiateContextCount 0xFFFF → STATUS_INVALID_PARAMETER (P7)", async () => {
  await negotiateExpect(negotiateBody([0x0311], { negotiateContextCount: 0xffff }), Status.INVALID_PARAMETER, "NegotiateContextCount 0xffff");
  await negotiateExpect(negotiateBody([0x0311], { negotiateContextCount: 4 }), Status.INVALID_PARAMETER, "NegotiateContextCount 4 of 3");
});

attack("3.1.1 NEGOTIATE with NegotiateContextOffset past the end → STATUS_INVALID_PARAMETER (P7)", async () => {
  const body = negotiateBody([0x0311]);
  await negotiateExpect(negotiateBody([0x0311], { negotiateContextOffset: 64 + body.length + 8 }), Status.INVALID_PARAMETER, "offset past the end");
  await negotiateExpect(negotiateBody([0x0311], { negotiateContextOffset: 0xfffffff8 }), Status.INVALID_PARAMETER, "offset 0xfffffff8");
  await negotiateExpect(negotiateBody([0x0311], { negotiateContextOffset: 64 + body.length - 4 }), Status.INVALID_PARAMETER, "context header straddles the end");
});

attack("3.1.1 NEGOTIATE with a context DataLength past the end → STATUS_INVALID_PARAMETER (P7)", async () => {
  for (const [i, len] of [[0, 0x1000], [0, 0xffff], [2, 0x40]] as const) {
    const body = negotiateBody([0x0311], { contexts: [preauthContext(), encryptionContext(), signingContext()] });
    // walk to context i (each 8-aligned), then patch its DataLength
    let p = firstContext(1);
    for (let k = 0; k < i; k++) p = (p + 64 + 8 + body.readUInt16LE(p + 2) + 7 & ~7) - 64;
    body.writeUInt16LE(len, p + 2);
    await negotiateExpect(body, Status.INVALID_PARAMETER, `context ${i} DataLength ${len}`);
  }
});

attack("3.1.1 NEGOTIATE without a preauth context, or with HashAlgorithmCount 0 → STATUS_INVALID_PARAMETER", async () => {
  await negotiateExpect(negotiateBody([0x0311], { contexts: [encryptionContext()] }), Status.INVALID_PARAMETER, "no preauth context");
  await negotiateExpect(negotiateBody([0x0311], { contexts: [preauthContext([])] }), Status.INVALID_PARAMETER, "HashAlgorithmCount 0");
  await negotiateExpect(negotiateBody([0x0311], { contexts: [preauthContext(), preauthContext()] }), Status.INVALID_PARAMETER, "two preauth contexts");
});

attack("SESSION_SETUP with SecurityBufferOffset/Length past the end → STATUS_INVALID_PARAMETER", async () => {
  const token = negTokenInit([OID_NTLMSSP], negotiateMessage());
  for (const [what, o] of [
    ["SecurityBufferLength + 100", { securityBufferLength: token.length + 100 }],
    ["SecurityBufferLength 0xffff", { securityBufferLength: 0xffff }],
    ["SecurityBufferOffset 0xfff0", { securityBufferOffset: 0xfff0 }],
    ["SecurityBufferOffset inside the header", { securityBufferOffset: 16 }],
  ] as const) {
    const c = await Smb2Client.connect(srv.port);
    await c.negotiate();
    c.send(Command.SESSION_SETUP, sessionSetupBody(token, o));
    await expectStatus(c, Status.INVALID_PARAMETER, what);
    // the connection stays usable: a correct logon still works on it
    const ok = await c.sessionSetupAnonymous();
    assert.is(hexStatus(ok.status), hexStatus(Status.SUCCESS), `${what}: logon afterwards`);
    c.end();
  }
});

attack("TREE_CONNECT with PathOffset/PathLength past the end → STATUS_INVALID_PARAMETER (M5)", async () => {
  const path = "\\\\127.0.0.1\\share";
  for (const [what, o] of [
    ["PathLength + 2", { pathLength: Buffer.byteLength(path, "utf16le") + 2 }],
    ["PathLength 0xfffe", { pathLength: 0xfffe }],
    ["PathOffset 0xff00", { pathOffset: 0xff00 }],
    ["PathOffset inside the header", { pathOffset: 8 }],
  ] as const) {
    const c = await connectAnonymous(srv.port);
    c.send(Command.TREE_CONNECT, treeConnectBody(path, o));
    await expectStatus(c, Status.INVALID_PARAMETER, what);
    c.end();
  }
});

attack("unknown command 0x0050 → disconnect without a reply (3.3.5.2.6)", async () => {
  const c = await connectAnonymous(srv.port);
  c.send(0x0050, echoBody());
  await expectDisconnect(c, "command 0x0050");
  return { disconnected: c };
});

attack("unknown command 0x0013 (one past OPLOCK_BREAK) → disconnect without a reply (3.3.5.2.6)", async () => {
  const c = await connectAnonymous(srv.port);
  c.send(0x0013, Buffer.alloc(64));
  await expectDisconnect(c, "command 0x0013");
  return { disconnected: c };
});

attack("CREATE with NameOffset/NameLength past the end → STATUS_INVALID_PARAMETER", async () => {
  for (const [what, o] of [
    ["NameOffset 0xff00", { nameOffset: 0xff00 }],
    ["NameLength + 2", { nameLength: Buffer.byteLength("a.txt", "utf16le") + 2 }],
    ["NameLength 0xfffe", { nameLength: 0xfffe }],
    ["NameOffset inside the fixed part", { nameOffset: 64 }],
  ] as const) {
    const c = await connectAnonymous(srv.port);
    c.send(Command.CREATE, createBody("a.txt", o));
    await expectStatus(c, Status.INVALID_PARAMETER, what);
    c.end();
  }
  assert.not.ok(existsSync(join(srv.share, "a.txt")), "no file was created");
});

attack("WRITE with DataOffset/Length past the end → STATUS_INVALID_PARAMETER, nothing written", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create("w.bin", { createDisposition: 5 });
  assert.is(hexStatus(f.status), hexStatus(Status.SUCCESS), "CREATE w.bin");
  const fileId = f.fileId as Buffer;
  const data = Buffer.from("0123456789abcdef");
  for (const [what, o] of [
    ["Length + 1000", { length: data.length + 1000 }],
    ["Length 0xffffffff", { length: 0xffffffff }],
    ["DataOffset 0xfff0", { dataOffset: 0xfff0 }],
    ["DataOffset inside the header", { dataOffset: 0 }],
  ] as const) {
    c.send(Command.WRITE, writeBody(fileId, 0n, data, o));
    await expectStatus(c, Status.INVALID_PARAMETER, what);
  }
  const cl = await c.close(fileId);
  assert.is(hexStatus(cl.status), hexStatus(Status.SUCCESS), "CLOSE");
  c.end();
  assert.is(statSync(join(srv.share, "w.bin")).size, 0, "nothing was written");
});

attack("CREATE of ..\\x and other escapes → STATUS_OBJECT_PATH_SYNTAX_BAD (a leading \\ → INVALID_PARAMETER), nothing created outside the share", async () => {
  const before = readdirSync(srv.dir).sort();
  const c = await connectAnonymous(srv.port);
  for (const name of ["..\\x", "\\..\\x", "sub\\..\\..\\x", "..\\..\\..\\..\\..\\..\\tmp\\x", ".."]) {
    for (const createOptions of [0x40, 0x01]) { // a file, a directory
      const m = await c.create(name, { createDisposition: 2, createOptions });
      // OBJECT_PATH_SYNTAX_BAD; names must be relative, so a leading backslash is INVALID_PARAMETER (MS-SMB2 3.3.5.9)
      const want = name.startsWith("\\") ? 0xc000000d : 0xc000003b;
      assert.is(hexStatus(m.status), hexStatus(want), `CREATE ${name} (options ${createOptions})`);
    }
  }
  c.end();
  assert.equal(readdirSync(srv.dir).sort(), before, "nothing appeared next to the share");
  assert.not.ok(existsSync(join(srv.dir, "x")), "no ../x");
  assert.not.ok(existsSync("/tmp/x") && statSync("/tmp/x").mtimeMs > Date.now() - 60000, "no /tmp/x");
});

attack("names from the wire cannot forge log lines (control characters are escaped; CWE-117)", async () => {
  const c = await connectAnonymous(srv.port);
  const forged = "2001-01-01T00:00:00.000Z WARN Disconnecting 127.0.0.1:1: forged";
  const m = await c.request(Command.TREE_CONNECT, treeConnectBody(`\\\\127.0.0.1\\x\n${forged}\u001b[31m`));
  assert.is(hexStatus(m.status), hexStatus(0xc00000cc), "STATUS_BAD_NETWORK_NAME");
  c.end();
  await new Promise((r) => setTimeout(r, 200));
  const lines = srv.output().split("\n");
  assert.not.ok(lines.some((l) => l.startsWith("2001-01-01")), "a client-supplied share name started a log line of its own");
  assert.not.ok(srv.output().includes("\u001b"), "a client-supplied escape sequence reached the log unescaped");
});

test.run();

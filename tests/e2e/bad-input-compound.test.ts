// End-to-end: compound chains (MS-SMB2 3.3.5.2.7, 3.3.5.2.7.2) with missing or failed
// identifiers and over-long chains, and FSCTL_VALIDATE_NEGOTIATE_INFO misuse (3.3.5.15.12);
// each case on its own connection; the bystander, smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import {
  Smb2Client, Command, Status, compound, treeConnectBody, createBody, closeBody, echoBody, writeBody, queryInfoBody,
  connectAnonymous, hexStatus, RELATED_FILE_ID, FLAGS_RELATED_OPERATIONS, type Smb2Message,
} from "../helpers/smb2-raw.ts";
import { setup, ioctlBody, validateNegotiateInfo } from "../helpers/bad-input-templates.ts";
import { startBadInputServer, underAttack, expectDisconnect, outcome, type AttackOptions } from "../helpers/bad-input-harness.ts";

let srv: RunningServer;
const related = { flags: FLAGS_RELATED_OPERATIONS };
const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

/** Sends a compound and returns the responses of one frame. */
async function chain(c: Smb2Client, msgs: Buffer[]): Promise<Smb2Message[]> {
  c.sendFrame(compound(msgs));
  return c.recv();
}
const statuses = (ms: Smb2Message[]) => ms.map((m) => hexStatus(m.status));
const msg = (c: Smb2Client, cmd: number, body: Buffer, o = {}) => Buffer.concat([c.nextHeader(cmd, o), body]);

attack("related CREATE after a failed TREE_CONNECT → STATUS_INVALID_PARAMETER (3.3.5.2.7.2)", async () => {
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate();
  await c.sessionSetupAnonymous();
  const r = await chain(c, [
    msg(c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\no-such-share")),
    msg(c, Command.CREATE, createBody("x.txt"), related),
  ]);
  assert.equal(statuses(r), [hexStatus(0xc00000cc), hexStatus(Status.INVALID_PARAMETER)], "BAD_NETWORK_NAME, then INVALID_PARAMETER");
  c.end();
});

attack("related CLOSE after a non-CREATE command uses that command's FileId (3.3.5.2.7.2)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create("rel.bin", { createDisposition: 5 });
  const fileId = f.fileId as Buffer;
  const r = await chain(c, [
    msg(c, Command.WRITE, writeBody(fileId, 0n, Buffer.from("abc"))),
    msg(c, Command.CLOSE, closeBody(RELATED_FILE_ID), related),
  ]);
  assert.equal(statuses(r), [hexStatus(0), hexStatus(0)], "WRITE, then CLOSE of the same FileId");
  const after = await c.request(Command.QUERY_INFO, queryInfoBody(fileId));
  assert.is(hexStatus(after.status), hexStatus(Status.FILE_CLOSED), "the FileId was closed by the related CLOSE");
  c.end();
});

attack("related CLOSE when no previous command had a FileId → STATUS_INVALID_HANDLE (3.3.5.2.7.2)", async () => {
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate();
  await c.sessionSetupAnonymous();
  const r = await chain(c, [
    msg(c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share")),
    msg(c, Command.CLOSE, closeBody(RELATED_FILE_ID), related),
  ]);
  assert.equal(statuses(r), [hexStatus(0), hexStatus(0xc0000008)], "TREE_CONNECT ok, then STATUS_INVALID_HANDLE");
  c.end();
});

attack("a related chain whose first command fails passes the CREATE error on (3.3.5.2.7.2)", async () => {
  const c = await connectAnonymous(srv.port);
  const r = await chain(c, [
    msg(c, Command.CREATE, createBody("missing\\x.txt", { createDisposition: 1 })),
    msg(c, Command.WRITE, writeBody(RELATED_FILE_ID, 0n, Buffer.from("abc")), related),
    msg(c, Command.CLOSE, closeBody(RELATED_FILE_ID), related),
  ]);
  assert.is(r.length, 3, "three responses");
  assert.ok(r.every((m) => m.status === r[0].status && m.status !== 0), `one error for all: ${statuses(r)}`);
  c.end();
});

attack("a chain of 200 ECHOs → answered or dropped (with a log line), never a crash", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(compound(Array.from({ length: 200 }, () => msg(c, Command.ECHO, echoBody()))));
  const o = await outcome(c);
  assert.ok(o.kind !== "timeout", "no answer and no disconnect");
  c.end();
  return o.kind === "closed" ? { disconnected: c } : {};
});

attack("FSCTL_VALIDATE_NEGOTIATE_INFO on a 3.0.2 connection, matching → success (control)", async () => {
  const s = await setup(srv.port, "tree", [0x0300, 0x0302]);
  const m = await s.c.request(Command.IOCTL, ioctlBody(FSCTL_VALIDATE_NEGOTIATE_INFO, RELATED_FILE_ID, validateNegotiateInfo(s.clientGuid, s.dialects), 24));
  assert.is(hexStatus(m.status), hexStatus(0), "VALIDATE_NEGOTIATE_INFO");
  assert.is(m.body.readUInt16LE(48 + 22), 0x0302, "Dialect in the response");
  s.c.end();
});

attack("FSCTL_VALIDATE_NEGOTIATE_INFO with MaxOutputResponse 23 → disconnect (3.3.5.15.12)", async () => {
  const s = await setup(srv.port, "tree", [0x0300, 0x0302]);
  s.c.send(Command.IOCTL, ioctlBody(FSCTL_VALIDATE_NEGOTIATE_INFO, RELATED_FILE_ID, validateNegotiateInfo(s.clientGuid, s.dialects), 23));
  await expectDisconnect(s.c, "MaxOutputResponse 23");
  return { disconnected: s.c };
});

attack("FSCTL_VALIDATE_NEGOTIATE_INFO on a 3.1.1 connection → disconnect (3.3.5.15.12)", async () => {
  const s = await setup(srv.port, "tree");
  assert.is(s.c.dialect, 0x0311);
  s.c.send(Command.IOCTL, ioctlBody(FSCTL_VALIDATE_NEGOTIATE_INFO, RELATED_FILE_ID, validateNegotiateInfo(s.clientGuid, s.dialects), 24));
  await expectDisconnect(s.c, "VALIDATE_NEGOTIATE_INFO on 3.1.1");
  return { disconnected: s.c };
});

attack("FSCTL_VALIDATE_NEGOTIATE_INFO with a different ClientGuid → disconnect (3.3.5.15.12)", async () => {
  const s = await setup(srv.port, "tree", [0x0300, 0x0302]);
  s.c.send(Command.IOCTL, ioctlBody(FSCTL_VALIDATE_NEGOTIATE_INFO, RELATED_FILE_ID, validateNegotiateInfo(Buffer.alloc(16, 7), s.dialects), 24));
  await expectDisconnect(s.c, "other ClientGuid");
  return { disconnected: s.c };
});

test.run();

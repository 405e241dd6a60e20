// End-to-end input checks of counts and charges against the request (MS-SMB2 3.3.5.2.5, 3.3.5.2.7,
// 3.3.5.14) not covered by the bad-input-*.test.ts files: LockCount × 24 against the LOCK body
// (review M8), CreditCharge against the payload of READ, WRITE, IOCTL and QUERY_DIRECTORY, the
// compound depth limit and what follows NextCommand (M2, P8). Each case on its own connection;
// a bystander, smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../helpers/server.ts";
import {
  Command, Status, compound, echoBody, writeBody, readBody, queryDirectoryBody, connectAnonymous, hexStatus, type Smb2Client,
} from "../helpers/smb2-raw.ts";
import { ioctlBody } from "../helpers/bad-input-templates.ts";
import { startBadInputServer, underAttack, expectDisconnect, expectStatus, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { lockBody } from "../helpers/input-checks.ts";

let srv: RunningServer;
const EXCLUSIVE_FAIL_IMMEDIATELY = 0x12;
const STATUS_LOCK_NOT_GRANTED = 0xc0000055;
const FSCTL_SRV_REQUEST_RESUME_KEY = 0x00140078;
/** The longest chain the server runs (MAX_COMPOUND, assembly/smb2/request.ts). */
const MAX_COMPOUND = 64;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

async function openFile(c: Smb2Client, name: string): Promise<Buffer> {
  const f = await c.create(name, { createDisposition: 5 });
  assert.is(hexStatus(f.status), hexStatus(0), `CREATE ${name}`);
  return f.fileId as Buffer;
}

async function expectOk(c: Smb2Client, command: number, body: Buffer, what: string, charge = 1) {
  const m = await c.request(command, body, { creditCharge: charge });
  assert.is(hexStatus(m.status), hexStatus(0), what);
  return m;
}

// ---- LOCK (M8) ----

attack("LOCK whose LockCount × 24 runs past the request → STATUS_INVALID_PARAMETER, no lock taken (M8)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await openFile(c, `lock${c.localPort}.bin`);
  const one: Array<[bigint, bigint, number]> = [[0n, 10n, EXCLUSIVE_FAIL_IMMEDIATELY]];
  for (const count of [2, 3, 0x0aab, 0xffff]) {
    c.send(Command.LOCK, lockBody(f, one, count));
    await expectStatus(c, Status.INVALID_PARAMETER, `LockCount ${count} with one element`);
  }
  c.send(Command.LOCK, lockBody(f, one, 0));
  await expectStatus(c, Status.INVALID_PARAMETER, "LockCount 0 (3.3.5.14)");
  // none of these took the range: another open locks it, then the first open is refused
  const g = await c.create(`lock${c.localPort}.bin`, { createDisposition: 1 });
  await expectOk(c, Command.LOCK, lockBody(g.fileId as Buffer, one), "the range is free");
  c.send(Command.LOCK, lockBody(f, one));
  await expectStatus(c, STATUS_LOCK_NOT_GRANTED, "now held by the other open");
  // control: LockCount 2 with two elements
  await expectOk(c, Command.LOCK, lockBody(f, [[100n, 1n, EXCLUSIVE_FAIL_IMMEDIATELY], [200n, 1n, EXCLUSIVE_FAIL_IMMEDIATELY]]), "LockCount 2 with two elements");
  c.end();
});

// ---- CreditCharge (3.3.5.2.5) ----

attack("WRITE of 100000 bytes with CreditCharge 1 → STATUS_INVALID_PARAMETER, nothing written; with 2 it succeeds (3.3.5.2.5)", async () => {
  const c = await connectAnonymous(srv.port);
  const name = `charge${c.localPort}.bin`;
  const f = await openFile(c, name);
  const data = Buffer.alloc(100000, 0x5a);
  c.send(Command.WRITE, writeBody(f, 0n, data), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "WRITE 100000, charge 1");
  assert.is(statSync(join(srv.share, name)).size, 0, "nothing written");
  c.send(Command.WRITE, writeBody(f, 0n, data), { creditCharge: 0 });
  await expectStatus(c, Status.INVALID_PARAMETER, "WRITE 100000, charge 0 (counts as 1)");
  await expectOk(c, Command.WRITE, writeBody(f, 0n, data), "WRITE 100000, charge 2", 2);
  assert.is(statSync(join(srv.share, name)).size, 100000);
  c.end();
});

attack("READ of 100000 bytes with CreditCharge 1 → STATUS_INVALID_PARAMETER; with 2 it succeeds (3.3.5.2.5)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await openFile(c, `readcharge${c.localPort}.bin`);
  await expectOk(c, Command.WRITE, writeBody(f, 0n, Buffer.alloc(100000, 1)), "WRITE", 2);
  c.send(Command.READ, readBody(f, 0n, 100000), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "READ 100000, charge 1");
  c.send(Command.READ, readBody(f, 0n, 65537), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "READ 65537, charge 1");
  const m = await expectOk(c, Command.READ, readBody(f, 0n, 100000), "READ 100000, charge 2", 2);
  assert.is(m.body.readUInt32LE(4), 100000, "DataLength");
  await expectOk(c, Command.READ, readBody(f, 0n, 65536), "READ 65536, charge 1");
  c.end();
});

attack("IOCTL with MaxOutputResponse 70000 and CreditCharge 1 → STATUS_INVALID_PARAMETER; with 2 it succeeds (3.3.5.2.5)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await openFile(c, `ioctlcharge${c.localPort}.bin`);
  c.send(Command.IOCTL, ioctlBody(FSCTL_SRV_REQUEST_RESUME_KEY, f, new Uint8Array(0), 70000), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "MaxOutputResponse 70000, charge 1");
  c.send(Command.IOCTL, ioctlBody(FSCTL_SRV_REQUEST_RESUME_KEY, f, Buffer.alloc(70000), 32), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "InputCount 70000, charge 1");
  await expectOk(c, Command.IOCTL, ioctlBody(FSCTL_SRV_REQUEST_RESUME_KEY, f, new Uint8Array(0), 70000), "MaxOutputResponse 70000, charge 2", 2);
  c.end();
});

attack("QUERY_DIRECTORY with OutputBufferLength 131073 and CreditCharge 2 → STATUS_INVALID_PARAMETER; with 3 it succeeds (3.3.5.2.5)", async () => {
  const c = await connectAnonymous(srv.port);
  const d = await c.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
  const dir = d.fileId as Buffer;
  const body = (len: number) => {
    const b = queryDirectoryBody(dir, "*");
    b.writeUInt8(1, 3); // SMB2_RESTART_SCANS
    b.writeUInt32LE(len, 28);
    return b;
  };
  c.send(Command.QUERY_DIRECTORY, body(131073), { creditCharge: 2 });
  await expectStatus(c, Status.INVALID_PARAMETER, "OutputBufferLength 131073, charge 2");
  c.send(Command.QUERY_DIRECTORY, body(65537), { creditCharge: 1 });
  await expectStatus(c, Status.INVALID_PARAMETER, "OutputBufferLength 65537, charge 1");
  await expectOk(c, Command.QUERY_DIRECTORY, body(131073), "OutputBufferLength 131073, charge 3", 3);
  c.end();
});

// ---- compounds (M2, P8) ----

attack(`a chain of ${MAX_COMPOUND} ECHOs gets ${MAX_COMPOUND} responses in one frame (M2)`, async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(compound(Array.from({ length: MAX_COMPOUND }, () => Buffer.concat([c.nextHeader(Command.ECHO), echoBody()]))));
  const r = await c.recv();
  assert.is(r.length, MAX_COMPOUND, "responses");
  assert.ok(r.every((m) => m.status === 0 && m.command === Command.ECHO), "all ECHO, all SUCCESS");
  for (let i = 0; i < r.length - 1; i++) assert.is(r[i].nextCommand % 8, 0, `response ${i}: NextCommand 8-aligned`);
  assert.is((await c.echo()).status, 0, "the connection goes on");
  c.end();
});

attack(`a chain of ${MAX_COMPOUND + 1} ECHOs → disconnect without a reply, logged (M2)`, async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(compound(Array.from({ length: MAX_COMPOUND + 1 }, () => Buffer.concat([c.nextHeader(Command.ECHO), echoBody()]))));
  await expectDisconnect(c, `${MAX_COMPOUND + 1} commands`);
  return { disconnected: c };
});

attack("NextCommand leaving fewer than 64 bytes for the next header → disconnect (P8)", async () => {
  const c = await connectAnonymous(srv.port);
  const first = Buffer.concat([c.nextHeader(Command.ECHO, { nextCommand: 72 }), echoBody(), Buffer.alloc(4)]);
  c.sendFrame(Buffer.concat([first, Buffer.alloc(16)]));
  await expectDisconnect(c, "16-byte tail after NextCommand 72");
  return { disconnected: c };
});

attack("NextCommand 0xFFFFFFF8 (wraps a 32-bit offset) → disconnect (P8)", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { nextCommand: 0xfffffff8 }), echoBody(), Buffer.alloc(4)]));
  await expectDisconnect(c, "NextCommand 0xfffffff8");
  return { disconnected: c };
});

attack("a compound whose second element is not an SMB2 header (ProtocolId) → disconnect (P8)", async () => {
  const c = await connectAnonymous(srv.port);
  const second = Buffer.concat([c.nextHeader(Command.ECHO, { protocolId: 0x424d53ff }), echoBody()]);
  c.sendFrame(compound([Buffer.concat([c.nextHeader(Command.ECHO), echoBody()]), second]));
  await expectDisconnect(c, "second element with ProtocolId 0xFF 'SMB'");
  return { disconnected: c };
});

test.run();

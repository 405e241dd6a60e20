// End-to-end input checks of output buffer lengths (MS-SMB2 3.3.5.15, 3.3.5.18, 3.3.5.20; MS-FSA
// 2.1.5.6.3, 2.1.5.10, 2.1.5.12, 2.1.5.13): a buffer smaller than the fixed part of the answer →
// STATUS_INFO_LENGTH_MISMATCH; a variable part that does not fit → STATUS_BUFFER_OVERFLOW with what
// fits; EAs that do not fit → STATUS_BUFFER_TOO_SMALL; buffers above MaxTransactSize →
// STATUS_INVALID_PARAMETER; never more bytes than asked for (review M2). Not repeated here:
// security descriptors (security.test.ts), FSCTL_SRV_REQUEST_RESUME_KEY and
// FSCTL_QUERY_NETWORK_INTERFACE_INFO (copychunk.test.ts), VALIDATE_NEGOTIATE_INFO
// (bad-input-compound.test.ts). A bystander, smbclient and the process survive each case.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import { Command, Status, queryDirectoryBody, readBody, connectAnonymous, hexStatus, type Smb2Client, type Smb2Message } from "../helpers/smb2-raw.ts";
import { ioctlBody, rpcBind, rpcShareEnumAll } from "../helpers/bad-input-templates.ts";
import { startBadInputServer, underAttack, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { St, queryInfo, setInfo, fullEaList, infoOutput, ioctlOutput, openSrvsvc, parseRpc, FSCTL_PIPE_TRANSCEIVE, PTYPE } from "../helpers/input-checks.ts";

let srv: RunningServer;
const LONG_NAME = "a-rather-long-file-name-for-overflows.txt";
const FSCTL_GET_OBJECT_ID = 0x0009009c;
const FSCTL_CREATE_OR_GET_OBJECT_ID = 0x000900c0;
const ABOVE_MAX_TRANSACT = 0x10000000; // MaxTransactSize is 8 MiB

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

async function call(c: Smb2Client, command: number, body: Buffer): Promise<Smb2Message> {
  return c.request(command, body);
}

function is(m: Smb2Message, status: number, what: string): void {
  assert.is(hexStatus(m.status), hexStatus(status), what);
}

async function longFile(c: Smb2Client): Promise<Buffer> {
  const f = await c.create(LONG_NAME, { createDisposition: 3, desiredAccess: 0x0012019f | 0x18 });
  is(f, 0, `CREATE ${LONG_NAME}`);
  return f.fileId as Buffer;
}

attack("QUERY_INFO file classes: below the fixed size → INFO_LENGTH_MISMATCH; a name that does not fit → BUFFER_OVERFLOW with exactly OutputBufferLength bytes", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await longFile(c);
  // FileBasicInformation (40 bytes)
  is(await call(c, Command.QUERY_INFO, queryInfo(f, 1, 4, 39)), St.INFO_LENGTH_MISMATCH, "FileBasicInformation in 39 bytes");
  const basic = await call(c, Command.QUERY_INFO, queryInfo(f, 1, 4, 40));
  is(basic, 0, "FileBasicInformation in 40 bytes");
  assert.is(infoOutput(basic).length, 40);
  // FileNameInformation (FileNameLength + name): 3 < 4 bytes; then a truncated name
  is(await call(c, Command.QUERY_INFO, queryInfo(f, 1, 9, 3)), St.INFO_LENGTH_MISMATCH, "FileNameInformation in 3 bytes");
  const name = await call(c, Command.QUERY_INFO, queryInfo(f, 1, 9, 10));
  is(name, St.BUFFER_OVERFLOW, "FileNameInformation in 10 bytes");
  const nb = infoOutput(name);
  assert.is(nb.length, 10, "OutputBufferLength bytes, no more");
  assert.ok(nb.readUInt32LE(0) >= 2 * LONG_NAME.length, "FileNameLength is the full length");
  // FileAllInformation: 103 < 104 bytes; 104 bytes hold 2 characters of the name
  is(await call(c, Command.QUERY_INFO, queryInfo(f, 1, 18, 103)), St.INFO_LENGTH_MISMATCH, "FileAllInformation in 103 bytes");
  const all = await call(c, Command.QUERY_INFO, queryInfo(f, 1, 18, 104));
  is(all, St.BUFFER_OVERFLOW, "FileAllInformation in 104 bytes");
  const ab = infoOutput(all);
  assert.is(ab.length, 104, "OutputBufferLength bytes, no more");
  assert.ok(ab.readUInt32LE(96) >= 2 * LONG_NAME.length, "NameInformation.FileNameLength is the full length");
  // above MaxTransactSize (3.3.5.20)
  is(await call(c, Command.QUERY_INFO, queryInfo(f, 1, 4, ABOVE_MAX_TRANSACT)), Status.INVALID_PARAMETER, "OutputBufferLength 256 MiB");
  c.end();
});

attack("QUERY_INFO filesystem classes below their fixed size → INFO_LENGTH_MISMATCH (MS-FSA 2.1.5.13)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await longFile(c);
  for (const [cls, min, what] of [[1, 24, "FileFsVolumeInformation"], [3, 24, "FileFsSizeInformation"], [5, 16, "FileFsAttributeInformation"], [7, 32, "FileFsFullSizeInformation"]] as const) {
    is(await call(c, Command.QUERY_INFO, queryInfo(f, 2, cls, min - 1)), St.INFO_LENGTH_MISMATCH, `${what} in ${min - 1} bytes`);
    const ok = await call(c, Command.QUERY_INFO, queryInfo(f, 2, cls, 4096));
    is(ok, 0, `${what} in 4096 bytes`);
  }
  c.end();
});

attack("QUERY_INFO FileFullEaInformation: no room for the first EA → BUFFER_TOO_SMALL and nothing returned (MS-FSA 2.1.5.12.12)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await longFile(c);
  is(await call(c, Command.SET_INFO, setInfo(f, 1, 15, fullEaList([{ name: "FIRSTEA", value: "0123456789" }]))), 0, "SET_INFO one EA");
  const small = await call(c, Command.QUERY_INFO, queryInfo(f, 1, 15, 12, 0, 1));
  is(small, St.BUFFER_TOO_SMALL, "FileFullEaInformation in 12 bytes");
  assert.is(infoOutput(small).length, 0, "no entry returned");
  const ok = await call(c, Command.QUERY_INFO, queryInfo(f, 1, 15, 4096, 0, 1));
  is(ok, 0, "FileFullEaInformation in 4096 bytes");
  assert.is(infoOutput(ok).toString("latin1", 8, 15), "FIRSTEA");
  c.end();
});

attack("QUERY_DIRECTORY: below the entry's fixed part, or no room for the first entry → INFO_LENGTH_MISMATCH; above MaxTransactSize → INVALID_PARAMETER (MS-FSA 2.1.5.6.3)", async () => {
  const c = await connectAnonymous(srv.port);
  await longFile(c);
  const d = await c.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
  const dir = d.fileId as Buffer;
  const body = (pattern: string, cls: number, len: number) => {
    const b = queryDirectoryBody(dir, pattern, cls);
    b.writeUInt8(1, 3); // SMB2_RESTART_SCANS
    b.writeUInt32LE(len, 28);
    return b;
  };
  // FileIdBothDirectoryInformation: FileName at 104; FileNamesInformation: at 12
  is(await call(c, Command.QUERY_DIRECTORY, body("*", 0x25, 103)), St.INFO_LENGTH_MISMATCH, "FileIdBothDirectoryInformation in 103 bytes");
  is(await call(c, Command.QUERY_DIRECTORY, body("*", 0x0c, 11)), St.INFO_LENGTH_MISMATCH, "FileNamesInformation in 11 bytes");
  is(await call(c, Command.QUERY_DIRECTORY, body(LONG_NAME, 0x25, 110)), St.INFO_LENGTH_MISMATCH, `the first entry needs 104 + ${2 * LONG_NAME.length} bytes`);
  is(await call(c, Command.QUERY_DIRECTORY, body("*", 0x25, ABOVE_MAX_TRANSACT)), Status.INVALID_PARAMETER, "OutputBufferLength 256 MiB");
  const ok = await call(c, Command.QUERY_DIRECTORY, body(LONG_NAME, 0x25, 104 + 2 * LONG_NAME.length));
  is(ok, 0, "exactly enough room");
  assert.is(infoOutput(ok).length, 104 + 2 * LONG_NAME.length, "one entry, no more bytes");
  c.end();
});

attack("IOCTL FSCTL_GET_OBJECT_ID / FSCTL_CREATE_OR_GET_OBJECT_ID with MaxOutputResponse < 64 → INVALID_PARAMETER (MS-FSA 2.1.5.10.1, 2.1.5.10.13)", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await longFile(c);
  for (const [code, what] of [[FSCTL_GET_OBJECT_ID, "FSCTL_GET_OBJECT_ID"], [FSCTL_CREATE_OR_GET_OBJECT_ID, "FSCTL_CREATE_OR_GET_OBJECT_ID"]] as const) {
    is(await call(c, Command.IOCTL, ioctlBody(code, f, new Uint8Array(0), 63)), Status.INVALID_PARAMETER, `${what}, MaxOutputResponse 63`);
    const ok = await call(c, Command.IOCTL, ioctlBody(code, f, new Uint8Array(0), 64));
    is(ok, 0, `${what}, MaxOutputResponse 64`);
    assert.is(ioctlOutput(ok).length, 64, "FILE_OBJECTID_BUFFER");
  }
  is(await call(c, Command.IOCTL, ioctlBody(FSCTL_GET_OBJECT_ID, f, new Uint8Array(0), ABOVE_MAX_TRANSACT)), Status.INVALID_PARAMETER, "MaxOutputResponse 256 MiB (3.3.5.15)");
  c.end();
});

attack("IOCTL FSCTL_PIPE_TRANSCEIVE with a small MaxOutputResponse → BUFFER_OVERFLOW with that many bytes; READ returns the rest (3.3.5.15.2)", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await openSrvsvc(c);
  const bind = await call(c, Command.IOCTL, ioctlBody(FSCTL_PIPE_TRANSCEIVE, pipe, rpcBind(), 4280));
  is(bind, 0, "bind");
  assert.is(parseRpc(ioctlOutput(bind)).ptype, PTYPE.BIND_ACK);
  const part = await call(c, Command.IOCTL, ioctlBody(FSCTL_PIPE_TRANSCEIVE, pipe, rpcShareEnumAll(), 24));
  is(part, St.BUFFER_OVERFLOW, "NetrShareEnumAll with MaxOutputResponse 24");
  const head = ioctlOutput(part);
  assert.is(head.length, 24, "24 bytes, no more");
  assert.is(head[2], PTYPE.RESPONSE, "the start of a RESPONSE PDU");
  const fragLength = head.readUInt16LE(8);
  const rest = await call(c, Command.READ, readBody(pipe, 0n, 4280));
  is(rest, 0, "READ of the rest");
  assert.is(rest.body.readUInt32LE(4), fragLength - 24, "the remaining bytes of the PDU");
  c.end();
});

test.run();

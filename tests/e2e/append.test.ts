// WRITE at offset 0xFFFFFFFFFFFFFFFF appends at the end of file (MS-SMB2 3.3.5.13, MS-FSA
// 2.1.5.3); a handle with FILE_APPEND_DATA but not FILE_WRITE_DATA may only write at or past the
// end (STATUS_ACCESS_DENIED below it). Both paths end in write.ts appendAt.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Command, connectAnonymous, hexStatus, type Smb2Client } from "../helpers/smb2-raw.ts";
import { readBody, writeBody } from "../helpers/smb2-bodies.ts";

const APPEND = 0xffffffffffffffffn;
const FILE_READ_DATA = 0x1;
const FILE_APPEND_DATA = 0x4;
const SYNCHRONIZE_READ_ATTRS = 0x00100080;
const STATUS_ACCESS_DENIED = 0xc0000022;
let srv: RunningServer;

test.before(async () => {
  srv = await startServer({ runtime: "node" });
});
test.after(async () => {
  await srv?.stop();
});

async function contents(c: Smb2Client, name: string): Promise<string> {
  const f = await c.create(name, { desiredAccess: FILE_READ_DATA | SYNCHRONIZE_READ_ATTRS, createDisposition: 1 });
  assert.is(f.status, 0, hexStatus(f.status));
  const r = await c.request(Command.READ, readBody(f.fileId as Buffer, 0n, 4096));
  await c.close(f.fileId as Buffer);
  if (r.status !== 0) return "";
  const off = r.body.readUInt8(2) - 64;
  return r.body.subarray(off, off + r.body.readUInt32LE(4)).toString();
}

test("offset 0xFFFFFFFFFFFFFFFF appends at the end of file", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create("append1.txt", { createDisposition: 5 });
  assert.is(f.status, 0, hexStatus(f.status));
  const id = f.fileId as Buffer;
  assert.is((await c.request(Command.WRITE, writeBody(id, 0n, Buffer.from("abc")))).status, 0);
  assert.is((await c.request(Command.WRITE, writeBody(id, APPEND, Buffer.from("def")))).status, 0);
  assert.is((await c.request(Command.WRITE, writeBody(id, APPEND, Buffer.from("")))).status, 0, "an empty append");
  await c.close(id);
  assert.is(await contents(c, "append1.txt"), "abcdef");
  c.end();
});

test("an append-only handle: below the end is refused, at the end and by 0xFFFF… it appends", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create("append2.txt", { createDisposition: 5 });
  assert.is((await c.request(Command.WRITE, writeBody(f.fileId as Buffer, 0n, Buffer.from("12345")))).status, 0);
  await c.close(f.fileId as Buffer);
  const a = await c.create("append2.txt", { desiredAccess: FILE_APPEND_DATA | SYNCHRONIZE_READ_ATTRS, createDisposition: 1 });
  assert.is(a.status, 0, hexStatus(a.status));
  const id = a.fileId as Buffer;
  assert.is((await c.request(Command.WRITE, writeBody(id, 2n, Buffer.from("x")))).status >>> 0, STATUS_ACCESS_DENIED);
  assert.is((await c.request(Command.WRITE, writeBody(id, 5n, Buffer.from("6")))).status, 0);
  assert.is((await c.request(Command.WRITE, writeBody(id, APPEND, Buffer.from("78")))).status, 0);
  await c.close(id);
  assert.is(await contents(c, "append2.txt"), "12345678");
  c.end();
});

test.run();

// End-to-end: durable handles v1 and v2 (assembly/fs/durable.ts, smb2/commands/create_durable.ts)
// against the real smbtorture (smb2.durable-open.* and smb2.durable-v2-open.*: grants, reconnects
// after a lost connection, LOGOFF and a PreviousSessionId, the errors of bad reconnects, another
// client's open purging a disconnected holder), and with a raw client: a durable open whose
// client vanished keeps its host handle (and a reconnect within the timeout gets the same
// FileId), then is closed once its timeout passed (the handle is gone, a reconnect is refused,
// another client can open the file alone and delete it).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readlinkSync, } from "node:fs";
import { join } from "node:path";
import { tortureShare } from "../helpers/torture-suite.ts";
import { secureLogon, type SecureClient, type Reply } from "../helpers/smb3-client.ts";
import { Command, hexStatus } from "../helpers/smb2-raw.ts";

const USER = "durableuser";
const PASSWORD = "Durable-test-pw1";

const TORTURE = [
  "smb2.durable-open.open-oplock", // v1 granted with batch oplocks only
  "smb2.durable-open.open-lease", // ... or leases with handle caching
  "smb2.durable-open.reopen1", // no reconnect while the open is connected
  "smb2.durable-open.reopen1a", // a PreviousSessionId keeps it for the new session
  "smb2.durable-open.reopen1a-lease", // a leased one only for the same ClientGuid
  "smb2.durable-open.reopen2", // reconnect after a lost connection; the other fields are ignored
  "smb2.durable-open.reopen2a",
  "smb2.durable-open.reopen2-lease", // lease key and file name checks
  "smb2.durable-open.reopen2-lease-v2",
  "smb2.durable-open.reopen3", // TREE_DISCONNECT closes it
  "smb2.durable-open.reopen4", // LOGOFF keeps it (MS-SMB2 3.3.5.6)
  "smb2.durable-open.delete_on_close2",
  "smb2.durable-open.file-position", // the open itself survives (its position)
  "smb2.durable-open.oplock", // another open purges a disconnected batch holder
  "smb2.durable-open.lease", // ... and a disconnected RWH lease
  "smb2.durable-open.lock-oplock", // byte-range locks survive
  "smb2.durable-open.open2-lease",
  "smb2.durable-open.read-only",
  "smb2.durable-v2-open.create-blob", // invalid context combinations, the 300 s cap
  "smb2.durable-v2-open.open-oplock",
  "smb2.durable-v2-open.open-lease",
  "smb2.durable-v2-open.reopen1",
  "smb2.durable-v2-open.reopen1a",
  "smb2.durable-v2-open.reopen1a-lease",
  "smb2.durable-v2-open.reopen2", // CreateGuid checks
  "smb2.durable-v2-open.reopen2b", // v2 open, v1 reconnect
  "smb2.durable-v2-open.reopen2c", // v1 open, v2 reconnect: refused
  "smb2.durable-v2-open.reopen2-lease",
  "smb2.durable-v2-open.reopen2-lease-v2",
];

const T = tortureShare(test, "smbdurable-", USER, PASSWORD, TORTURE);
const share = T.share;

// ---- raw client ----

const STATUS_OBJECT_NAME_NOT_FOUND = 0xc0000034;
const BATCH = 9;

/** A create context (2.2.13.2): Name (4 ASCII bytes) and Data, 8-aligned for a following one. */
function context(name: string, data: Buffer, last: boolean): Buffer {
  const size = 24 + data.length;
  const b = Buffer.alloc(last ? size : (size + 7) & ~7);
  b.writeUInt32LE(last ? 0 : b.length, 0); // Next
  b.writeUInt16LE(16, 4); // NameOffset
  b.writeUInt16LE(4, 6); // NameLength
  b.writeUInt16LE(24, 10); // DataOffset
  b.writeUInt32LE(data.length, 12);
  b.write(name, 16, "latin1");
  data.copy(b, 24);
  return b;
}

/** CREATE (2.2.13) of `name` asking a batch oplock, no sharing, with the given contexts. */
function createBody(name: string, contexts: Buffer[]): Buffer {
  const n = Buffer.from(name, "utf16le");
  const nameArea = (Math.max(n.length, 1) + 7) & ~7;
  const ctx = Buffer.concat(contexts);
  const b = Buffer.alloc(56 + nameArea + ctx.length);
  b.writeUInt16LE(57, 0);
  b.writeUInt8(BATCH, 3); // RequestedOplockLevel
  b.writeUInt32LE(2, 4); // ImpersonationLevel
  b.writeUInt32LE(0x0012019f | 0x10000, 24); // read/write data and attributes, DELETE
  b.writeUInt32LE(0x80, 28);
  b.writeUInt32LE(0, 32); // ShareAccess: none
  b.writeUInt32LE(3, 36); // FILE_OPEN_IF
  b.writeUInt32LE(0x40, 40); // FILE_NON_DIRECTORY_FILE
  b.writeUInt16LE(120, 44);
  b.writeUInt16LE(n.length, 46);
  n.copy(b, 56);
  if (ctx.length > 0) {
    b.writeUInt32LE(64 + 56 + nameArea, 48); // CreateContextsOffset
    b.writeUInt32LE(ctx.length, 52);
    ctx.copy(b, 56 + nameArea);
  }
  return b;
}

/** SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2: Timeout, Flags, Reserved, CreateGuid. */
function dh2q(timeoutMs: number, guid: Buffer): Buffer {
  const d = Buffer.alloc(32);
  d.writeUInt32LE(timeoutMs, 0);
  guid.copy(d, 16);
  return context("DH2Q", d, true);
}

/** SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2: FileId, CreateGuid, Flags. */
function dh2c(fileId: Buffer, guid: Buffer): Buffer {
  const d = Buffer.alloc(36);
  fileId.copy(d, 0);
  guid.copy(d, 16);
  return context("DH2C", d, true);
}

/** The response create contexts of a CREATE reply, by name. */
function responseContexts(m: Reply): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = m.body.readUInt32LE(80);
  const len = m.body.readUInt32LE(84);
  if (len === 0) return out;
  for (;;) {
    const c = m.raw.subarray(off);
    const name = c.subarray(c.readUInt16LE(4), c.readUInt16LE(4) + c.readUInt16LE(6)).toString("latin1");
    out.set(name, Buffer.from(c.subarray(c.readUInt16LE(10), c.readUInt16LE(10) + c.readUInt32LE(12))));
    const next = c.readUInt32LE(0);
    if (next === 0) return out;
    off += next;
  }
}

async function logon(): Promise<SecureClient> {
  const c = await secureLogon(T.srv.port, { user: USER, password: PASSWORD });
  const t = await c.treeConnect("share");
  assert.is(t.status, 0, hexStatus(t.status));
  return c;
}

/** How many descriptors the server process holds on `path` (-1 without /proc). */
function serverFds(path: string): number {
  const fdDir = `/proc/${T.srv.proc.pid}/fd`;
  if (!existsSync(fdDir)) return -1;
  let n = 0;
  for (const fd of readdirSync(fdDir)) {
    try {
      if (readlinkSync(join(fdDir, fd)) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A durable v2 batch open of `name` with `timeoutMs`, some data written; returns its FileId. */
async function durableOpen(c: SecureClient, name: string, timeoutMs: number, guid: Buffer): Promise<Buffer> {
  const r = await c.call(Command.CREATE, createBody(name, [dh2q(timeoutMs, guid)]));
  assert.is(r.status, 0, hexStatus(r.status));
  assert.is(r.body.readUInt8(2), BATCH);
  const granted = responseContexts(r).get("DH2Q");
  assert.ok(granted, "a DH2Q response context");
  assert.is(granted.readUInt32LE(0), timeoutMs, "the Timeout granted");
  assert.is(granted.readUInt32LE(4), 0, "not persistent");
  const fileId = Buffer.from(r.body.subarray(64, 80));
  const w = await c.write(fileId, 0n, Buffer.from("durable"));
  assert.is(w.status, 0, hexStatus(w.status));
  return fileId;
}

test("a reconnect within the timeout gets the same open back", async () => {
  T.wipe();
  const guid = randomBytes(16);
  const a = await logon();
  const fileId = await durableOpen(a, "kept.txt", 60000, guid);
  a.end(); // the client vanishes
  await sleep(300);
  const b = await logon();
  const r = await b.call(Command.CREATE, createBody("kept.txt", [dh2c(fileId, guid)]));
  assert.is(r.status, 0, hexStatus(r.status));
  assert.equal(Buffer.from(r.body.subarray(64, 80)), fileId, "the same FileId");
  assert.is(r.body.readUInt8(2), BATCH, "the oplock stays");
  assert.is(responseContexts(r).has("DH2Q"), false, "no DH2Q response on a reconnect");
  const rd = await b.read(fileId, 0n, 7);
  assert.is(rd.data.toString(), "durable");
  assert.is((await b.close(fileId)).status, 0);
  b.end();
});

test("a durable open whose client vanished is closed once its timeout passed", async () => {
  T.wipe();
  const guid = randomBytes(16);
  const path = join(share, "vanish.txt");
  const a = await logon();
  const fileId = await durableOpen(a, "vanish.txt", 1500, guid);
  const before = serverFds(path);
  if (before >= 0) assert.ok(before >= 1, "the server holds the file open");
  a.end();
  await sleep(500);
  // still open on the host while disconnected (the scavenger ticks every second)
  if (before >= 0) assert.is(serverFds(path), before, "the host handle is kept");
  await sleep(3000);
  if (before >= 0) assert.is(serverFds(path), 0, "the host handle was closed");
  const b = await logon();
  const r = await b.call(Command.CREATE, createBody("vanish.txt", [dh2c(fileId, guid)]));
  assert.is(r.status, STATUS_OBJECT_NAME_NOT_FOUND, `reconnect after the timeout: ${hexStatus(r.status)}`);
  // the file is free: an exclusive open with DELETE access, delete-on-close, and it is gone
  const o = await b.call(Command.CREATE, createBody("vanish.txt", []));
  assert.is(o.status, 0, hexStatus(o.status));
  const id = Buffer.from(o.body.subarray(64, 80));
  const disp = Buffer.alloc(33 + 7);
  disp.writeUInt16LE(33, 0);
  disp.writeUInt8(1, 2); // SMB2_0_INFO_FILE
  disp.writeUInt8(13, 3); // FileDispositionInformation
  disp.writeUInt32LE(1, 4); // BufferLength
  disp.writeUInt16LE(64 + 32, 8); // BufferOffset
  id.copy(disp, 16);
  disp.writeUInt8(1, 32); // DeletePending
  const s = await b.call(Command.SET_INFO, disp.subarray(0, 33));
  assert.is(s.status, 0, hexStatus(s.status));
  assert.is((await b.close(id)).status, 0);
  assert.is(existsSync(path), false);
  b.end();
});

test.run();

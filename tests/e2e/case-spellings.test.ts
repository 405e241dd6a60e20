// End-to-end: names are case-insensitive, so two spellings of one file are one file for share
// modes, byte-range locks and renames (the core keys its per-file state by the folded name).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Command, connectAnonymous, hexStatus } from "../helpers/smb2-raw.ts";

const STATUS_SHARING_VIOLATION = 0xc0000043;
const STATUS_LOCK_NOT_GRANTED = 0xc0000055;
let srv: RunningServer;

test("start", async () => {
  srv = await startServer();
  writeFileSync(join(srv.share, "Mixed.txt"), "0123456789");
});

/** LOCK (2.2.26) of [offset, offset+length) exclusively, failing immediately. */
function lockBody(fileId: Uint8Array, offset: bigint, length: bigint): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(48, 0);
  b.writeUInt16LE(1, 2);
  Buffer.from(fileId).copy(b, 8);
  b.writeBigUInt64LE(offset, 24);
  b.writeBigUInt64LE(length, 32);
  b.writeUInt32LE(0x2 | 0x10, 40); // EXCLUSIVE | FAIL_IMMEDIATELY
  return b;
}

test("a share-mode conflict is seen whatever the spelling", async () => {
  const a = await connectAnonymous(srv.port);
  const b = await connectAnonymous(srv.port);
  const first = await a.create("Mixed.txt", { createDisposition: 1, shareAccess: 0 });
  assert.is(hexStatus(first.status), hexStatus(0));
  for (const name of ["MIXED.TXT", "mixed.txt", "mIxEd.TxT"]) {
    const m = await b.create(name, { createDisposition: 1, shareAccess: 7 });
    assert.is(hexStatus(m.status), hexStatus(STATUS_SHARING_VIOLATION), name);
  }
  await a.close(first.fileId as Buffer);
  const ok = await b.create("MIXED.TXT", { createDisposition: 1 });
  assert.is(hexStatus(ok.status), hexStatus(0));
  await b.close(ok.fileId as Buffer);
  a.end();
  b.end();
});

test("a byte-range lock taken through one spelling blocks another spelling", async () => {
  const a = await connectAnonymous(srv.port);
  const b = await connectAnonymous(srv.port);
  const fa = await a.create("Mixed.txt", { createDisposition: 1 });
  const fb = await b.create("MIXED.TXT", { createDisposition: 1 });
  assert.is(fa.status, 0);
  assert.is(fb.status, 0);
  assert.is((await a.request(Command.LOCK, lockBody(fa.fileId as Buffer, 0n, 4n))).status, 0);
  const m = await b.request(Command.LOCK, lockBody(fb.fileId as Buffer, 2n, 4n));
  assert.is(hexStatus(m.status), hexStatus(STATUS_LOCK_NOT_GRANTED));
  a.end();
  b.end();
});

test.after(async () => {
  await srv?.stop();
});

test.run();

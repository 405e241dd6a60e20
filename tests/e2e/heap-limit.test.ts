// End-to-end, the managed-heap admission (assembly/util/heap.ts; issue 4 item 6, SECURITY.md
// M14): a guest that piles up state the core must keep — here byte-range locks on many files,
// the cheapest way to hold ~100 MiB of heap — is refused with STATUS_INSUFFICIENT_RESOURCES
// once the heap nears its reserve, instead of trapping the whole server; connections already
// there keep being served; once the guest is gone the heap is usable again. Also the cap on
// byte-range locks per file (MAX_LOCKS_PER_FILE, which bounds one LOCK request's work).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Command, connectAnonymous, hexStatus, type Smb2Client } from "../helpers/smb2-raw.ts";
import { readBody } from "../helpers/smb2-bodies.ts";
import { lockBody } from "../helpers/input-checks.ts";
import { waitForLog } from "../helpers/bad-input-harness.ts";

const STATUS_INSUFFICIENT_RESOURCES = 0xc000009a;
const LOCKFLAG_EXCLUSIVE_FAIL_IMMEDIATELY = 0x02 | 0x10;
const PER_REQUEST = 2048;
const MAX_LOCKS_PER_FILE = 8192;

let srv: RunningServer;

test.before(async () => {
  srv = await startServer({});
});

test.after(async () => {
  await srv.stop();
});

/** PER_REQUEST exclusive one-byte locks at even offsets from base. */
function manyLocks(fileId: Uint8Array, base = 0): Buffer {
  const els: Array<[bigint, bigint, number]> = [];
  for (let k = 0; k < PER_REQUEST; k++) els.push([BigInt(base + 2 * k), 1n, LOCKFLAG_EXCLUSIVE_FAIL_IMMEDIATELY]);
  return lockBody(fileId, els);
}

async function openFile(c: Smb2Client, name: string): Promise<{ status: number; fileId?: Buffer }> {
  return c.create(name, { createDisposition: 5, desiredAccess: 0x0012019f });
}

/** Locks files until the server refuses; returns [files locked, the refusing status]. */
async function fillHeap(c: Smb2Client, prefix: string, maxFiles: number): Promise<[number, number]> {
  for (let i = 0; i < maxFiles; i++) {
    const o = await openFile(c, `${prefix}${i}`);
    if (o.status !== 0) return [i, o.status];
    const l = await c.request(Command.LOCK, manyLocks(o.fileId as Buffer));
    if (l.status !== 0) return [i, l.status];
  }
  return [maxFiles, 0];
}

test("a file holds at most 8192 byte-range locks: the LOCK that would pass it is refused whole", async () => {
  const c = await connectAnonymous(srv.port);
  const o = await openFile(c, "capped");
  assert.is(hexStatus(o.status), hexStatus(0));
  const fid = o.fileId as Buffer;
  for (let i = 0; i < MAX_LOCKS_PER_FILE / PER_REQUEST; i++) {
    const l = await c.request(Command.LOCK, manyLocks(fid, i * 2 * PER_REQUEST));
    assert.is(hexStatus(l.status), hexStatus(0), `batch ${i}`);
  }
  const over = await c.request(Command.LOCK, lockBody(fid, [[1n << 40n, 1n, LOCKFLAG_EXCLUSIVE_FAIL_IMMEDIATELY]]));
  assert.is(hexStatus(over.status), hexStatus(STATUS_INSUFFICIENT_RESOURCES));
  assert.ok(await waitForLog(srv, /would hold more than 8192 byte-range locks/));
  // nothing of the refused request was granted: the range is free for another open
  const other = await openFile(c, "capped");
  const l = await c.request(Command.LOCK, lockBody(other.fileId as Buffer, [[1n << 40n, 1n, LOCKFLAG_EXCLUSIVE_FAIL_IMMEDIATELY]]));
  assert.is(hexStatus(l.status), hexStatus(STATUS_INSUFFICIENT_RESOURCES), "the file is still at its cap");
  await c.close(fid);
  const after = await c.request(Command.LOCK, lockBody(other.fileId as Buffer, [[1n << 40n, 1n, LOCKFLAG_EXCLUSIVE_FAIL_IMMEDIATELY]]));
  assert.is(hexStatus(after.status), hexStatus(0), "closing the open released its 8192 locks");
  c.end();
});

test("a guest filling the core's heap with locks gets INSUFFICIENT_RESOURCES, never a trap; others are served; the heap comes back", async () => {
  const bystander = await connectAnonymous(srv.port);
  const b = await openFile(bystander, "bystander.txt");
  assert.is(hexStatus(b.status), hexStatus(0));

  const attacker = await connectAnonymous(srv.port);
  const [files, status] = await fillHeap(attacker, "h", 4000);
  assert.is(hexStatus(status), hexStatus(STATUS_INSUFFICIENT_RESOURCES), `refused after ${files} files`);
  // ~2048 locks x ~100 bytes per file: the refusal came after most of the ~128 MiB heap was used
  assert.ok(files > 300, `${files} files x ${PER_REQUEST} locks were granted before the refusal`);
  assert.ok(await waitForLog(srv, /Refusing a new (lock|open) for 127\.0\.0\.1:\d+: the core's heap is nearly full/));
  assert.is(srv.proc.exitCode, null, "the server is running");
  assert.not.match(srv.output(), /panic|unreachable|RuntimeError/);

  // the bystander's connection, session and open still work
  assert.is(hexStatus((await bystander.echo()).status), hexStatus(0));
  const r = await bystander.request(Command.READ, readBody(b.fileId as Buffer, 0n, 4096));
  assert.ok(r.status === 0 || r.status === 0xc0000011, `READ → ${hexStatus(r.status)}`); // empty file: END_OF_FILE

  // the guest leaves: its opens, locks and session are freed and collected
  attacker.end();
  let again: [number, number] = [0, 0];
  for (let tries = 0; tries < 40; tries++) {
    await new Promise((res) => setTimeout(res, 250));
    const c = await connectAnonymous(srv.port).catch(() => null);
    if (c === null) continue;
    again = await fillHeap(c, `again${tries}-`, 5);
    c.end();
    if (again[1] === 0) break;
  }
  assert.is(hexStatus(again[1]), hexStatus(0), "after the guest left, a new connection opens and locks files again");
  bystander.end();
});

test.run();

// End-to-end input checks of CREATE create contexts (MS-SMB2 2.2.13, 2.2.13.2; assembly/fs/ea.ts
// findCreateContext): CreateContextsOffset/Length, each context's Next, NameOffset/NameLength and
// DataOffset/DataLength against the request, 8-byte alignment — a malformed chain is
// STATUS_INVALID_PARAMETER and creates nothing, and no context may hand the server bytes from
// outside the request, whatever the order in which the server looks its contexts up. A bystander,
// smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../helpers/server.ts";
import { Command, Status, connectAnonymous, hexStatus, type Smb2Client } from "../helpers/smb2-raw.ts";
import { startBadInputServer, underAttack, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { createWithContexts, fullEaList, securityDescriptor, infoOutput, queryInfo, type CreateContext } from "../helpers/input-checks.ts";

let srv: RunningServer;
const FILE_CREATE = 2;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

let seq = 0;
type Over = { contextsOffset?: number; contextsLength?: number; shift?: number };

/**
 * Sends CREATE (FILE_CREATE) of a fresh name with the given contexts (over.shift moves
 * CreateContextsOffset by that many bytes); returns the response, the name and whether it exists.
 */
async function createWith(c: Smb2Client, contexts: CreateContext[], over: Over = {}) {
  const name = `ctx-${c.localPort}-${seq++}.txt`;
  const body = createWithContexts(name, { createDisposition: FILE_CREATE }, contexts, over);
  if (over.shift) body.writeUInt32LE(body.readUInt32LE(48) + over.shift, 48);
  const m = await c.request(Command.CREATE, body);
  return { m, name, created: existsSync(join(srv.share, name)) };
}

async function refused(c: Smb2Client, contexts: CreateContext[], what: string, over: Over = {}) {
  const r = await createWith(c, contexts, over);
  assert.is(hexStatus(r.m.status), hexStatus(Status.INVALID_PARAMETER), what);
  assert.not.ok(r.created, `${what}: nothing created`);
}

const MXAC: CreateContext = { name: "MxAc", data: Buffer.alloc(0) };
const eas = () => fullEaList([{ name: "EAONE", value: "VALUE1" }]);

attack("CreateContextsOffset/Length outside the request, inside the fixed part, or not 8-aligned → INVALID_PARAMETER", async () => {
  const c = await connectAnonymous(srv.port);
  const ok = await createWith(c, [MXAC]);
  assert.is(hexStatus(ok.m.status), hexStatus(0), "control: one MxAc context");
  await refused(c, [MXAC], "CreateContextsLength + 8", { contextsLength: 24 + 8 });
  await refused(c, [MXAC], "CreateContextsLength 0xffffffff", { contextsLength: 0xffffffff });
  await refused(c, [MXAC], "CreateContextsOffset 0xfff8", { contextsOffset: 0xfff8 });
  await refused(c, [MXAC], "CreateContextsOffset inside the fixed part (64 + 48)", { contextsOffset: 64 + 48 });
  await refused(c, [MXAC], "CreateContextsOffset 4 bytes early (not 8-aligned)", { shift: -4, contextsLength: 28 });
  c.end();
});

attack("a context whose Next is not 8-aligned or points past the contexts → INVALID_PARAMETER", async () => {
  const c = await connectAnonymous(srv.port);
  await refused(c, [{ ...MXAC, next: 28 }, { name: "ExtA", data: eas() }], "Next 28");
  await refused(c, [{ ...MXAC, next: 0x1000 }, { name: "ExtA", data: eas() }], "Next 0x1000 on the first of two");
  await refused(c, [{ ...MXAC, next: 8 }, { name: "ExtA", data: eas() }], "Next 8 (inside its own header)");
  c.end();
});

attack("a context whose NameOffset/NameLength or DataOffset/DataLength run past it → INVALID_PARAMETER", async () => {
  const c = await connectAnonymous(srv.port);
  await refused(c, [{ ...MXAC, nameLength: 200 }], "NameLength 200");
  await refused(c, [{ ...MXAC, nameOffset: 0xfff0 }], "NameOffset 0xfff0");
  await refused(c, [{ ...MXAC, nameLength: 2 }], "NameLength 2 (shorter than a tag)");
  await refused(c, [{ name: "ExtA", data: eas(), dataLength: eas().length + 1 }], "ExtA DataLength + 1");
  await refused(c, [{ name: "ExtA", data: eas(), dataLength: 0xffffffff }], "ExtA DataLength 0xffffffff");
  await refused(c, [{ name: "ExtA", data: eas(), dataOffset: 0xfff8 }], "ExtA DataOffset 0xfff8");
  await refused(c, [{ name: "MxAc", data: Buffer.alloc(8), dataLength: 64 }, { name: "ExtA", data: eas() }], "DataLength past the first of two");
  c.end();
});

attack("the context the server looks for (ExtA) with Next past the end → INVALID_PARAMETER, even when its data lies inside", async () => {
  const c = await connectAnonymous(srv.port);
  await refused(c, [{ name: "ExtA", data: eas(), next: 0x1000 }], "ExtA with Next 0x1000");
  await refused(c, [{ name: "ExtA", data: eas(), next: 0x30 }], "ExtA with Next 0x30 (8-aligned, 4 bytes past the 44-byte contexts)");
  c.end();
});

attack("ExtA with Next past the end and DataLength past the request → INVALID_PARAMETER; no bytes from outside the request become an EA", async () => {
  const c = await connectAnonymous(srv.port);
  // one EA "A" whose 0x60-byte value would run past the request's last byte
  const list = fullEaList([{ name: "A", value: "xy", valueLength: 0x60 }]);
  const r = await createWith(c, [{ name: "ExtA", data: list, next: 0x1000, dataLength: 0x80 }]);
  let leaked = "";
  if (r.m.status === 0) {
    const q = await c.request(Command.QUERY_INFO, queryInfo(r.m.body.subarray(64, 80), 1, 15, 4096, 0, 1));
    leaked = ` — the file was created and its EA holds ${infoOutput(q).toString("hex")}`;
  }
  assert.is(hexStatus(r.m.status), hexStatus(Status.INVALID_PARAMETER), `CREATE status${leaked}`);
  assert.not.ok(r.created, "nothing created");
  c.end();
});

attack("ExtA with Next and DataLength near 4 GiB and an EA chain jumping 1 GiB → INVALID_PARAMETER, the server does not trap", async () => {
  const c = await connectAnonymous(srv.port);
  const list = fullEaList([{ name: "A", value: "xy", next: 0x40000000 }]);
  await refused(c, [{ name: "ExtA", data: list, next: 0xfffffff8, dataLength: 0xffffff00 }], "ExtA with Next 0xfffffff8, DataLength 0xffffff00");
  c.end();
});

attack("SecD with Next past the end and DataLength past the request → INVALID_PARAMETER", async () => {
  const c = await connectAnonymous(srv.port);
  const { sd } = securityDescriptor("S-1-5-7", [[0x1f01ff, "S-1-1-0"]]);
  await refused(c, [{ name: "SecD", data: sd, next: 0x1000, dataLength: sd.length + 0x40 }], "SecD with Next 0x1000, DataLength + 0x40");
  await refused(c, [{ name: "SecD", data: sd, dataLength: sd.length + 0x40 }], "SecD with DataLength + 0x40 (last context)");
  c.end();
});

test.run();

// End-to-end input checks of FILE_FULL_EA_INFORMATION lists (MS-FSCC 2.4.15; assembly/fs/ea.ts
// validateFullEaList) in CREATE ExtA and SET_INFO FileFullEaInformation, and of self-relative
// security descriptors (MS-DTYP 2.4.6; assembly/fs/sd.ts sdParse) in CREATE SecD and SET_INFO:
// lengths and offsets past the end, ACE counts too large, SIDs with too many sub-authorities.
// A bad list or descriptor changes nothing (no file, no EA, the old descriptor stays). Cases
// security.test.ts and metadata.test.ts already cover (revision, SubAuthorityCount 20 in
// SET_INFO, a 12-byte descriptor, NextEntryOffset 5) are not repeated. A bystander, smbclient
// and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../helpers/server.ts";
import { Command, connectAnonymous, hexStatus, type Smb2Client } from "../helpers/smb2-raw.ts";
import { startBadInputServer, underAttack, type AttackOptions } from "../helpers/bad-input-harness.ts";
import {
  St, createWithContexts, fullEaList, securityDescriptor, queryInfo, setInfo, infoOutput, type Ea,
  OWNER_SECURITY_INFORMATION, DACL_SECURITY_INFORMATION,
} from "../helpers/input-checks.ts";

let srv: RunningServer;
const FILE_CREATE = 2;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

/** FILE_FULL_EA_INFORMATION lists that each break one rule of MS-FSCC 2.4.15. */
const BAD_EA_LISTS: Array<[string, Ea[]]> = [
  ["NextEntryOffset past the end", [{ name: "A", value: "1", next: 0x100 }, { name: "B", value: "2" }]],
  ["NextEntryOffset 0xfffffffc", [{ name: "A", value: "1", next: 0xfffffffc }, { name: "B", value: "2" }]],
  ["NextEntryOffset not 4-aligned", [{ name: "A", value: "1", next: 13 }, { name: "B", value: "2" }]],
  ["EaNameLength past the end", [{ name: "A", value: "1", nameLength: 200 }]],
  ["EaValueLength past the end", [{ name: "A", value: "1", valueLength: 0x1000 }]],
  ["no NUL after EaName", [{ name: "A", value: "1", noNul: true }]],
  ["the second entry's EaValueLength past the end", [{ name: "A", value: "1" }, { name: "B", value: "2", valueLength: 0x100 }]],
];

attack("CREATE with an ExtA list running past its end → STATUS_EA_LIST_INCONSISTENT, nothing created", async () => {
  const c = await connectAnonymous(srv.port);
  for (const [what, list] of BAD_EA_LISTS) {
    const name = `ea-${c.localPort}-${what.replace(/\W+/g, "-")}.txt`;
    const m = await c.request(Command.CREATE, createWithContexts(name, { createDisposition: FILE_CREATE }, [{ name: "ExtA", data: fullEaList(list) }]));
    assert.is(hexStatus(m.status), hexStatus(St.EA_LIST_INCONSISTENT), what);
    assert.not.ok(existsSync(join(srv.share, name)), `${what}: nothing created`);
  }
  c.end();
});

attack("SET_INFO FileFullEaInformation running past its end → STATUS_EA_LIST_INCONSISTENT, not even its valid first entry applied", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create(`ea-set-${c.localPort}.txt`, { createDisposition: 5 });
  const id = f.fileId as Buffer;
  for (const [what, list] of BAD_EA_LISTS) {
    const m = await c.request(Command.SET_INFO, setInfo(id, 1, 15, fullEaList(list)));
    assert.is(hexStatus(m.status), hexStatus(St.EA_LIST_INCONSISTENT), what);
  }
  const q = await c.request(Command.QUERY_INFO, queryInfo(id, 1, 15, 4096, 0, 1));
  assert.is(hexStatus(q.status), hexStatus(St.NO_EAS_ON_FILE), "no EA was set");
  c.end();
});

/** A descriptor with owner S-1-1-0 and a DACL granting Everyone everything, and a way to corrupt it. */
function badSd(f: (sd: Buffer, at: { owner: number; dacl: number }) => void): Buffer {
  const l = securityDescriptor("S-1-1-0", [[0x1f01ff, "S-1-1-0"]]);
  const sd = Buffer.from(l.sd);
  f(sd, l);
  return sd;
}

const BAD_SDS: Array<[string, number, Buffer]> = [
  ["OffsetOwner 0x1000", St.INVALID_SECURITY_DESCR, badSd((b) => b.writeUInt32LE(0x1000, 4))],
  ["OffsetOwner = the descriptor's length", St.INVALID_SECURITY_DESCR, badSd((b) => b.writeUInt32LE(b.length, 4))],
  ["OffsetDacl 0xfffffff0", St.INVALID_SECURITY_DESCR, badSd((b) => b.writeUInt32LE(0xfffffff0, 16))],
  ["DACL AceCount 50 with one ACE", St.INVALID_ACL, badSd((b, at) => b.writeUInt16LE(50, at.dacl + 4))],
  ["DACL AceCount 0xffff", St.INVALID_ACL, badSd((b, at) => b.writeUInt16LE(0xffff, at.dacl + 4))],
  ["DACL AclSize past the end", St.INVALID_ACL, badSd((b, at) => b.writeUInt16LE(0x400, at.dacl + 2))],
  ["ACE AceSize past its ACL", St.INVALID_ACL, badSd((b, at) => b.writeUInt16LE(0x200, at.dacl + 8 + 2))],
  ["ACE SID with 15 sub-authorities in a 20-byte ACE", St.INVALID_ACL, badSd((b, at) => b.writeUInt8(15, at.dacl + 8 + 9))],
  ["owner SID with 16 sub-authorities", St.INVALID_SID, badSd((b, at) => b.writeUInt8(16, at.owner + 1))],
];

attack("CREATE with a SecD descriptor whose offsets, counts or SIDs run past it → INVALID_SECURITY_DESCR / INVALID_ACL / INVALID_SID, nothing created", async () => {
  const c = await connectAnonymous(srv.port);
  for (const [what, status, sd] of BAD_SDS) {
    const name = `sd-${c.localPort}-${what.replace(/\W+/g, "-")}.txt`;
    const m = await c.request(Command.CREATE, createWithContexts(name, { createDisposition: FILE_CREATE }, [{ name: "SecD", data: sd }]));
    assert.is(hexStatus(m.status), hexStatus(status), what);
    assert.not.ok(existsSync(join(srv.share, name)), `${what}: nothing created`);
  }
  const good = securityDescriptor("S-1-5-7", [[0x1f01ff, "S-1-1-0"]]).sd; // owned by the anonymous logon
  const ok = await c.request(Command.CREATE, createWithContexts(`sd-${c.localPort}-good.txt`, { createDisposition: FILE_CREATE }, [{ name: "SecD", data: good }]));
  assert.is(hexStatus(ok.status), hexStatus(0), "control: the uncorrupted descriptor");
  c.end();
});

async function currentSd(c: Smb2Client, id: Buffer): Promise<Buffer> {
  const q = await c.request(Command.QUERY_INFO, queryInfo(id, 3, 0, 4096, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION));
  assert.is(hexStatus(q.status), hexStatus(0), "QUERY_INFO security");
  return Buffer.from(infoOutput(q));
}

attack("SET_INFO security with offsets, counts or SIDs running past the descriptor → INVALID_SECURITY_DESCR / INVALID_ACL / INVALID_SID, descriptor unchanged", async () => {
  const c = await connectAnonymous(srv.port);
  const f = await c.create(`sd-set-${c.localPort}.txt`, { createDisposition: 5, desiredAccess: 0x1f01ff });
  assert.is(hexStatus(f.status), hexStatus(0), "CREATE with WRITE_DAC and WRITE_OWNER");
  const id = f.fileId as Buffer;
  const before = await currentSd(c, id);
  for (const [what, status, sd] of BAD_SDS) {
    const m = await c.request(Command.SET_INFO, setInfo(id, 3, 0, sd, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION));
    assert.is(hexStatus(m.status), hexStatus(status), what);
  }
  assert.ok((await currentSd(c, id)).equals(before), "the descriptor did not change");
  c.end();
});

test.run();

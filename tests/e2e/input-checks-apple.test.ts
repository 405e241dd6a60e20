// End-to-end checks for the Apple items of the ksmbd review (A1-A10): this server implements no
// AAPL create context (so it advertises no Apple capability: an AAPL query gets no answer), its
// volume identity comes from public names only — SHA-256 of "NETBIOSNAME/SHARE", the same for
// every user, never from a password (A6) — and file ids are the real, distinct inode numbers,
// never zero (A7).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Command, connectAnonymous, hexStatus, type Smb2Message } from "../helpers/smb2-raw.ts";
import { ioctlBody } from "../helpers/bad-input-templates.ts";
import { secureLogon } from "../helpers/smb3-client.ts";
import { createWithContexts, responseContexts, queryInfo, infoOutput, ioctlOutput } from "../helpers/input-checks.ts";

const USER = "appleuser";
const PASSWORD = "Apple-test-pw1";
const FSCTL_GET_OBJECT_ID = 0x0009009c;
let srv: RunningServer;

test.before(async () => {
  srv = await startServer({ runtime: "node", users: { [USER]: PASSWORD } });
});
test.after(async () => {
  await srv?.stop();
});

const ROOT = { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 };

test("an AAPL server query context is not answered, and there is no mdssvc pipe: no Apple capability is advertised (A1-A5, A8-A10)", async () => {
  const c = await connectAnonymous(srv.port);
  const q = Buffer.alloc(24);
  q.writeUInt32LE(1, 0); // kAAPL_SERVER_QUERY
  q.writeBigUInt64LE(7n, 8); // RequestBitmap: server caps, volume caps, model info
  q.writeBigUInt64LE(7n, 16); // ClientCapabilities
  const m = await c.request(Command.CREATE, createWithContexts("", ROOT, [{ name: "AAPL", data: q }]));
  assert.is(hexStatus(m.status), hexStatus(0), "CREATE of the share root with AAPL");
  assert.equal(responseContexts(m).map(([tag]) => tag), [], "no create context in the response");
  // no Spotlight: the only pipe served on IPC$ is srvsvc (A9)
  assert.is(hexStatus((await c.treeConnect("IPC$")).status), hexStatus(0), "TREE_CONNECT IPC$");
  assert.is(hexStatus((await c.create("mdssvc", { createOptions: 0, createDisposition: 1 })).status), hexStatus(0xc0000034), "CREATE mdssvc → OBJECT_NAME_NOT_FOUND");
  c.end();
});

/** FileFsVolumeInformation serial, FileFsObjectIdInformation and the root's BirthVolumeId. */
async function volumeIdentity(call: (command: number, body: Buffer) => Promise<Smb2Message>, root: Buffer) {
  const vol = await call(Command.QUERY_INFO, queryInfo(root, 2, 1, 4096));
  const oid = await call(Command.QUERY_INFO, queryInfo(root, 2, 8, 4096));
  const fsctl = await call(Command.IOCTL, ioctlBody(FSCTL_GET_OBJECT_ID, root, new Uint8Array(0), 64));
  for (const [m, what] of [[vol, "FileFsVolumeInformation"], [oid, "FileFsObjectIdInformation"], [fsctl, "FSCTL_GET_OBJECT_ID"]] as const) {
    assert.is(hexStatus(m.status), hexStatus(0), what);
  }
  return {
    serial: infoOutput(vol).readUInt32LE(8),
    objectId: infoOutput(oid).subarray(0, 16).toString("hex"),
    birthVolumeId: ioctlOutput(fsctl).subarray(16, 32).toString("hex"),
  };
}

test("the volume identity is SHA-256 of the public server/share names, the same for anonymous and a user (A6)", async () => {
  const digest = createHash("sha256").update("WASMSMB/SHARE").digest();
  const want = { serial: digest.readUInt32LE(0), objectId: digest.subarray(0, 16).toString("hex"), birthVolumeId: digest.subarray(0, 16).toString("hex") };
  const anon = await connectAnonymous(srv.port);
  const ar = await anon.create("", ROOT);
  assert.equal(await volumeIdentity((cmd, b) => anon.request(cmd, b), ar.fileId as Buffer), want, "anonymous");
  anon.end();
  const user = await secureLogon(srv.port, { user: USER, password: PASSWORD });
  await user.treeConnect("share");
  const ur = await user.create("", ROOT);
  assert.equal(await volumeIdentity((cmd, b) => user.call(cmd, b), ur.fileId), want, "a user logged on with a password");
  user.end();
});

test("file ids (FileInternalInformation) are the files' inode numbers: non-zero and distinct (A7)", async () => {
  const c = await connectAnonymous(srv.port);
  const ids: bigint[] = [];
  for (const name of ["apple-a.txt", "apple-b.txt"]) {
    const f = await c.create(name, { createDisposition: 5 });
    const q = await c.request(Command.QUERY_INFO, queryInfo(f.fileId as Buffer, 1, 6, 8));
    assert.is(hexStatus(q.status), hexStatus(0), `FileInternalInformation of ${name}`);
    const id = infoOutput(q).readBigUInt64LE(0);
    assert.is(id, statSync(join(srv.share, name), { bigint: true }).ino, `${name}: the inode number`);
    ids.push(id);
  }
  assert.ok(ids[0] !== 0n && ids[1] !== 0n && ids[0] !== ids[1], `ids ${ids}`);
  c.end();
});

test.run();

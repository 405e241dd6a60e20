// End-to-end, limits against exhaustion (issue 4 item 6): connections per client address,
// open files per session, pending asynchronous operations per connection, sessions per
// connection, the handshake, frame and idle (deadtime) timeouts, and the growing delay after
// repeated logon failures — each hit while the server keeps serving other clients.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as net from "node:net";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { smbclient } from "../helpers/smbclient.ts";
import { Command, connectAnonymous, hexStatus } from "../helpers/smb2-raw.ts";
import { waitForLog } from "../helpers/bad-input-harness.ts";

const STATUS_PENDING = 0x00000103;
const STATUS_INSUFFICIENT_RESOURCES = 0xc000009a;
const STATUS_TOO_MANY_OPENED_FILES = 0xc000011f;

const dir = mkdtempSync(join(tmpdir(), "smblimits-"));
const shareDir = join(dir, "share");
mkdirSync(shareDir);
mkdirSync(join(shareDir, "watched"));
const alice = { user: "alice", password: "Alice-pw1" };
let srv: RunningServer;

test("start with small limits", async () => {
  const conf = join(dir, "smb.conf");
  writeFileSync(conf, `[global]
   max ip connections = 3
   max open files = 5
   deadtime = 0.025
   handshake timeout = 1
   frame timeout = 1
[share]
   path = ${shareDir}
   read only = no
   guest ok = yes
`);
  srv = await startServer({ args: ["--config", conf], noPath: true, users: { alice: alice.password } });
});

function connectFrom(localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: srv.port, host: "127.0.0.1", localAddress }, () => resolve(s));
    s.once("error", reject);
  });
}

function closed(s: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.once("close", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** CHANGE_NOTIFY (2.2.35) on fileId for file-name changes, 1 KiB output. */
function notifyBody(fileId: Uint8Array): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt32LE(1024, 4);
  Buffer.from(fileId).copy(b, 8);
  b.writeUInt32LE(0x1, 24); // FILE_NOTIFY_CHANGE_FILE_NAME
  return b;
}

test("max ip connections: the 4th connection from 127.0.0.1 is refused, 127.0.0.2 still gets in", async () => {
  // fresh connections count against the handshake timeout too: do this quickly
  const held = [await connectFrom("127.0.0.1"), await connectFrom("127.0.0.1"), await connectFrom("127.0.0.1")];
  const extra = await connectFrom("127.0.0.1");
  assert.ok(await closed(extra, 2000), "the server closed the 4th connection");
  assert.ok(await waitForLog(srv, /Refusing connection from 127\.0\.0\.1:\d+: 3 connections open from that address \(max ip connections\)/));
  const c = await new Promise<net.Socket>((res, rej) => {
    const s = net.connect({ port: srv.port, host: "127.0.0.1", localAddress: "127.0.0.2" }, () => res(s));
    s.once("error", rej);
  });
  assert.not.ok(await closed(c, 300), "another address is not limited by 127.0.0.1's connections");
  for (const s of [...held, c]) s.destroy();
});

test("handshake timeout: a connection that sends nothing is dropped; one sending half a frame too (frame timeout)", async () => {
  await new Promise((r) => setTimeout(r, 200));
  const silent = await connectFrom("127.0.0.3");
  const half = await connectFrom("127.0.0.4");
  half.write(Buffer.from([0, 0, 0, 100, 0xfe, 0x53])); // announces 100 bytes, sends 2
  const t0 = Date.now();
  const ok = await connectAnonymous(srv.port);
  assert.is((await ok.echo()).status, 0, "others are served meanwhile");
  ok.end();
  assert.ok(await closed(half, 3000), "half a frame: dropped");
  assert.ok(await closed(silent, 3000), "silent: dropped");
  assert.ok(Date.now() - t0 >= 700, `not before the timeout (${Date.now() - t0} ms)`);
  assert.ok(await waitForLog(srv, /a frame stayed incomplete for 1 s/), srv.output());
  assert.ok(await waitForLog(srv, /no session was set up within 1 s/), srv.output());
});

test("max open files: the 6th open of a session is refused until one closes; other sessions unaffected", async () => {
  const c = await connectAnonymous(srv.port);
  const ids: Buffer[] = [];
  for (let i = 0; i < 5; i++) {
    const m = await c.create(`f${i}.txt`, { createDisposition: 5 });
    assert.is(hexStatus(m.status), hexStatus(0), `open ${i}`);
    ids.push(m.fileId as Buffer);
  }
  const sixth = await c.create("f5.txt", { createDisposition: 5 });
  assert.is(hexStatus(sixth.status), hexStatus(STATUS_TOO_MANY_OPENED_FILES));
  const other = await connectAnonymous(srv.port);
  const m = await other.create("g.txt", { createDisposition: 5 });
  assert.is(hexStatus(m.status), hexStatus(0), "another session opens files");
  other.end();
  await c.close(ids[0]);
  const again = await c.create("f5.txt", { createDisposition: 5 });
  assert.is(hexStatus(again.status), hexStatus(0));
  c.end();
});

test("pending operations: the 513th CHANGE_NOTIFY of a connection fails with INSUFFICIENT_RESOURCES", async () => {
  const c = await connectAnonymous(srv.port);
  const d = await c.create("watched", { createDisposition: 1, createOptions: 1, desiredAccess: 0x1 });
  assert.is(hexStatus(d.status), hexStatus(0));
  const fid = d.fileId as Buffer;
  for (let i = 0; i < 512; i++) {
    const r = await c.request(Command.CHANGE_NOTIFY, notifyBody(fid));
    assert.is(hexStatus(r.status), hexStatus(STATUS_PENDING), `notify ${i}`);
  }
  const over = await c.request(Command.CHANGE_NOTIFY, notifyBody(fid));
  assert.is(hexStatus(over.status), hexStatus(STATUS_INSUFFICIENT_RESOURCES));
  assert.ok(await waitForLog(srv, /512 operations already pending/));
  const other = await connectAnonymous(srv.port);
  assert.is((await other.echo()).status, 0, "other connections are served");
  other.end();
  c.end();
});

test("deadtime: an idle connection without open files is dropped, one with an open file stays", async () => {
  const idle = await connectAnonymous(srv.port);
  const busy = await connectAnonymous(srv.port);
  const f = await busy.create("kept.txt", { createDisposition: 5 });
  assert.is(f.status, 0);
  assert.ok(await idle.waitClosed(4000), "idle connection dropped after 1.5 s");
  assert.is((await busy.echo()).status, 0, "the connection with an open file stays");
  assert.ok(await waitForLog(srv, /idle with no open files for 1\.5 s \(deadtime\)/));
  busy.end();
});

test("logon failures from one address are answered ever more slowly; other addresses are not slowed", async () => {
  // its own server: the held answers take longer than the 1 s handshake timeout above
  await srv.stop();
  srv = await startServer({ users: { alice: alice.password } });
  const bad = { user: "alice", password: "wrong" };
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const r = await smbclient(srv.port, "share", "ls", bad);
    assert.match(r.out, /NT_STATUS_LOGON_FAILURE/, r.out);
    times.push(Date.now() - t0);
  }
  assert.ok(times[3] >= 900, `4th failure held back ~1 s (${times})`);
  assert.ok(times[4] >= 1900, `5th failure held back ~2 s (${times})`);
  assert.ok(await waitForLog(srv, /Logon failures from 127\.0\.0\.1: answering after 2 s/));
  // a good logon meanwhile works at once, and resets the count
  const t0 = Date.now();
  const good = await smbclient(srv.port, "share", "ls", alice);
  assert.is(good.code, 0, good.out);
  assert.ok(Date.now() - t0 < 900, "a correct password is never delayed");
  const t1 = Date.now();
  const r = await smbclient(srv.port, "share", "ls", bad);
  assert.match(r.out, /NT_STATUS_LOGON_FAILURE/);
  assert.ok(Date.now() - t1 < 900, "the count restarted after the success");
});

test("stop", async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

test.run();

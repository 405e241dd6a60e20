// End-to-end checks of teardown with work in flight (review M7: no use of a connection's state
// after its teardown started; M11: session-setup error paths release what they took; M13:
// orderly shutdown with connections in flight): a client vanishes while its LOCK waits, while
// its CHANGE_NOTIFY waits, while its READ is in host I/O; failed logons on one connection; then
// the server is stopped (SIGTERM) while clients wait. The server must go on serving everyone
// else, never answer or grant anything to the dead connection, and exit 0.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startServer, type RunningServer } from "../helpers/server.ts";
import {
  Smb2Client, Command, Status, readBody, writeBody, sessionSetupBody, challengeOf, connectAnonymous, hexStatus,
} from "../helpers/smb2-raw.ts";
import { negotiateMessage, negTokenInit, negTokenResp, authenticateMessage, ntHash, OID_NTLMSSP } from "../helpers/ntlm-client.ts";
import { changeNotifyBody } from "../helpers/smb3-client.ts";
import { startBadInputServer, underAttack, assertAlive, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { lockBody } from "../helpers/input-checks.ts";

let srv: RunningServer;
const STATUS_PENDING = 0x00000103;
const EXCLUSIVE = 0x2;
const FAIL_IMMEDIATELY = 0x10;
const UNLOCK = 0x4;
const MiB = 1 << 20;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

async function open(c: Smb2Client, name: string, disposition = 3): Promise<Buffer> {
  const f = await c.create(name, { createDisposition: disposition });
  assert.is(hexStatus(f.status), hexStatus(0), `CREATE ${name}`);
  return f.fileId as Buffer;
}

/** Sends a request that goes asynchronous and waits for its interim STATUS_PENDING. */
async function pending(c: Smb2Client, command: number, body: Buffer): Promise<void> {
  c.send(command, body);
  const [m] = await c.recv();
  assert.is(hexStatus(m.status), hexStatus(STATUS_PENDING), "interim response");
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

attack("a client vanishes while its blocking LOCK waits: the range is not granted to it, others lock it (M7)", async () => {
  const a = await connectAnonymous(srv.port);
  const name = `td-lock-${a.localPort}.bin`;
  const fa = await open(a, name, 5);
  const range: [bigint, bigint, number] = [0n, 100n, EXCLUSIVE | FAIL_IMMEDIATELY];
  assert.is((await a.request(Command.LOCK, lockBody(fa, [range]))).status, 0, "A locks");
  const b = await connectAnonymous(srv.port);
  const fb = await open(b, name);
  await pending(b, Command.LOCK, lockBody(fb, [[0n, 100n, EXCLUSIVE]]));
  b.end();
  await pause(200);
  assert.is((await a.request(Command.LOCK, lockBody(fa, [[0n, 100n, UNLOCK]]))).status, 0, "A unlocks");
  const c = await connectAnonymous(srv.port);
  const fc = await open(c, name);
  assert.is(hexStatus((await c.request(Command.LOCK, lockBody(fc, [range]))).status), hexStatus(0), "C gets the range the dead waiter asked for");
  a.end();
  c.end();
});

attack("a client vanishes while its CHANGE_NOTIFY waits; a change in the directory afterwards is harmless (M7)", async () => {
  const b = await connectAnonymous(srv.port);
  const d = await b.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
  await pending(b, Command.CHANGE_NOTIFY, changeNotifyBody(d.fileId as Buffer, 0x1 | 0x2 | 0x10, 4096));
  b.end();
  const a = await connectAnonymous(srv.port);
  for (let i = 0; i < 5; i++) await open(a, `td-notify-${a.localPort}-${i}.txt`, 2);
  a.end();
});

attack("clients vanish while their 2 MiB READs are in host I/O (M7)", async () => {
  const a = await connectAnonymous(srv.port);
  const name = `td-read-${a.localPort}.bin`;
  const fa = await open(a, name, 5);
  const w = await a.request(Command.WRITE, writeBody(fa, 0n, Buffer.alloc(2 * MiB, 7)), { creditCharge: 32 });
  assert.is(hexStatus(w.status), hexStatus(0), "WRITE 2 MiB");
  for (let i = 0; i < 10; i++) {
    const b = await connectAnonymous(srv.port);
    const fb = await open(b, name);
    b.send(Command.READ, readBody(fb, 0n, 2 * MiB), { creditCharge: 32 });
    b.end();
  }
  await pause(300);
  const r = await a.request(Command.READ, readBody(fa, 0n, 2 * MiB), { creditCharge: 32 });
  assert.is(hexStatus(r.status), hexStatus(0), "the file is still read whole");
  assert.is(r.body.readUInt32LE(4), 2 * MiB);
  a.end();
});

test("70 failed logons on one connection (more than its 64 sessions) leave nothing behind: the next logon works (M11)", async () => {
  const user = "m11user";
  const password = "M11-test-pw1";
  const s = await startServer({ runtime: "node", args: ["--log-level", "1"], users: { [user]: password } });
  try {
    const c = await Smb2Client.connect(s.port);
    assert.is((await c.negotiate([0x0210])).status, 0, "NEGOTIATE");
    // an NTLMv2 response whose AV pairs run past its end: STATUS_INVALID_PARAMETER, not a logon
    // failure, so the logon-failure delay does not slow the loop
    const blob = Buffer.concat([
      Buffer.alloc(16, 0xab), Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), Buffer.alloc(8, 0x3f), Buffer.alloc(8, 0x11),
      Buffer.alloc(4), Buffer.from([0x11, 0xa2, 0x08, 0x81]), Buffer.alloc(20, 0x55),
    ]);
    for (let i = 0; i < 70; i++) {
      c.sessionId = 0n;
      const neg = negotiateMessage();
      const m1 = await c.request(Command.SESSION_SETUP, sessionSetupBody(negTokenInit([OID_NTLMSSP], neg)));
      assert.is(hexStatus(m1.status), hexStatus(Status.MORE_PROCESSING_REQUIRED), `attempt ${i}: first leg`);
      c.sessionId = m1.sessionId;
      const auth = authenticateMessage({ user, domain: "WORKGROUP", hash: ntHash(password), negotiate: neg, challenge: challengeOf(m1), ntResponse: blob });
      const m2 = await c.request(Command.SESSION_SETUP, sessionSetupBody(negTokenResp(auth.message)));
      assert.is(hexStatus(m2.status), hexStatus(Status.INVALID_PARAMETER), `attempt ${i}: malformed AUTHENTICATE`);
    }
    c.sessionId = 0n;
    assert.is(hexStatus((await c.sessionSetupAnonymous()).status), hexStatus(0), "a logon on the same connection after 70 failed ones");
    c.end();
  } finally {
    await s.stop();
  }
});

test("SIGTERM while clients wait on a LOCK and a CHANGE_NOTIFY and a READ is in flight: exit code 0, no trap (M13)", async () => {
  const s = await startServer({ runtime: "node", args: ["--log-level", "1"] });
  try {
    const a = await connectAnonymous(s.port);
    const fa = await open(a, "held.bin", 5);
    await a.request(Command.WRITE, writeBody(fa, 0n, Buffer.alloc(MiB, 1)), { creditCharge: 16 });
    await a.request(Command.LOCK, lockBody(fa, [[0n, 1n, EXCLUSIVE | FAIL_IMMEDIATELY]]));
    const b = await connectAnonymous(s.port);
    await pending(b, Command.LOCK, lockBody(await open(b, "held.bin"), [[0n, 1n, EXCLUSIVE]]));
    const c = await connectAnonymous(s.port);
    const d = await c.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
    await pending(c, Command.CHANGE_NOTIFY, changeNotifyBody(d.fileId as Buffer));
    a.send(Command.READ, readBody(fa, 0n, MiB), { creditCharge: 16 });
    const exited = new Promise<number | null>((r) => s.proc.once("exit", (code) => r(code)));
    s.proc.kill("SIGTERM");
    const code = await Promise.race([exited, pause(5000).then(() => "timeout" as const)]);
    assert.is(code, 0, `exit code after SIGTERM:\n${s.output()}`);
    assert.not.match(s.output(), /Core panic|RuntimeError|Error:/, "no trap or uncaught error on the way out");
    for (const x of [a, b, c]) assert.ok(await x.waitClosed(2000), "the clients' connections were closed");
  } finally {
    await s.stop();
  }
});

test("the shared server never trapped", () => {
  assertAlive(srv);
});

test.run();

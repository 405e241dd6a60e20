// End-to-end: after a valid anonymous session and tree connect, random bodies behind valid
// headers for every command code 0..18 (MS-SMB2 2.2.1.2), with the session's SessionId/TreeId.
// Each request must get an NTSTATUS (a response with its MessageId) or a disconnect that the
// log explains — never a crash; CANCEL gets no response (3.3.5.16). Fixed seed per command.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import { type Smb2Client, Command, REQUEST_STRUCTURE_SIZE, connectAnonymous, hexStatus } from "../helpers/smb2-raw.ts";
import { startBadInputServer, bystander, checkSurvived, outcome, prng, waitForLog, disconnectLine } from "../helpers/bad-input-harness.ts";

let srv: RunningServer;
const PER_COMMAND = 16;
const NAMES = Object.fromEntries(Object.entries(Command).map(([k, v]) => [v, k])) as Record<number, string>;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

/** A session with an open file, so FileId-taking commands get past the lookup now and then. */
async function withOpenFile(): Promise<{ c: Smb2Client; fileId: Buffer }> {
  const c = await connectAnonymous(srv.port);
  const f = await c.create(`g${c.localPort}.bin`, { createDisposition: 5 });
  assert.is(f.status, 0, "CREATE for the garbage run");
  return { c, fileId: f.fileId as Buffer };
}

/** A random body: sometimes the right StructureSize, sometimes the real FileId at a FileId position. */
function garbageBody(cmd: number, rnd: ReturnType<typeof prng>, fileId: Buffer): Buffer {
  const fixed = REQUEST_STRUCTURE_SIZE[cmd] & ~1;
  const len = rnd.next() < 0.5 ? rnd.int(fixed + 64) : fixed + rnd.int(256);
  const b = rnd.bytes(len);
  if (len >= 2 && rnd.next() < 0.8) b.writeUInt16LE(REQUEST_STRUCTURE_SIZE[cmd], 0);
  // FileId offsets in the bodies of CLOSE, FLUSH, READ, WRITE, LOCK, IOCTL, QUERY_DIRECTORY,
  // CHANGE_NOTIFY, QUERY_INFO, SET_INFO, OPLOCK_BREAK (2.2.15-2.2.39)
  const at: Record<number, number> = { 6: 8, 7: 8, 8: 16, 9: 16, 10: 8, 11: 8, 14: 8, 15: 8, 16: 24, 17: 16, 18: 8 };
  if (at[cmd] !== undefined && b.length >= at[cmd] + 16 && rnd.next() < 0.5) fileId.copy(b, at[cmd]);
  return b;
}

for (let cmd = 0; cmd <= 18; cmd++) {
  test(`random bodies for command ${cmd} (${NAMES[cmd]}) with valid headers → an NTSTATUS or a logged disconnect`, async () => {
    const rnd = prng(0x6a7b0000 + cmd);
    const b = await bystander(srv);
    let { c, fileId } = await withOpenFile();
    const dropped: Smb2Client[] = [];
    const seen: string[] = [];
    try {
      for (let k = 0; k < PER_COMMAND; k++) {
        const body = garbageBody(cmd, rnd, fileId);
        const charge = rnd.next() < 0.2 ? 1 + rnd.int(3) : 1;
        const mid = c.send(cmd, body, { creditCharge: charge });
        const o = await outcome(c, cmd === Command.CANCEL ? 300 : 3000);
        const what = `command ${cmd} #${k}, body ${body.toString("hex")}`;
        if (o.kind === "closed") {
          seen.push("disconnect");
          dropped.push(c);
          ({ c, fileId } = await withOpenFile());
          continue;
        }
        if (o.kind === "timeout") {
          // only CANCEL goes unanswered; the connection must still answer an ECHO
          assert.is(cmd, Command.CANCEL, `${what}: neither a response nor a disconnect`);
          const e = await c.echo();
          assert.is(e.status, 0, `${what}: ECHO after CANCEL`);
          seen.push("no response (CANCEL)");
          continue;
        }
        const m = o.messages[0];
        assert.is(m.messageId, mid, `${what}: response MessageId`);
        assert.is(m.command, cmd, `${what}: response Command`);
        assert.ok((m.flags & 1) !== 0, `${what}: SERVER_TO_REDIR in the response`);
        seen.push(hexStatus(m.status));
      }
    } finally {
      c.end();
    }
    for (const d of dropped) {
      assert.ok(await waitForLog(srv, disconnectLine(d)), `no log line explains the disconnect of 127.0.0.1:${d.localPort}`);
    }
    if (process.env.BAD_INPUT_VERBOSE) console.log(`command ${cmd}: ${seen.join(" ")}`);
    await checkSurvived(srv, b);
    b.end();
  });
}

test.run();

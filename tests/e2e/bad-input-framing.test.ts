// End-to-end, bad input at the transport and header level (MS-SMB2 2.1 direct TCP, 2.2.1 header,
// 3.3.5.2 receiving a message): each case on its own connection must end in the right NTSTATUS
// or a disconnect of that connection only; the bystander, smbclient and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import {
  Smb2Client, Command, Status, header, echoBody, negotiateBody, treeConnectBody, connectAnonymous, ALL_DIALECTS,
} from "../helpers/smb2-raw.ts";
import {
  startBadInputServer, underAttack, expectDisconnect, expectStatusOrDisconnect, prng, type AttackOptions,
} from "../helpers/bad-input-harness.ts";

let srv: RunningServer;
const rnd = prng(0xf4a3);

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

/** A fresh connection, optionally negotiated (3.1.1) first. */
async function fresh(negotiate = false): Promise<Smb2Client> {
  const c = await Smb2Client.connect(srv.port);
  if (negotiate) await c.negotiate(ALL_DIALECTS);
  return c;
}

const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, fn));

attack("frame length 0x00ffffff (above the maximum) before NEGOTIATE → disconnect", async () => {
  const c = await fresh();
  c.sendRaw(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xfe, 0x53, 0x4d, 0x42]));
  await expectDisconnect(c, "length 0xffffff");
  return { disconnected: c };
});

attack("frame length 0x00ffffff after NEGOTIATE (above MaxWriteSize + headroom) → disconnect", async () => {
  const c = await fresh(true);
  c.sendRaw(Buffer.from([0x00, 0xff, 0xff, 0xff]));
  await expectDisconnect(c, "length 0xffffff");
  return { disconnected: c };
});

attack("non-zero first byte of the direct-TCP header (NetBIOS session request 0x81) → disconnect", async () => {
  const c = await fresh();
  c.sendRaw(Buffer.from([0x81, 0x00, 0x00, 0x44, ...new Uint8Array(0x44)]));
  await expectDisconnect(c, "type 0x81");
  return { disconnected: c };
});

attack("a frame that is not SMB (random bytes) → disconnect", async () => {
  const c = await fresh();
  const junk = rnd.bytes(100);
  junk[0] = 0x00; // neither 0xFE/0xFF/0xFD 'SMB'
  c.sendFrame(junk);
  await expectDisconnect(c, "garbage frame");
  return { disconnected: c };
});

attack("an SMB1 request other than NEGOTIATE → disconnect", async () => {
  const c = await fresh();
  const smb1 = Buffer.alloc(39);
  smb1.write("\xffSMB", 0, "latin1");
  smb1[4] = 0x73; // SMB_COM_SESSION_SETUP_ANDX
  c.sendFrame(smb1);
  await expectDisconnect(c, "SMB1 SESSION_SETUP_ANDX");
  return { disconnected: c };
});

attack("an SMB2 TRANSFORM_HEADER without negotiated encryption → disconnect", async () => {
  const c = await fresh(true);
  const t = Buffer.alloc(52 + 80);
  t.writeUInt32LE(0x424d53fd, 0);
  c.sendFrame(t);
  await expectDisconnect(c, "transform header");
  return { disconnected: c };
});

attack("truncated frame: length 200, 50 bytes sent, then the client closes", async () => {
  const c = await fresh();
  c.sendRaw(Buffer.concat([Buffer.from([0, 0, 0, 200]), header({ command: Command.NEGOTIATE, messageId: 0 }).subarray(0, 50)]));
  await new Promise((r) => setTimeout(r, 100));
  c.end();
  await c.waitClosed(1000);
});

test("half a frame that stalls: the server keeps serving everyone else meanwhile", async () => {
  const staller = await fresh(true);
  staller.sendRaw(Buffer.concat([Buffer.from([0, 0, 0, 200]), header({ command: Command.ECHO, messageId: 1 }).subarray(0, 50)]));
  try {
    // bystander ECHO, a new smbclient and a new raw connection all work while the frame stalls
    await underAttack(srv, async () => {
      const other = await connectAnonymous(srv.port);
      const e = await other.echo();
      other.end();
      assert.is(e.status, Status.SUCCESS, "ECHO on a new connection while another stalls");
    });
  } finally {
    staller.end();
  }
});

test("64 connections each stalling a maximum-size frame: the server keeps serving everyone else", async () => {
  // 0x80ffff bytes is below MaxWriteSize (8 MiB) + headroom, so each header alone is accepted
  const stallers = await Promise.all(Array.from({ length: 64 }, () => fresh(true)));
  for (const s of stallers) s.sendRaw(Buffer.from([0x00, 0x80, 0xff, 0xff, 0xfe, 0x53, 0x4d, 0x42]));
  await new Promise((r) => setTimeout(r, 200));
  try {
    await underAttack(srv, async () => {
      const other = await connectAnonymous(srv.port);
      const e = await other.echo();
      other.end();
      assert.is(e.status, Status.SUCCESS, "ECHO on a new connection while 64 others stall");
    });
  } finally {
    for (const s of stallers) s.end();
  }
});

attack("SMB2 message shorter than the 64-byte header → disconnect without a reply (3.3.5.2.6)", async () => {
  const c = await fresh();
  c.sendFrame(header({ command: Command.NEGOTIATE, messageId: 0 }).subarray(0, 40));
  await expectDisconnect(c, "40-byte SMB2 message");
  return { disconnected: c };
});

attack("header StructureSize 63 (NEGOTIATE) → STATUS_INVALID_PARAMETER or disconnect (3.3.5.2.6)", async () => {
  const c = await fresh();
  c.sendFrame(Buffer.concat([header({ command: Command.NEGOTIATE, messageId: 0, structureSize: 63 }), negotiateBody(ALL_DIALECTS)]));
  const o = await expectStatusOrDisconnect(c, [Status.INVALID_PARAMETER], "header StructureSize 63");
  c.end();
  return o.kind === "closed" ? { disconnected: c } : {};
});

attack("header StructureSize 0 (ECHO after NEGOTIATE) → STATUS_INVALID_PARAMETER or disconnect", async () => {
  const c = await fresh(true);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { structureSize: 0 }), echoBody()]));
  const o = await expectStatusOrDisconnect(c, [Status.INVALID_PARAMETER], "header StructureSize 0");
  c.end();
  return o.kind === "closed" ? { disconnected: c } : {};
});

attack("compound whose NextCommand is not 8-byte aligned → disconnect (3.3.5.2.7)", async () => {
  const c = await connectAnonymous(srv.port);
  const first = Buffer.concat([c.nextHeader(Command.ECHO, { nextCommand: 70 }), echoBody(), Buffer.alloc(2)]);
  c.sendFrame(Buffer.concat([first, c.nextHeader(Command.ECHO), echoBody()]));
  await expectDisconnect(c, "NextCommand 70");
  return { disconnected: c };
});

attack("compound whose NextCommand points past the frame → disconnect", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { nextCommand: 0x1000 }), echoBody()]));
  await expectDisconnect(c, "NextCommand 0x1000 in a 68-byte frame");
  return { disconnected: c };
});

attack("compound whose NextCommand (8) lies inside the header → disconnect", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { nextCommand: 8 }), echoBody(), Buffer.alloc(4)]));
  await expectDisconnect(c, "NextCommand 8");
  return { disconnected: c };
});

attack("ECHO before NEGOTIATE → disconnect (3.3.5.2.2)", async () => {
  const c = await fresh();
  c.sendFrame(Buffer.concat([header({ command: Command.ECHO, messageId: 0 }), echoBody()]));
  await expectDisconnect(c, "ECHO before NEGOTIATE");
  return { disconnected: c };
});

attack("TREE_CONNECT before NEGOTIATE → disconnect (3.3.5.2.2)", async () => {
  const c = await fresh();
  c.sendFrame(Buffer.concat([header({ command: Command.TREE_CONNECT, messageId: 0 }), treeConnectBody("\\\\127.0.0.1\\share")]));
  await expectDisconnect(c, "TREE_CONNECT before NEGOTIATE");
  return { disconnected: c };
});

attack("CANCEL before NEGOTIATE → disconnect (3.3.5.2.2: anything but NEGOTIATE)", async () => {
  const c = await fresh();
  c.sendFrame(Buffer.concat([header({ command: Command.CANCEL, messageId: 0 }), echoBody()]));
  await expectDisconnect(c, "CANCEL before NEGOTIATE");
  return { disconnected: c };
});

attack("MessageId far outside the credit window → disconnect (3.3.5.2.3)", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { messageId: c.messageId + 100000n }), echoBody()]));
  await expectDisconnect(c, "MessageId +100000");
  return { disconnected: c };
});

attack("a MessageId used twice → disconnect (3.3.5.2.3)", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { messageId: 1 }), echoBody()]));
  await expectDisconnect(c, "MessageId 1 again");
  return { disconnected: c };
});

attack("MessageId 0xFFFFFFFFFFFFFFFF with CreditCharge 2 (wraps around) → disconnect", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { messageId: 0xffffffffffffffffn, creditCharge: 2 }), echoBody()]));
  await expectDisconnect(c, "MessageId 2^64-1");
  return { disconnected: c };
});

attack("CreditCharge 0xFFFF (more than granted) → disconnect (3.3.5.2.5)", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { creditCharge: 0xffff }), echoBody()]));
  await expectDisconnect(c, "CreditCharge 0xffff");
  return { disconnected: c };
});

attack("a second NEGOTIATE → disconnect without a reply (3.3.5.4)", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.NEGOTIATE), negotiateBody(ALL_DIALECTS)]));
  await expectDisconnect(c, "second NEGOTIATE");
  return { disconnected: c };
});

attack("a request with SMB2_FLAGS_SERVER_TO_REDIR set → STATUS_INVALID_PARAMETER or disconnect", async () => {
  const c = await connectAnonymous(srv.port);
  c.sendFrame(Buffer.concat([c.nextHeader(Command.ECHO, { flags: 1 }), echoBody()]));
  const o = await expectStatusOrDisconnect(c, [Status.INVALID_PARAMETER], "SERVER_TO_REDIR in a request");
  c.end();
  return o.kind === "closed" ? { disconnected: c } : {};
});

test.run();

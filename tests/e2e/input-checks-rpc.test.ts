// End-to-end input checks of DCE/RPC over the IPC$ srvsvc pipe (C706 12.6; MS-RPCE 2.2.2; MS-SRVS
// 3.1.4.8; assembly/rpc/pipe.ts, dcerpc.ts, srvsvc.ts, wire/ndr.ts): PDU lengths below the header,
// BIND context lists past frag_length, NetrShareEnumAll stubs whose NDR lengths lie
// (RPC_X_BAD_STUB_DATA, review M4), fragments of other calls and reassembly past 64 KiB. The
// in-process cases are in tests/unit/rpc.test.ts; here they travel through SMB2 WRITE/READ/IOCTL.
// After each case the bystander, `smbclient ls`, `smbclient -L` (srvsvc itself) and the process survive.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RunningServer } from "../helpers/server.ts";
import { Command, Status, writeBody, readBody, connectAnonymous, hexStatus, type Smb2Client, type Smb2Message } from "../helpers/smb2-raw.ts";
import { ioctlBody, rpcBind, rpcShareEnumAll } from "../helpers/bad-input-templates.ts";
import { startBadInputServer, underAttack, type AttackOptions } from "../helpers/bad-input-harness.ts";
import { smbclientList } from "../helpers/smbclient.ts";
import { rpcPdu, rpcRequest, parseRpc, openSrvsvc, ioctlOutput, FSCTL_PIPE_TRANSCEIVE, PTYPE, PFC_FIRST_FRAG, PFC_LAST_FRAG, type RpcReply } from "../helpers/input-checks.ts";

let srv: RunningServer;
const RPC_X_BAD_STUB_DATA = 0x000006f7; // nca_s_fault_ndr
const NCA_S_PROTO_ERROR = 0x1c01000b;
const RPC_S_ACCESS_DENIED = 0x00000005;
const OPNUM_NETR_SHARE_ENUM_ALL = 15;

test.before(async () => {
  srv = await startBadInputServer();
});
test.after(async () => {
  await srv?.stop();
});

/** The attack, then srvsvc still lists the shares for a new client. */
const attack = (name: string, fn: () => Promise<AttackOptions | void>) => test(name, () => underAttack(srv, async () => {
  const o = await fn();
  const l = await smbclientList(srv.port, { timeoutMs: 30000 });
  assert.is(l.code, 0, `smbclient -L afterwards:\n${l.out}`);
  assert.match(l.out, /IPC\$/, "the share list");
  return o;
}));

/** Writes bytes to the pipe with SMB2 WRITE; returns the response. */
function pipeWrite(c: Smb2Client, pipe: Buffer, data: Uint8Array): Promise<Smb2Message> {
  return c.request(Command.WRITE, writeBody(pipe, 0n, data));
}

/** Reads one reply PDU with SMB2 READ. */
async function pipeRead(c: Smb2Client, pipe: Buffer): Promise<RpcReply> {
  const m = await c.request(Command.READ, readBody(pipe, 0n, 4280));
  assert.is(hexStatus(m.status), hexStatus(0), "READ of the reply");
  const off = m.body.readUInt8(2) - 64;
  return parseRpc(m.body.subarray(off, off + m.body.readUInt32LE(4)));
}

/** Sends a PDU with FSCTL_PIPE_TRANSCEIVE and parses the reply PDU. */
async function transceive(c: Smb2Client, pipe: Buffer, pdu: Uint8Array): Promise<RpcReply> {
  const m = await c.request(Command.IOCTL, ioctlBody(FSCTL_PIPE_TRANSCEIVE, pipe, pdu, 4280));
  assert.is(hexStatus(m.status), hexStatus(0), "FSCTL_PIPE_TRANSCEIVE");
  return parseRpc(ioctlOutput(m));
}

async function boundPipe(c: Smb2Client): Promise<Buffer> {
  const pipe = await openSrvsvc(c);
  assert.is((await transceive(c, pipe, rpcBind())).ptype, PTYPE.BIND_ACK, "bind");
  return pipe;
}

/** The NetrShareEnumAll REQUEST of the templates with u32s of its stub replaced ([stub offset, value]). */
function enumWith(...patches: Array<[number, number]>): Buffer {
  const pdu = Buffer.from(rpcShareEnumAll());
  for (const [at, v] of patches) pdu.writeUInt32LE(v, 24 + at);
  return pdu;
}

attack("a PDU whose frag_length is below the 16-byte header → STATUS_INVALID_PARAMETER; the pipe then binds normally", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await openSrvsvc(c);
  for (const fl of [0, 10, 15]) {
    const m = await pipeWrite(c, pipe, rpcPdu(PTYPE.BIND, 3, 1, rpcBind().subarray(16), fl));
    assert.is(hexStatus(m.status), hexStatus(Status.INVALID_PARAMETER), `frag_length ${fl}`);
  }
  assert.is((await transceive(c, pipe, rpcBind())).ptype, PTYPE.BIND_ACK, "a good bind afterwards");
  c.end();
});

attack("a BIND whose context list runs past frag_length → BIND_NAK (reason 0)", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await openSrvsvc(c);
  const many = Buffer.from(rpcBind());
  many.writeUInt8(5, 24); // n_context_elem 5, one present
  let r = await transceive(c, pipe, many);
  assert.is(r.ptype, PTYPE.BIND_NAK, "n_context_elem 5");
  assert.is(r.reason, 0);
  const syntaxes = Buffer.from(rpcBind());
  syntaxes.writeUInt8(200, 30); // n_transfer_syn 200, one present
  r = await transceive(c, pipe, syntaxes);
  assert.is(r.ptype, PTYPE.BIND_NAK, "n_transfer_syn 200");
  assert.is((await transceive(c, pipe, rpcBind())).ptype, PTYPE.BIND_ACK, "a good bind afterwards");
  c.end();
});

attack("NetrShareEnumAll with lying NDR lengths → FAULT RPC_X_BAD_STUB_DATA (M4)", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await boundPipe(c);
  // ServerName: referent(0) max_count(4) offset(8) actual_count(12), then UTF-16
  for (const [what, pdu] of [
    ["actual_count > max_count", enumWith([12, 200])],
    ["max_count and actual_count 0x7fffffff", enumWith([4, 0x7fffffff], [12, 0x7fffffff])],
    ["offset 0x40000000", enumWith([8, 0x40000000])],
    ["stub cut after the server name", (() => {
      const p = Buffer.from(rpcShareEnumAll());
      const cut = p.subarray(0, p.length - 32);
      cut.writeUInt16LE(cut.length, 8);
      return cut;
    })()],
  ] as const) {
    const r = await transceive(c, pipe, pdu);
    assert.is(r.ptype, PTYPE.FAULT, `${what}: FAULT`);
    assert.is(hexStatus(r.status ?? -1), hexStatus(RPC_X_BAD_STUB_DATA), `${what}: status`);
  }
  const ok = await transceive(c, pipe, rpcShareEnumAll());
  assert.is(ok.ptype, PTYPE.RESPONSE, "the unmodified request is answered");
  c.end();
});

attack("a REQUEST shorter than its 24-byte header → FAULT nca_s_proto_error", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await boundPipe(c);
  const short = rpcPdu(PTYPE.REQUEST, PFC_FIRST_FRAG | PFC_LAST_FRAG, 7, Buffer.alloc(4));
  const r = await transceive(c, pipe, short);
  assert.is(r.ptype, PTYPE.FAULT);
  assert.is(hexStatus(r.status ?? -1), hexStatus(NCA_S_PROTO_ERROR));
  c.end();
});

attack("fragments: a middle fragment of another call → FAULT nca_s_proto_error; more than 64 KiB of stub → FAULT access denied; two good fragments are answered", async () => {
  const c = await connectAnonymous(srv.port);
  const pipe = await boundPipe(c);
  const stub = rpcShareEnumAll().subarray(24);
  // the control: one call in two fragments
  assert.is(hexStatus((await pipeWrite(c, pipe, rpcRequest(20, OPNUM_NETR_SHARE_ENUM_ALL, stub.subarray(0, 10), PFC_FIRST_FRAG))).status), hexStatus(0));
  assert.is(hexStatus((await pipeWrite(c, pipe, rpcRequest(20, OPNUM_NETR_SHARE_ENUM_ALL, stub.subarray(10), PFC_LAST_FRAG))).status), hexStatus(0));
  const ok = await pipeRead(c, pipe);
  assert.is(ok.ptype, PTYPE.RESPONSE, "two fragments of call 20");
  assert.is(ok.callId, 20);
  // the last fragment names another call
  await pipeWrite(c, pipe, rpcRequest(21, OPNUM_NETR_SHARE_ENUM_ALL, stub.subarray(0, 10), PFC_FIRST_FRAG));
  await pipeWrite(c, pipe, rpcRequest(22, OPNUM_NETR_SHARE_ENUM_ALL, stub.subarray(10), PFC_LAST_FRAG));
  let r = await pipeRead(c, pipe);
  assert.is(r.ptype, PTYPE.FAULT, "fragment of call 22 during call 21");
  assert.is(hexStatus(r.status ?? -1), hexStatus(NCA_S_PROTO_ERROR));
  // 40000 + 40000 bytes of stub: the reassembly stops at 64 KiB
  const big = Buffer.alloc(40000);
  assert.is(hexStatus((await pipeWrite(c, pipe, rpcRequest(23, OPNUM_NETR_SHARE_ENUM_ALL, big, PFC_FIRST_FRAG))).status), hexStatus(0));
  await pipeWrite(c, pipe, rpcRequest(23, OPNUM_NETR_SHARE_ENUM_ALL, big, PFC_LAST_FRAG));
  r = await pipeRead(c, pipe);
  assert.is(r.ptype, PTYPE.FAULT, "80000 bytes of stub");
  assert.is(hexStatus(r.status ?? -1), hexStatus(RPC_S_ACCESS_DENIED));
  assert.is((await transceive(c, pipe, rpcShareEnumAll())).ptype, PTYPE.RESPONSE, "a whole request afterwards");
  c.end();
});

test.run();

// Valid SMB2 requests (MS-SMB2 2.2.x) in the connection state each needs, as seeds for the
// mutation fuzzer of tests/e2e/bad-input-fuzz.test.ts: file commands, compounds, IPC$ and a
// DCE/RPC srvsvc pipe (C706 bind/request PDUs, MS-SRVS NetrShareEnumAll).
import {
  Smb2Client, Command, header, negotiateBody, sessionSetupBody, treeConnectBody, createBody, closeBody, echoBody,
  writeBody, readBody, queryInfoBody, queryDirectoryBody, compound, challengeOf, anonymousAuthenticateToken,
  ALL_DIALECTS, RELATED_FILE_ID, FLAGS_RELATED_OPERATIONS,
} from "./smb2-raw.ts";
import { negTokenInit, negotiateMessage, OID_NTLMSSP } from "./ntlm-client.ts";
import { randomBytes } from "node:crypto";

export type Need = "none" | "negotiated" | "leg1" | "session" | "tree" | "pipe";

/** A connection brought to a state, with the handles a template may use. */
export interface State {
  c: Smb2Client;
  dialects: number[];
  fileId: Buffer;
  dirId: Buffer;
  pipeId: Buffer;
  ntlmNegotiate: Uint8Array;
  challenge: Uint8Array;
  /** ClientGuid sent in NEGOTIATE (for VALIDATE_NEGOTIATE_INFO). */
  clientGuid: Buffer;
}

export interface Template {
  name: string;
  needs: Need;
  /** Dialects the unmutated request is valid for (default: all). */
  dialects?: number[];
  /** The whole SMB2 message (header + body, or a compound) to mutate. */
  build(s: State): Buffer;
}

const msg = (s: State, command: number, body: Buffer, o: Parameters<Smb2Client["nextHeader"]>[1] = {}) =>
  Buffer.concat([s.c.nextHeader(command, o), body]);
const NONE = Buffer.alloc(16);

function check(what: string, status: number): void {
  if (status !== 0) throw new Error(`${what} failed during setup: 0x${status.toString(16)}`);
}

/** Connects and brings the connection to `need` (throws if a valid step fails). */
export async function setup(port: number, need: Need, dialects = ALL_DIALECTS): Promise<State> {
  const c = await Smb2Client.connect(port);
  const s: State = { c, dialects, fileId: NONE, dirId: NONE, pipeId: NONE, ntlmNegotiate: negotiateMessage(), challenge: new Uint8Array(0), clientGuid: randomBytes(16) };
  if (need === "none") return s;
  check("NEGOTIATE", (await c.negotiate(dialects, { clientGuid: s.clientGuid })).status);
  if (need === "negotiated") return s;
  const m1 = await c.request(Command.SESSION_SETUP, sessionSetupBody(negTokenInit([OID_NTLMSSP], s.ntlmNegotiate)));
  c.sessionId = m1.sessionId;
  s.challenge = challengeOf(m1);
  if (need === "leg1") return s;
  check("SESSION_SETUP", (await c.request(Command.SESSION_SETUP, sessionSetupBody(anonymousAuthenticateToken(s.ntlmNegotiate, s.challenge)))).status);
  if (need === "session") return s;
  if (need === "pipe") {
    check("TREE_CONNECT IPC$", (await c.treeConnect("IPC$")).status);
    const p = await c.create("srvsvc", { createOptions: 0, createDisposition: 1 });
    check("CREATE srvsvc", p.status);
    s.pipeId = p.fileId as Buffer;
    check("bind", (await c.request(Command.IOCTL, ioctlBody(0x0011c017, s.pipeId, rpcBind(), 4280))).status);
    return s;
  }
  check("TREE_CONNECT", (await c.treeConnect("share")).status);
  const f = await c.create(`fuzz${c.localPort}.bin`, { createDisposition: 5 });
  check("CREATE file", f.status);
  s.fileId = f.fileId as Buffer;
  const d = await c.create("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 });
  check("CREATE root", d.status);
  s.dirId = d.fileId as Buffer;
  return s;
}

// ---- bodies the raw client does not need itself ----

/** SMB2 IOCTL request body (2.2.31) with SMB2_0_IOCTL_IS_FSCTL; input at InputOffset 120. */
export function ioctlBody(ctlCode: number, fileId: Uint8Array, input: Uint8Array, maxOutputResponse: number): Buffer {
  const b = Buffer.alloc(56 + input.length);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(ctlCode, 4);
  b.set(fileId, 8);
  b.writeUInt32LE(120, 24);
  b.writeUInt32LE(input.length, 28);
  b.writeUInt32LE(120, 36);
  b.writeUInt32LE(maxOutputResponse, 44);
  b.writeUInt32LE(1, 48);
  b.set(input, 56);
  return b;
}

/** SMB2 SET_INFO request body (2.2.39), SMB2_0_INFO_FILE; buffer at BufferOffset 96. */
export function setInfoBody(fileId: Uint8Array, fileInfoClass: number, buffer: Uint8Array): Buffer {
  const b = Buffer.alloc(32 + buffer.length);
  b.writeUInt16LE(33, 0);
  b.writeUInt8(1, 2);
  b.writeUInt8(fileInfoClass, 3);
  b.writeUInt32LE(buffer.length, 4);
  b.writeUInt16LE(96, 8);
  b.set(fileId, 16);
  b.set(buffer, 32);
  return b;
}

/** FileRenameInformation (MS-FSCC 2.4.37.2). */
function renameInfo(name: string): Buffer {
  const n = Buffer.from(name, "utf16le");
  const b = Buffer.alloc(20 + n.length);
  b.writeUInt32LE(n.length, 16);
  b.set(n, 20);
  return b;
}

/** SMB2 LOCK request body (2.2.26) with one exclusive lock. */
function lockBody(fileId: Uint8Array): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(48, 0);
  b.writeUInt16LE(1, 2);
  b.set(fileId, 8);
  b.writeBigUInt64LE(0n, 24);
  b.writeBigUInt64LE(10n, 32);
  b.writeUInt32LE(0x12, 40); // EXCLUSIVE | FAIL_IMMEDIATELY
  return b;
}

/** SMB2 CHANGE_NOTIFY request body (2.2.35). */
function changeNotifyBody(fileId: Uint8Array): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt32LE(4096, 4);
  b.set(fileId, 8);
  b.writeUInt32LE(0x17, 24);
  return b;
}

/** SMB2 FLUSH / SMB2 TREE_DISCONNECT / LOGOFF style fixed bodies. */
function fixedBody(structureSize: number, size: number, fileId?: Uint8Array): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt16LE(structureSize, 0);
  if (fileId) b.set(fileId, 8);
  return b;
}

/** VALIDATE_NEGOTIATE_INFO request (2.2.31.4) repeating NEGOTIATE: Capabilities 0x7f, SecurityMode 1. */
export function validateNegotiateInfo(clientGuid: Uint8Array, dialects: number[]): Buffer {
  const v = Buffer.alloc(24 + 2 * dialects.length);
  v.writeUInt32LE(0x7f, 0);
  v.set(clientGuid, 4);
  v.writeUInt16LE(1, 20);
  v.writeUInt16LE(dialects.length, 22);
  dialects.forEach((d, i) => {
    v.writeUInt16LE(d, 24 + 2 * i);
  });
  return v;
}

function uuid(s: string, version: number, versionBytes: 2 | 4): Buffer {
  const h = s.replace(/-/g, "");
  const b = Buffer.alloc(16 + versionBytes);
  b.writeUInt32LE(parseInt(h.slice(0, 8), 16), 0);
  b.writeUInt16LE(parseInt(h.slice(8, 12), 16), 4);
  b.writeUInt16LE(parseInt(h.slice(12, 16), 16), 6);
  Buffer.from(h.slice(16), "hex").copy(b, 8);
  if (versionBytes === 2) b.writeUInt16LE(version, 16);
  else b.writeUInt32LE(version, 16);
  return versionBytes === 2 ? Buffer.concat([b, Buffer.alloc(2)]) : b; // minor version 0
}

/** DCE/RPC common header (C706 12.6.3) around a body. */
function rpcPdu(ptype: number, callId: number, body: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.set([5, 0, ptype, 3, 0x10, 0, 0, 0]);
  h.writeUInt16LE(16 + body.length, 8);
  h.writeUInt32LE(callId, 12);
  return Buffer.concat([h, body]);
}

/** bind to srvsvc v3.0 with NDR (C706 12.6.4.3). */
export function rpcBind(): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(4280, 0);
  b.writeUInt16LE(4280, 2);
  b.writeUInt8(1, 8); // one presentation context
  const ctx = Buffer.alloc(4);
  ctx.writeUInt8(1, 2); // one transfer syntax
  return rpcPdu(11, 1, Buffer.concat([b, ctx, uuid("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 2), uuid("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 4)]));
}

/** request NetrShareEnumAll (opnum 15, MS-SRVS 3.1.4.8) at level 1. */
export function rpcShareEnumAll(): Buffer {
  const name = Buffer.from("\\\\127.0.0.1\0", "utf16le");
  const chars = name.length / 2;
  const str = Buffer.alloc(16 + ((name.length + 3) & ~3));
  str.writeUInt32LE(0x00020000, 0);
  str.writeUInt32LE(chars, 4);
  str.writeUInt32LE(chars, 12);
  name.copy(str, 16);
  const rest = Buffer.alloc(32);
  rest.writeUInt32LE(1, 0); // Level
  rest.writeUInt32LE(1, 4); // union switch
  rest.writeUInt32LE(0x00020004, 8); // SHARE_INFO_1_CONTAINER*
  rest.writeUInt32LE(0xffffffff, 20); // PreferedMaximumLength
  rest.writeUInt32LE(0x00020008, 24); // ResumeHandle*
  const req = Buffer.alloc(8);
  req.writeUInt32LE(str.length + rest.length, 0);
  req.writeUInt16LE(15, 6);
  return rpcPdu(0, 2, Buffer.concat([req, str, rest]));
}

const related = { flags: FLAGS_RELATED_OPERATIONS };

export const TEMPLATES: Template[] = [
  { name: "NEGOTIATE 2.0.2-3.1.1", needs: "none", build: () => Buffer.concat([header({ command: 0, messageId: 0 }), negotiateBody(ALL_DIALECTS)]) },
  { name: "NEGOTIATE 2.0.2", needs: "none", build: () => Buffer.concat([header({ command: 0, messageId: 0 }), negotiateBody([0x0202])]) },
  { name: "SESSION_SETUP NTLMSSP NEGOTIATE", needs: "negotiated", build: (s) => msg(s, Command.SESSION_SETUP, sessionSetupBody(negTokenInit([OID_NTLMSSP], s.ntlmNegotiate))) },
  { name: "SESSION_SETUP AUTHENTICATE", needs: "leg1", build: (s) => msg(s, Command.SESSION_SETUP, sessionSetupBody(anonymousAuthenticateToken(s.ntlmNegotiate, s.challenge))) },
  { name: "TREE_CONNECT share", needs: "session", build: (s) => msg(s, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share")) },
  { name: "TREE_CONNECT IPC$", needs: "session", build: (s) => msg(s, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\IPC$")) },
  { name: "LOGOFF", needs: "session", build: (s) => msg(s, Command.LOGOFF, fixedBody(4, 4)) },
  { name: "CREATE", needs: "tree", build: (s) => msg(s, Command.CREATE, createBody("dir1\\new file.txt", { createDisposition: 3 })) },
  { name: "CREATE directory", needs: "tree", build: (s) => msg(s, Command.CREATE, createBody("newdir", { createOptions: 1, createDisposition: 3 })) },
  { name: "WRITE", needs: "tree", build: (s) => msg(s, Command.WRITE, writeBody(s.fileId, 0n, Buffer.from("hello, fuzz"))) },
  { name: "READ", needs: "tree", build: (s) => msg(s, Command.READ, readBody(s.fileId, 0n, 4096)) },
  { name: "FLUSH", needs: "tree", build: (s) => msg(s, Command.FLUSH, fixedBody(24, 24, s.fileId)) },
  { name: "CLOSE", needs: "tree", build: (s) => msg(s, Command.CLOSE, closeBody(s.fileId)) },
  { name: "LOCK", needs: "tree", build: (s) => msg(s, Command.LOCK, lockBody(s.fileId)) },
  { name: "QUERY_INFO FileAllInformation", needs: "tree", build: (s) => msg(s, Command.QUERY_INFO, queryInfoBody(s.fileId, 1, 18, 4096)) },
  { name: "QUERY_INFO FileFsFullSizeInformation", needs: "tree", build: (s) => msg(s, Command.QUERY_INFO, queryInfoBody(s.dirId, 2, 7, 4096)) },
  { name: "QUERY_DIRECTORY", needs: "tree", build: (s) => msg(s, Command.QUERY_DIRECTORY, queryDirectoryBody(s.dirId, "*")) },
  { name: "CHANGE_NOTIFY", needs: "tree", build: (s) => msg(s, Command.CHANGE_NOTIFY, changeNotifyBody(s.dirId)) },
  { name: "SET_INFO FileEndOfFile", needs: "tree", build: (s) => msg(s, Command.SET_INFO, setInfoBody(s.fileId, 20, Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]))) },
  { name: "SET_INFO FileRename", needs: "tree", build: (s) => msg(s, Command.SET_INFO, setInfoBody(s.fileId, 10, renameInfo("renamed.bin"))) },
  { name: "ECHO", needs: "tree", build: (s) => msg(s, Command.ECHO, echoBody()) },
  { name: "TREE_DISCONNECT", needs: "tree", build: (s) => msg(s, Command.TREE_DISCONNECT, fixedBody(4, 4)) },
  { name: "IOCTL VALIDATE_NEGOTIATE_INFO", needs: "tree", dialects: [0x0202, 0x0210, 0x0300, 0x0302], build: (s) =>
    msg(s, Command.IOCTL, ioctlBody(0x00140204, RELATED_FILE_ID, validateNegotiateInfo(s.clientGuid, s.dialects), 24)) },
  { name: "compound CREATE+WRITE+CLOSE", needs: "tree", build: (s) => compound([
    msg(s, Command.CREATE, createBody("compound.txt", { createDisposition: 5 })),
    msg(s, Command.WRITE, writeBody(RELATED_FILE_ID, 0n, Buffer.from("abc")), related),
    msg(s, Command.CLOSE, closeBody(RELATED_FILE_ID), related),
  ]) },
  { name: "compound CREATE+QUERY_INFO+CLOSE", needs: "tree", build: (s) => compound([
    msg(s, Command.CREATE, createBody("", { createOptions: 1, createDisposition: 1, desiredAccess: 0x00100081 })),
    msg(s, Command.QUERY_INFO, queryInfoBody(RELATED_FILE_ID, 1, 18, 4096), related),
    msg(s, Command.CLOSE, closeBody(RELATED_FILE_ID), related),
  ]) },
  { name: "srvsvc WRITE bind", needs: "pipe", build: (s) => msg(s, Command.WRITE, writeBody(s.pipeId, 0n, rpcBind())) },
  { name: "srvsvc IOCTL NetrShareEnumAll", needs: "pipe", build: (s) => msg(s, Command.IOCTL, ioctlBody(0x0011c017, s.pipeId, rpcShareEnumAll(), 4280)) },
];

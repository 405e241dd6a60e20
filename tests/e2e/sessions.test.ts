// End-to-end, sessions (MS-SMB2 3.3.5.5, 3.3.5.6): re-authentication keeps the keys and the
// opens, a failed one ends the session, PreviousSessionId logs off the same user's old session,
// LOGOFF ends pending requests first (signed), binding over 2.1 is refused, session ids, unknown shares,
// malformed NTLMv2 responses. A raw SMB 2.1 client signs with HMAC-SHA256 (3.1.4.1).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHmac, randomBytes } from "node:crypto";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { Smb2Client, Command, Status, treeConnectBody, createBody, hexStatus, type Smb2Message } from "../helpers/smb2-raw.ts";
import {
  negotiateMessage, negTokenInit, negTokenResp, parseNegTokenResp, authenticateMessage, ntHash, OID_NTLMSSP,
  NEGOTIATE_KEY_EXCH, parseChallenge,
} from "../helpers/ntlm-client.ts";

const USER = "alice";
const PASSWORD = "Alice-pw1";
const OTHER = "bob";
const OTHER_PASSWORD = "Bob-pw1";

const STATUS_PENDING = 0x00000103;
const STATUS_LOGON_FAILURE = 0xc000006d;
const STATUS_BAD_NETWORK_NAME = 0xc00000cc;
const STATUS_REQUEST_NOT_ACCEPTED = 0xc00000d0;
const FLAGS_ASYNC = 0x2;
const FLAGS_SIGNED = 0x8;

let srv: RunningServer;

test.before(async () => {
  srv = await startServer({ users: { [USER]: PASSWORD, [OTHER]: OTHER_PASSWORD } });
});
test.after(async () => {
  await srv?.stop();
});

/** One logged-on session on a raw 2.1 connection, with its signing key (= session key). */
interface Logon {
  c: Smb2Client;
  key: Uint8Array;
}

const hmac16 = (key: Uint8Array, msg: Uint8Array) => createHmac("sha256", key).update(msg).digest().subarray(0, 16);

/** Header + body with SMB2_FLAGS_SIGNED and the signature (3.1.4.1, 2.x: HMAC-SHA256). */
function signed(h: Buffer, body: Uint8Array, key: Uint8Array): Buffer {
  const m = Buffer.concat([h, body]);
  m.writeUInt32LE(m.readUInt32LE(16) | FLAGS_SIGNED, 16);
  m.fill(0, 48, 64);
  hmac16(key, m).copy(m, 48);
  return m;
}

/** True when the response carries SMB2_FLAGS_SIGNED and a valid signature under key. */
function signatureValid(m: Smb2Message, key: Uint8Array): boolean {
  if ((m.flags & FLAGS_SIGNED) === 0) return false;
  const copy = Buffer.from(m.raw);
  copy.fill(0, 48, 64);
  return hmac16(key, copy).equals(m.raw.subarray(48, 64));
}

/** Sends one request (signed with key when given) and returns its response. */
async function call(c: Smb2Client, command: number, body: Uint8Array, key?: Uint8Array, o: { sessionId?: bigint } = {}): Promise<Smb2Message> {
  const h = c.nextHeader(command, o.sessionId === undefined ? {} : { sessionId: o.sessionId });
  const mid = h.readBigUInt64LE(24);
  c.sendFrame(key ? signed(h, body, key) : Buffer.concat([h, body]));
  const [m] = await c.recv();
  assert.is(m.messageId, mid, "response to the request just sent");
  return m;
}

/** SESSION_SETUP body (2.2.5) with Flags, SecurityMode and PreviousSessionId. */
function setupBody(token: Uint8Array, o: { flags?: number; previous?: bigint; securityMode?: number } = {}): Buffer {
  const b = Buffer.alloc(24 + token.length);
  b.writeUInt16LE(25, 0);
  b.writeUInt8(o.flags ?? 0, 2);
  b.writeUInt8(o.securityMode ?? 2, 3); // SMB2_NEGOTIATE_SIGNING_REQUIRED: the session signs
  b.writeUInt16LE(88, 12);
  b.writeUInt16LE(token.length, 14);
  b.writeBigUInt64LE(o.previous ?? 0n, 16);
  b.set(token, 24);
  return b;
}

interface SetupOptions {
  user?: string;
  password?: string;
  anonymous?: boolean;
  previous?: bigint;
  /** Re-authenticate this logon's session (requests signed with its key unless unsigned). */
  reauth?: Logon;
  unsigned?: boolean;
  /** Replace the NTLMv2 response (malformed-input tests). */
  ntResponse?: Uint8Array;
}

/** The two SESSION_SETUP legs (SPNEGO + NTLMSSP); returns the final response and the session key. */
async function sessionSetup(c: Smb2Client, o: SetupOptions = {}): Promise<{ m: Smb2Message; key: Uint8Array }> {
  const key = o.reauth && !o.unsigned ? o.reauth.key : undefined;
  const neg = negotiateMessage();
  const m1 = await call(c, Command.SESSION_SETUP, setupBody(negTokenInit([OID_NTLMSSP], neg), { previous: o.previous }), key);
  if (m1.status !== Status.MORE_PROCESSING_REQUIRED) return { m: m1, key: new Uint8Array(16) };
  if (!o.reauth) c.sessionId = m1.sessionId;
  const off = m1.body.readUInt16LE(4) - 64;
  const challenge = parseNegTokenResp(m1.body.subarray(off, off + m1.body.readUInt16LE(6))).responseToken as Uint8Array;
  const anon = o.anonymous === true;
  const auth = authenticateMessage({
    user: anon ? "" : (o.user ?? USER), domain: anon ? "" : "WORKGROUP", hash: anon ? new Uint8Array(16) : ntHash(o.password ?? PASSWORD),
    negotiate: neg, challenge, mic: !anon,
    ...(anon ? { ntResponse: new Uint8Array(0), lmResponse: new Uint8Array(0), flags: parseChallenge(challenge).flags & ~NEGOTIATE_KEY_EXCH } : {}),
    ...(o.ntResponse ? { ntResponse: o.ntResponse } : {}),
  });
  const m2 = await call(c, Command.SESSION_SETUP, setupBody(negTokenResp(auth.message), { previous: o.previous }), key);
  return { m: m2, key: auth.exportedSessionKey };
}

/** A 2.1 connection logged on as user (signing required) and connected to "share". */
async function logon(o: SetupOptions = {}): Promise<Logon> {
  const c = await Smb2Client.connect(srv.port);
  const n = await c.negotiate([0x0210]);
  assert.is(n.status, 0, "NEGOTIATE");
  const { m, key } = await sessionSetup(c, o);
  assert.is(hexStatus(m.status), hexStatus(0), "SESSION_SETUP");
  assert.ok(signatureValid(m, key), "the final SESSION_SETUP response is signed with the new session's key");
  const t = await call(c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), key);
  assert.is(hexStatus(t.status), hexStatus(0), "TREE_CONNECT");
  c.treeId = t.treeId;
  return { c, key };
}

async function openFile(l: Logon, name: string): Promise<Buffer> {
  const m = await call(l.c, Command.CREATE, createBody(name, { createDisposition: 3 }), l.key);
  assert.is(hexStatus(m.status), hexStatus(0), `CREATE ${name}`);
  return Buffer.from(m.body.subarray(64, 80));
}

/** QUERY_INFO FilePositionInformation (class 14) on an open. */
function positionQuery(fileId: Uint8Array): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(1, 2); // SMB2_0_INFO_FILE
  b.writeUInt8(14, 3);
  b.writeUInt32LE(64, 4);
  b.set(fileId, 24);
  return b;
}

/** LOCK (2.2.26) of one range. */
function lockBody(fileId: Uint8Array, offset: bigint, length: bigint, flags: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(48, 0);
  b.writeUInt16LE(1, 2);
  b.set(fileId, 8);
  b.writeBigUInt64LE(offset, 24);
  b.writeBigUInt64LE(length, 32);
  b.writeUInt32LE(flags, 40);
  return b;
}

const logoffBody = () => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
};

test("re-authentication keeps the session key: responses stay signed with it and opens stay usable", async () => {
  const l = await logon();
  const f = await openFile(l, "reauth1.txt");
  for (const o of [{}, { anonymous: true }, {}, { user: OTHER, password: OTHER_PASSWORD }] as SetupOptions[]) {
    const { m } = await sessionSetup(l.c, { ...o, reauth: l });
    assert.is(hexStatus(m.status), hexStatus(0), `re-authentication ${JSON.stringify(o)}`);
    assert.is(m.sessionId, l.c.sessionId, "same session");
    assert.ok(signatureValid(m, l.key), "the final response is signed with the original key (3.3.5.5.2)");
    const q = await call(l.c, Command.QUERY_INFO, positionQuery(f), l.key);
    assert.is(hexStatus(q.status), hexStatus(0), "the open survives the re-authentication");
    assert.ok(signatureValid(q, l.key), "later responses are signed with the original key");
  }
  l.c.end();
});

test("a failed re-authentication ends the session with its opens", async () => {
  const l = await logon();
  await openFile(l, "reauth-fail.txt");
  const { m } = await sessionSetup(l.c, { reauth: l, password: "wrong" });
  assert.is(hexStatus(m.status), hexStatus(STATUS_LOGON_FAILURE));
  const t = await call(l.c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), l.key);
  assert.is(hexStatus(t.status), hexStatus(Status.USER_SESSION_DELETED), "the session is gone (3.3.5.5.3)");
  l.c.end();
});

test("re-authentication as an unknown user is not mapped to guest", async () => {
  const l = await logon();
  const { m } = await sessionSetup(l.c, { reauth: l, user: "nobody-here", password: "x" });
  assert.is(hexStatus(m.status), hexStatus(STATUS_LOGON_FAILURE), "map to guest = bad user applies to new logons only");
  l.c.end();
  // a new logon of an unknown user still becomes a guest session
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate([0x0210]);
  const g = await sessionSetup(c, { user: "nobody-here", password: "x" });
  assert.is(hexStatus(g.m.status), hexStatus(0));
  assert.is(g.m.body.readUInt16LE(2) & 1, 1, "SMB2_SESSION_FLAG_IS_GUEST");
  c.end();
});

test("an unsigned re-authentication of a signing session is refused and the session survives", async () => {
  const l = await logon();
  const { m } = await sessionSetup(l.c, { reauth: l, unsigned: true });
  assert.is(hexStatus(m.status), hexStatus(Status.ACCESS_DENIED));
  const t = await call(l.c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), l.key);
  assert.is(hexStatus(t.status), hexStatus(0));
  l.c.end();
});

test("PreviousSessionId logs off the same user's session on another connection, closing its opens", async () => {
  const a = await logon();
  const fa = await openFile(a, "reconnect.txt");
  // another user naming it: ignored
  const b = await logon({ user: OTHER, password: OTHER_PASSWORD, previous: a.c.sessionId });
  let q = await call(a.c, Command.QUERY_INFO, positionQuery(fa), a.key);
  assert.is(hexStatus(q.status), hexStatus(0), "a different user's PreviousSessionId is ignored");
  // the same user: the old session ends
  const c = await logon({ previous: a.c.sessionId });
  q = await call(a.c, Command.QUERY_INFO, positionQuery(fa), a.key);
  assert.is(hexStatus(q.status), hexStatus(Status.USER_SESSION_DELETED), "the previous session is gone");
  const again = await call(c.c, Command.CREATE, createBody("reconnect.txt", { createDisposition: 1, shareAccess: 0 }), c.key);
  assert.is(hexStatus(again.status), hexStatus(0), "its open was closed (no share-mode conflict)");
  for (const x of [a, b, c]) x.c.end();
});

test("LOGOFF ends the session's pending requests first, signed, then answers", async () => {
  const k = await logon();
  const g1 = await openFile(k, "logoff-lock.txt");
  const g2 = await openFile(k, "logoff-lock.txt");
  assert.is((await call(k.c, Command.LOCK, lockBody(g1, 0n, 10n, 0x2 | 0x10), k.key)).status, 0);
  const pend = await call(k.c, Command.LOCK, lockBody(g2, 0n, 10n, 0x2), k.key);
  assert.is(hexStatus(pend.status), hexStatus(STATUS_PENDING));
  const h = k.c.nextHeader(Command.LOGOFF);
  const logoffMid = h.readBigUInt64LE(24);
  k.c.sendFrame(signed(h, logoffBody(), k.key));
  const [r1] = await k.c.recv();
  const [r2] = await k.c.recv();
  assert.is(r1.messageId, pend.messageId, "the pending LOCK is answered before the LOGOFF");
  assert.ok((r1.flags & FLAGS_ASYNC) !== 0, "final async response");
  assert.ok(r1.status !== STATUS_PENDING && r1.status !== 0, `the pending LOCK ended (${hexStatus(r1.status)})`);
  assert.ok(signatureValid(r1, k.key), "and its final response is signed");
  assert.is(r2.messageId, logoffMid);
  assert.is(hexStatus(r2.status), hexStatus(0), "LOGOFF");
  assert.ok(signatureValid(r2, k.key), "the LOGOFF response is signed");
  const t = await call(k.c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), k.key);
  assert.is(hexStatus(t.status), hexStatus(Status.USER_SESSION_DELETED));
  k.c.end();
});

test("binding over SMB 2.1 is refused (multichannel is 3.x); the error to a signed request is signed", async () => {
  const a = await logon();
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate([0x0210]);
  const neg = negotiateMessage();
  const m = await call(c, Command.SESSION_SETUP, setupBody(negTokenInit([OID_NTLMSSP], neg), { flags: 1 }), a.key, { sessionId: a.c.sessionId });
  assert.is(hexStatus(m.status), hexStatus(STATUS_REQUEST_NOT_ACCEPTED));
  assert.ok(signatureValid(m, a.key), "signed with the session's key");
  const q = await call(a.c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), a.key);
  assert.is(hexStatus(q.status), hexStatus(0), "the session is untouched");
  a.c.end();
  c.end();
});

test("a request naming another connection's session gets a signed error only when it is signed with that session's key (no MAC oracle)", async () => {
  const a = await logon();
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate([0x0210]);
  const USER_SESSION_DELETED = 0xc0000203;
  // a forged signature (anyone who knows the session id): an unsigned answer, no MAC of it
  const forged = randomBytes(16);
  const f = await call(c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), forged, { sessionId: a.c.sessionId });
  assert.is(hexStatus(f.status), hexStatus(USER_SESSION_DELETED));
  assert.is(f.flags & FLAGS_SIGNED, 0, "not signed");
  assert.ok(f.raw.subarray(48, 64).every((x) => x === 0), "signature field empty");
  // the same over SESSION_SETUP with SMB2_SESSION_FLAG_BINDING
  const b = await call(c, Command.SESSION_SETUP, setupBody(negTokenInit([OID_NTLMSSP], negotiateMessage()), { flags: 1 }), forged, { sessionId: a.c.sessionId });
  assert.is(b.flags & FLAGS_SIGNED, 0, "binding refusal to a forged request not signed");
  // signed with the session's real key: the error is signed with it (the client checks it)
  const g = await call(c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\share"), a.key, { sessionId: a.c.sessionId });
  assert.is(hexStatus(g.status), hexStatus(USER_SESSION_DELETED));
  assert.ok(signatureValid(g, a.key), "signed with the session's key");
  a.c.end();
  c.end();
});

test("session ids are non-zero 32-bit values; unknown shares → STATUS_BAD_NETWORK_NAME", async () => {
  const ids = new Set<bigint>();
  for (let i = 0; i < 4; i++) {
    const l = await logon();
    assert.ok(l.c.sessionId > 0n && l.c.sessionId < 0xffffffffn, `id ${l.c.sessionId}`);
    ids.add(l.c.sessionId);
    const t = await call(l.c, Command.TREE_CONNECT, treeConnectBody("\\\\127.0.0.1\\no-such-share"), l.key);
    assert.is(hexStatus(t.status), hexStatus(STATUS_BAD_NETWORK_NAME));
    l.c.end();
  }
  assert.is(ids.size, 4);
});

test("an NTLMv2 response whose AV pairs run past the end → STATUS_INVALID_PARAMETER", async () => {
  const c = await Smb2Client.connect(srv.port);
  await c.negotiate([0x0210]);
  const blob = Buffer.concat([
    Buffer.alloc(16, 0xab), Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), Buffer.alloc(8, 0x3f), Buffer.alloc(8, 0x11),
    Buffer.alloc(4), Buffer.from([0x11, 0xa2, 0x08, 0x81]), Buffer.alloc(20, 0x55),
  ]);
  const { m } = await sessionSetup(c, { ntResponse: blob });
  assert.is(hexStatus(m.status), hexStatus(Status.INVALID_PARAMETER), "like Windows and Samba (bug 14932)");
  c.end();
});

test.run();

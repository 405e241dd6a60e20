// A raw SMB 2.1/3.x test client with real keys: NEGOTIATE with contexts and the 3.1.1 preauth
// hash (MS-SMB2 3.2.5.2), an NTLMv2 SESSION_SETUP deriving the session's keys (3.2.5.3.1),
// signed requests (3.1.4.1) and encrypted ones in a TRANSFORM_HEADER (3.1.4.3), responses
// decrypted and checked. Built on smb2-raw.ts (framing) and smb3-crypto.ts (the crypto).
import {
  Smb2Client, Command, Status, negotiateBody, preauthContext, encryptionContext, signingContext, compound, parseMessages,
  treeConnectBody, createBody, closeBody, writeBody, readBody, hexStatus, type NegotiateContext, type Smb2Message, type CreateOptions,
} from "./smb2-raw.ts";
import {
  negotiateMessage, negTokenInit, negTokenResp, parseNegTokenResp, authenticateMessage, ntHash, parseChallenge,
  OID_NTLMSSP, NEGOTIATE_KEY_EXCH,
} from "./ntlm-client.ts";
import {
  PreauthHash, deriveKeys, signingAlgorithm, sign, verifySignature, seal, open, TRANSFORM_PROTOCOL_ID, type SessionKeys, type Opened,
} from "./smb3-crypto.ts";

export const SMB2_GLOBAL_CAP_ENCRYPTION = 0x40;
export const SESSION_FLAG_IS_GUEST = 0x1;
export const SESSION_FLAG_IS_NULL = 0x2;
export const SESSION_FLAG_ENCRYPT_DATA = 0x4;
export const SHAREFLAG_ENCRYPT_DATA = 0x8000;
export const STATUS_PENDING = 0x00000103;
export const FLAGS_ASYNC = 0x2;
export const FLAGS_SIGNED = 0x8;

export interface SecureOptions {
  /** Dialects offered (default 3.1.1 only). */
  dialects?: number[];
  /** Ciphers in the 3.1.1 SMB2_ENCRYPTION_CAPABILITIES context; null = no such context. */
  ciphers?: number[] | null;
  /** Algorithms in the SMB2_SIGNING_CAPABILITIES context; null = no such context (CMAC). */
  signing?: number[] | null;
  /** NEGOTIATE Capabilities (default 0x7f, which includes SMB2_GLOBAL_CAP_ENCRYPTION). */
  capabilities?: number;
}

export interface LogonOptions {
  user?: string;
  password?: string;
  anonymous?: boolean;
  /** SESSION_SETUP SecurityMode (default 2: signing required, so the session signs). */
  securityMode?: number;
}

/** A received frame: its messages, and the transform header when it came encrypted. */
export interface Received {
  messages: Smb2Message[];
  encrypted: boolean;
  transform?: Opened;
  /** The frame as it came (transform header included). */
  wire: Buffer;
}

export interface SendHow {
  /** Put the message in a TRANSFORM_HEADER (default: this.encrypt). */
  encrypt?: boolean;
  /** Sign it (default: when not encrypted and the session has keys). */
  sign?: boolean;
  /** Change the message after signing, before encryption (tampering tests). */
  mutate?: (m: Buffer) => void;
  /** TreeId for this request (default: the current one). */
  treeId?: number;
}

/** SESSION_SETUP request body (2.2.5) with the given SecurityMode. */
export function setupBody(token: Uint8Array, securityMode = 2): Buffer {
  const b = Buffer.alloc(24 + token.length);
  b.writeUInt16LE(25, 0);
  b.writeUInt8(securityMode, 3);
  b.writeUInt16LE(88, 12);
  b.writeUInt16LE(token.length, 14);
  b.set(token, 24);
  return b;
}

/** LOCK request body (2.2.26) with one element. */
export function lockBody(fileId: Uint8Array, offset: bigint, length: bigint, flags: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(48, 0);
  b.writeUInt16LE(1, 2);
  b.set(fileId, 8);
  b.writeBigUInt64LE(offset, 24);
  b.writeBigUInt64LE(length, 32);
  b.writeUInt32LE(flags, 40);
  return b;
}
export const LOCK_EXCLUSIVE = 0x2;
export const LOCK_FAIL_IMMEDIATELY = 0x10;

/** CHANGE_NOTIFY request body (2.2.35). */
export function changeNotifyBody(fileId: Uint8Array, filter = 0x1 | 0x2, outputBufferLength = 4096): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt32LE(outputBufferLength, 4);
  b.set(fileId, 8);
  b.writeUInt32LE(filter, 24);
  return b;
}

export const emptyBody = (structureSize = 4): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(structureSize, 0);
  return b;
};

/** A response with how it came. */
export type Reply = Smb2Message & { encrypted: boolean; wire: Buffer };

/** One connection with one session, speaking signed or encrypted SMB2/3. */
export class SecureClient {
  dialect = 0;
  cipher = 0;
  signingAlg = 0;
  serverCapabilities = 0;
  sessionFlags = 0;
  keys: SessionKeys | null = null;
  /** Encrypt requests by default (after SESSION_SETUP). */
  encrypt = false;
  /** The raw NEGOTIATE response. */
  negotiateResponse: Smb2Message | null = null;
  sessionId = 0n;
  treeId = 0;
  private preauth = new PreauthHash();

  constructor(readonly c: Smb2Client) {}

  static async connect(port: number): Promise<SecureClient> {
    return new SecureClient(await Smb2Client.connect(port));
  }

  /** Another session on the same connection (same negotiated state; MessageIds are shared). */
  another(): SecureClient {
    const o = new SecureClient(this.c);
    o.dialect = this.dialect;
    o.cipher = this.cipher;
    o.signingAlg = this.signingAlg;
    o.serverCapabilities = this.serverCapabilities;
    o.preauth = this.preauth.clone();
    return o;
  }

  /** NEGOTIATE; records the dialect, the cipher (context or 3.0 capability) and the signing algorithm. */
  async negotiate(o: SecureOptions = {}): Promise<Smb2Message> {
    const dialects = o.dialects ?? [0x0311];
    const contexts: NegotiateContext[] = [preauthContext()];
    if (o.ciphers !== null) contexts.push(encryptionContext(o.ciphers ?? [2, 1, 4, 3]));
    if (o.signing !== null && o.signing !== undefined) contexts.push(signingContext(o.signing));
    const req = Buffer.concat([this.c.nextHeader(Command.NEGOTIATE, { sessionId: 0n, treeId: 0 }), negotiateBody(dialects, { contexts, capabilities: o.capabilities ?? 0x7f, securityMode: 1 })]);
    this.c.sendFrame(req);
    const wire = await this.c.nextFrame();
    if (typeof wire === "string") throw new Error(`NEGOTIATE: connection ${wire}`);
    const [m] = parseMessages(wire);
    this.negotiateResponse = m;
    if (m.status !== 0) return m;
    this.dialect = m.body.readUInt16LE(4);
    this.serverCapabilities = m.body.readUInt32LE(24);
    this.signingAlg = signingAlgorithm(this.dialect);
    if (this.dialect === 0x0311) {
      this.preauth.update(req).update(wire);
      for (const ctx of negotiateContexts(m)) {
        if (ctx.type === 2) this.cipher = ctx.data.readUInt16LE(2);
        if (ctx.type === 8) this.signingAlg = ctx.data.readUInt16LE(2);
      }
    } else if (this.dialect >= 0x0300 && (this.serverCapabilities & SMB2_GLOBAL_CAP_ENCRYPTION) !== 0) {
      this.cipher = 1; // 3.0/3.0.2: AES-128-CCM
    }
    return m;
  }

  /**
   * NTLMv2 SESSION_SETUP in two legs; on success derives the keys (the session's preauth hash
   * covers both requests and the first response, 3.2.5.3.1). Returns the final response.
   */
  async logon(o: LogonOptions = {}): Promise<Smb2Message> {
    const hash = this.preauth.clone();
    const neg = negotiateMessage();
    const req1 = Buffer.concat([this.c.nextHeader(Command.SESSION_SETUP, { sessionId: 0n }), setupBody(negTokenInit([OID_NTLMSSP], neg), o.securityMode)]);
    this.c.sendFrame(req1);
    const w1 = await this.nextPlain();
    const [m1] = parseMessages(w1);
    if (m1.status !== Status.MORE_PROCESSING_REQUIRED) return m1;
    this.sessionId = m1.sessionId;
    hash.update(req1).update(w1);
    const off = m1.body.readUInt16LE(4) - 64;
    const challenge = parseNegTokenResp(m1.body.subarray(off, off + m1.body.readUInt16LE(6))).responseToken as Uint8Array;
    const anon = o.anonymous === true;
    const auth = authenticateMessage({
      user: anon ? "" : (o.user ?? ""), domain: anon ? "" : "WORKGROUP", hash: anon ? new Uint8Array(16) : ntHash(o.password ?? ""),
      negotiate: neg, challenge, mic: !anon,
      ...(anon ? { ntResponse: new Uint8Array(0), lmResponse: new Uint8Array(0), flags: parseChallenge(challenge).flags & ~NEGOTIATE_KEY_EXCH } : {}),
    });
    const req2 = Buffer.concat([this.c.nextHeader(Command.SESSION_SETUP, { sessionId: this.sessionId }), setupBody(negTokenResp(auth.message), o.securityMode)]);
    this.c.sendFrame(req2);
    hash.update(req2);
    const w2 = await this.nextPlain();
    const [m2] = parseMessages(w2);
    if (m2.status === 0) {
      this.sessionFlags = m2.body.readUInt16LE(2);
      // guest and anonymous sessions have no keys (3.3.5.5.3): nothing is signed or encrypted
      if ((this.sessionFlags & (SESSION_FLAG_IS_GUEST | SESSION_FLAG_IS_NULL)) === 0) {
        this.keys = deriveKeys(this.dialect, auth.exportedSessionKey, hash.value, this.cipher);
      }
    }
    return m2;
  }

  private async nextPlain(): Promise<Buffer> {
    const w = await this.c.nextFrame();
    if (typeof w === "string") throw new Error(`no response: connection ${w}`);
    return w;
  }

  /** The keys (throws before a successful logon). */
  get k(): SessionKeys {
    if (!this.keys) throw new Error("no session keys");
    return this.keys;
  }

  /** True when msg carries a valid signature under the session's signing key. */
  signedOk(m: Smb2Message | Buffer): boolean {
    return verifySignature(Buffer.isBuffer(m) ? m : m.raw, this.k.signing, this.signingAlg);
  }

  /** A request message (header + body) with the next MessageId. */
  build(command: number, body: Uint8Array, o: { treeId?: number; sessionId?: bigint; flags?: number; creditCharge?: number } = {}): Buffer {
    return Buffer.concat([this.c.nextHeader(command, { sessionId: this.sessionId, treeId: this.treeId, ...o }), body]);
  }

  /** Encrypts one message or compound into a TRANSFORM_HEADER frame body. */
  sealed(msg: Uint8Array, sessionId = this.sessionId): Buffer {
    return seal(msg, this.k.encryption, this.cipher, sessionId);
  }

  /** Sends messages (one, or a compound of several) signed and/or encrypted as asked. */
  sendMessages(msgs: Buffer[], how: SendHow = {}): void {
    const enc = how.encrypt ?? this.encrypt;
    const doSign = how.sign ?? (!enc && this.keys !== null);
    let out = msgs.length === 1 ? msgs[0] : compound(msgs);
    if (doSign) {
      // sign each message of the compound over its padded extent (3.1.4.1)
      const parts: Buffer[] = [];
      for (let off = 0; off < out.length; ) {
        const next = out.readUInt32LE(off + 20);
        const end = next === 0 ? out.length : off + next;
        parts.push(sign(out.subarray(off, end), this.k.signing, this.signingAlg));
        off = end;
      }
      out = Buffer.concat(parts);
    }
    how.mutate?.(out);
    this.c.sendFrame(enc ? this.sealed(out) : out);
  }

  /** The next frame, decrypted when it came in a TRANSFORM_HEADER; throws on close/timeout. */
  async receive(ms = 5000): Promise<Received> {
    const wire = await this.c.nextFrame(ms);
    if (typeof wire === "string") throw new Error(`no response: connection ${wire}`);
    if (wire.readUInt32LE(0) === TRANSFORM_PROTOCOL_ID) {
      const t = open(wire, this.k.decryption, this.cipher);
      return { messages: parseMessages(t.message), encrypted: true, transform: t, wire };
    }
    return { messages: parseMessages(wire), encrypted: false, wire };
  }

  /** Sends one request and returns its (first) response with how it came. */
  async call(command: number, body: Uint8Array, how: SendHow = {}, ms = 5000): Promise<Reply> {
    const msg = this.build(command, body, how.treeId === undefined ? {} : { treeId: how.treeId });
    const mid = msg.readBigUInt64LE(24);
    this.sendMessages([msg], how);
    const r = await this.receive(ms);
    const m = r.messages[0];
    if (m.messageId !== mid) throw new Error(`response MessageId ${m.messageId}, expected ${mid} (${hexStatus(m.status)})`);
    return { ...m, encrypted: r.encrypted, wire: r.wire };
  }

  async treeConnect(share: string, how: SendHow = {}): Promise<Reply> {
    const m = await this.call(Command.TREE_CONNECT, treeConnectBody(`\\\\127.0.0.1\\${share}`), how);
    if (m.status === 0) this.treeId = m.treeId;
    return m;
  }

  async create(name: string, o: CreateOptions = {}, how: SendHow = {}): Promise<Reply & { fileId: Buffer }> {
    const m = await this.call(Command.CREATE, createBody(name, o), how);
    return { ...m, fileId: Buffer.from(m.status === 0 ? m.body.subarray(64, 80) : Buffer.alloc(16)) };
  }

  write(fileId: Uint8Array, offset: bigint, data: Uint8Array, how: SendHow = {}) {
    return this.call(Command.WRITE, writeBody(fileId, offset, data), how);
  }

  /** READ; the data is in the result when it succeeded. */
  async read(fileId: Uint8Array, offset: bigint, length: number, how: SendHow = {}): Promise<Reply & { data: Buffer }> {
    const m = await this.call(Command.READ, readBody(fileId, offset, length), how);
    const data = m.status === 0 ? Buffer.from(m.raw.subarray(m.body.readUInt8(2), m.body.readUInt8(2) + m.body.readUInt32LE(4))) : Buffer.alloc(0);
    return { ...m, data };
  }

  close(fileId: Uint8Array, how: SendHow = {}) {
    return this.call(Command.CLOSE, closeBody(fileId), how);
  }

  end(): void {
    this.c.end();
  }
}

/** The NegotiateContextList of a 3.1.1 NEGOTIATE response (2.2.4). */
export function negotiateContexts(m: Smb2Message): { type: number; data: Buffer }[] {
  const out: { type: number; data: Buffer }[] = [];
  const count = m.body.readUInt16LE(6);
  let off = m.body.readUInt32LE(60);
  for (let i = 0; i < count && off + 8 <= m.raw.length; i++) {
    const type = m.raw.readUInt16LE(off);
    const len = m.raw.readUInt16LE(off + 2);
    out.push({ type, data: Buffer.from(m.raw.subarray(off + 8, off + 8 + len)) });
    off = (off + 8 + len + 7) & ~7;
  }
  return out;
}

/** Negotiated and logged on (throws when either fails). */
export async function secureLogon(port: number, o: SecureOptions & LogonOptions = {}): Promise<SecureClient> {
  const s = await SecureClient.connect(port);
  const n = await s.negotiate(o);
  if (n.status !== 0) throw new Error(`NEGOTIATE: ${hexStatus(n.status)}`);
  const m = await s.logon(o);
  if (m.status !== 0) {
    s.end();
    throw new Error(`SESSION_SETUP: ${hexStatus(m.status)}`);
  }
  return s;
}

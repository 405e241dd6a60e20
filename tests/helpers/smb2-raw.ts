// A minimal raw SMB2 client over node:net for tests (MS-SMB2 2.1 direct TCP, 2.2 messages):
// builds headers and request bodies field by field, so tests can send malformed ones.
import * as net from "node:net";
import { negotiateBody, sessionSetupBody, treeConnectBody, createBody, closeBody, echoBody, type NegotiateOptions, type CreateOptions } from "./smb2-bodies.ts";
import { negotiateMessage, negTokenInit, negTokenResp, parseNegTokenResp, authenticateMessage, parseChallenge, OID_NTLMSSP, NEGOTIATE_KEY_EXCH } from "./ntlm-client.ts";

export * from "./smb2-bodies.ts";

export const Command = {
  NEGOTIATE: 0, SESSION_SETUP: 1, LOGOFF: 2, TREE_CONNECT: 3, TREE_DISCONNECT: 4, CREATE: 5, CLOSE: 6,
  FLUSH: 7, READ: 8, WRITE: 9, LOCK: 10, IOCTL: 11, CANCEL: 12, ECHO: 13, QUERY_DIRECTORY: 14,
  CHANGE_NOTIFY: 15, QUERY_INFO: 16, SET_INFO: 17, OPLOCK_BREAK: 18,
} as const;

/** Request body StructureSize per command (MS-SMB2 2.2.x), indexed by command code. */
export const REQUEST_STRUCTURE_SIZE = [36, 25, 4, 9, 4, 57, 24, 24, 49, 49, 48, 57, 4, 4, 33, 32, 41, 33, 24];

export const Status = {
  SUCCESS: 0x00000000, MORE_PROCESSING_REQUIRED: 0xc0000016, INVALID_PARAMETER: 0xc000000d,
  OBJECT_NAME_INVALID: 0xc0000033, OBJECT_NAME_NOT_FOUND: 0xc0000034, NOT_SUPPORTED: 0xc00000bb,
  ACCESS_DENIED: 0xc0000022, FILE_CLOSED: 0xc0000128, USER_SESSION_DELETED: 0xc0000203,
} as const;

export const Dialect = { SMB202: 0x0202, SMB210: 0x0210, SMB300: 0x0300, SMB302: 0x0302, SMB311: 0x0311 } as const;
export const ALL_DIALECTS = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];

export const FLAGS_SERVER_TO_REDIR = 0x1;
export const FLAGS_RELATED_OPERATIONS = 0x4;
export const FLAGS_SIGNED = 0x8;

export const hexStatus = (s: number) => `0x${(s >>> 0).toString(16).padStart(8, "0")}`;
const align8 = (n: number) => (n + 7) & ~7;

// ---- header (MS-SMB2 2.2.1.2) ----

export interface HeaderFields {
  command: number;
  messageId: bigint | number;
  creditCharge?: number;
  creditRequest?: number;
  flags?: number;
  sessionId?: bigint | number;
  treeId?: number;
  nextCommand?: number;
  /** ChannelSequence/Reserved (the Status field of a request). */
  status?: number;
  structureSize?: number;
  protocolId?: number;
}

/** A 64-byte SMB2 sync header. */
export function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(f.protocolId ?? 0x424d53fe, 0);
  h.writeUInt16LE(f.structureSize ?? 64, 4);
  h.writeUInt16LE(f.creditCharge ?? 1, 6);
  h.writeUInt32LE(f.status ?? 0, 8);
  h.writeUInt16LE(f.command, 12);
  h.writeUInt16LE(f.creditRequest ?? 64, 14);
  h.writeUInt32LE(f.flags ?? 0, 16);
  h.writeUInt32LE(f.nextCommand ?? 0, 20);
  h.writeBigUInt64LE(BigInt(f.messageId), 24);
  h.writeUInt32LE(0xfeff, 32); // Reserved (ProcessId)
  h.writeUInt32LE(f.treeId ?? 0, 36);
  h.writeBigUInt64LE(BigInt(f.sessionId ?? 0), 40);
  return h;
}

/** Direct TCP transport packet (MS-SMB2 2.1): 0x00 + 24-bit big-endian length + message. */
export function frame(msg: Uint8Array): Buffer {
  const f = Buffer.alloc(4 + msg.length);
  f.writeUInt32BE(msg.length & 0xffffff, 0);
  f.set(msg, 4);
  return f;
}

/** Chains messages into one compound (3.2.4.1.4): pads each to 8 bytes and sets NextCommand. */
export function compound(msgs: Uint8Array[]): Buffer {
  const parts = msgs.map((m, i) => {
    const b = Buffer.alloc(i < msgs.length - 1 ? align8(m.length) : m.length);
    b.set(m);
    if (i < msgs.length - 1) b.writeUInt32LE(b.length, 20);
    return b;
  });
  return Buffer.concat(parts);
}

// ---- responses ----

export interface Smb2Message {
  status: number;
  command: number;
  messageId: bigint;
  creditCharge: number;
  creditResponse: number;
  flags: number;
  nextCommand: number;
  treeId: number;
  sessionId: bigint;
  /** Header + body of this message. */
  raw: Buffer;
  body: Buffer;
}

/** Splits one received frame (without the 4-byte transport header) into its compounded messages. */
export function parseMessages(f: Buffer): Smb2Message[] {
  const out: Smb2Message[] = [];
  for (let off = 0; ; ) {
    if (f.length - off < 64 || f.readUInt32LE(off) !== 0x424d53fe) throw new Error(`bad SMB2 message at ${off}: ${f.subarray(off, off + 64).toString("hex")}`);
    const next = f.readUInt32LE(off + 20);
    const end = next === 0 ? f.length : off + next;
    const raw = f.subarray(off, end);
    out.push({
      creditCharge: raw.readUInt16LE(6), status: raw.readUInt32LE(8), command: raw.readUInt16LE(12),
      creditResponse: raw.readUInt16LE(14), flags: raw.readUInt32LE(16), nextCommand: next,
      messageId: raw.readBigUInt64LE(24), treeId: raw.readUInt32LE(36), sessionId: raw.readBigUInt64LE(40),
      raw, body: raw.subarray(64),
    });
    if (next === 0) return out;
    off = end;
  }
}

/** SPNEGO negTokenResp carrying an anonymous NTLMSSP AUTHENTICATE (empty user, empty LM/NT responses). */
export function anonymousAuthenticateToken(negotiate: Uint8Array, challenge: Uint8Array): Uint8Array {
  const auth = authenticateMessage({
    user: "", domain: "", hash: new Uint8Array(16), negotiate, challenge, mic: false,
    ntResponse: new Uint8Array(0), lmResponse: new Uint8Array(0), flags: parseChallenge(challenge).flags & ~NEGOTIATE_KEY_EXCH,
  });
  return negTokenResp(auth.message);
}

/** The NTLMSSP CHALLENGE inside the security buffer of a SESSION_SETUP response. */
export function challengeOf(m: Smb2Message): Uint8Array {
  const off = m.body.readUInt16LE(4) - 64;
  const t = parseNegTokenResp(m.body.subarray(off, off + m.body.readUInt16LE(6))).responseToken;
  if (!t) throw new Error("SESSION_SETUP response without a CHALLENGE");
  return t;
}

// ---- the connection ----

export interface SendOptions extends Partial<HeaderFields> {
  /** Charge and MessageId to use (default: the next free MessageId, charge 1). */
  messageId?: bigint | number;
}

/** One TCP connection speaking raw SMB2; frames are parsed as they arrive. */
export class Smb2Client {
  messageId = 0n;
  sessionId = 0n;
  treeId = 0;
  dialect = 0;
  closed = false;
  private rx = Buffer.alloc(0);
  private frames: Buffer[] = [];
  private wake: (() => void) | null = null;
  private closedPromise: Promise<void>;
  /** The client-side port (kept after close): the server logs this peer as 127.0.0.1:<localPort>. */
  readonly localPort: number;

  private constructor(readonly sock: net.Socket) {
    this.localPort = sock.localPort ?? 0;
    sock.setNoDelay(true);
    sock.on("data", (d: Buffer) => {
      this.rx = Buffer.concat([this.rx, d]);
      while (this.rx.length >= 4) {
        const len = this.rx.readUInt32BE(0) & 0xffffff;
        if (this.rx.length < 4 + len) break;
        this.frames.push(this.rx.subarray(4, 4 + len));
        this.rx = this.rx.subarray(4 + len);
      }
      this.notify();
    });
    sock.on("error", () => undefined); // ECONNRESET etc.: seen as a close
    this.closedPromise = new Promise((resolve) => sock.once("close", () => {
      this.closed = true;
      this.notify();
      resolve();
    }));
  }

  /** Connects to 127.0.0.1:port (or host). */
  static connect(port: number, host = "127.0.0.1"): Promise<Smb2Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
        s.off("error", reject);
        resolve(new Smb2Client(s));
      });
      s.once("error", reject);
    });
  }


  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Sends bytes as they are (no transport header). */
  sendRaw(bytes: Uint8Array): void {
    if (!this.sock.destroyed) this.sock.write(bytes);
  }

  /** Sends one message (or compound) with the 4-byte direct-TCP header. */
  sendFrame(msg: Uint8Array): void {
    this.sendRaw(frame(msg));
  }

  /** Next whole frame; "closed" if the server closed the connection first, "timeout" after ms. */
  async nextFrame(ms = 5000): Promise<Buffer | "closed" | "timeout"> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.closed) return "closed";
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Next frame split into messages; throws on close or timeout. */
  async recv(ms = 5000): Promise<Smb2Message[]> {
    const f = await this.nextFrame(ms);
    if (typeof f === "string") throw new Error(`no response: connection ${f}`);
    return parseMessages(f);
  }

  /** Resolves true once the server has closed the connection, false if still open after ms. */
  async waitClosed(ms = 3000): Promise<boolean> {
    if (this.closed) return true;
    let t: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([this.closedPromise.then(() => true), new Promise<boolean>((res) => (t = setTimeout(() => res(false), ms)))]);
    clearTimeout(t);
    return r;
  }

  /** A header for the next request from this connection's state (MessageId advances by the charge). */
  nextHeader(command: number, o: SendOptions = {}): Buffer {
    const charge = o.creditCharge ?? 1;
    const messageId = o.messageId ?? this.messageId;
    if (o.messageId === undefined) this.messageId += BigInt(Math.max(charge, 1));
    return header({ sessionId: this.sessionId, treeId: this.treeId, ...o, command, messageId, creditCharge: charge });
  }

  /** Sends header + body; returns the MessageId used. */
  send(command: number, body: Uint8Array, o: SendOptions = {}): bigint {
    const h = this.nextHeader(command, o);
    this.sendFrame(Buffer.concat([h, body]));
    return h.readBigUInt64LE(24);
  }

  /** Sends one request and returns its response (throws on close/timeout or a MessageId mismatch). */
  async request(command: number, body: Uint8Array, o: SendOptions = {}, ms = 5000): Promise<Smb2Message> {
    const mid = this.send(command, body, o);
    const [m] = await this.recv(ms);
    if (m.messageId !== mid) throw new Error(`response MessageId ${m.messageId}, expected ${mid}`);
    return m;
  }

  /** NEGOTIATE (3.2.4.2.2.2); on success records the dialect. */
  async negotiate(dialects = ALL_DIALECTS, o: NegotiateOptions = {}): Promise<Smb2Message> {
    const m = await this.request(Command.NEGOTIATE, negotiateBody(dialects, o));
    if (m.status === 0) this.dialect = m.body.readUInt16LE(4);
    return m;
  }

  /** Anonymous SESSION_SETUP: SPNEGO NTLMSSP NEGOTIATE, then AUTHENTICATE with empty user and responses. */
  async sessionSetupAnonymous(): Promise<Smb2Message> {
    const neg = negotiateMessage();
    const m1 = await this.request(Command.SESSION_SETUP, sessionSetupBody(negTokenInit([OID_NTLMSSP], neg)));
    if (m1.status !== Status.MORE_PROCESSING_REQUIRED) return m1;
    this.sessionId = m1.sessionId;
    const challenge = challengeOf(m1);
    return this.request(Command.SESSION_SETUP, sessionSetupBody(anonymousAuthenticateToken(neg, challenge)));
  }

  /** TREE_CONNECT to \\127.0.0.1\<share>; on success records the TreeId. */
  async treeConnect(share: string): Promise<Smb2Message> {
    const m = await this.request(Command.TREE_CONNECT, treeConnectBody(`\\\\127.0.0.1\\${share}`));
    if (m.status === 0) this.treeId = m.treeId;
    return m;
  }

  /** CREATE; the FileId (16 bytes) is in the result when it succeeded. */
  async create(name: string, o: CreateOptions = {}): Promise<Smb2Message & { fileId?: Buffer }> {
    const m = await this.request(Command.CREATE, createBody(name, o));
    return m.status === 0 ? { ...m, fileId: Buffer.from(m.body.subarray(64, 80)) } : m;
  }

  close(fileId: Uint8Array): Promise<Smb2Message> {
    return this.request(Command.CLOSE, closeBody(fileId));
  }

  echo(ms = 5000): Promise<Smb2Message> {
    return this.request(Command.ECHO, echoBody(), {}, ms);
  }

  /** Closes our side. */
  end(): void {
    this.sock.destroy();
  }
}

/** A connection that negotiated, logged on anonymously and connected to `share` (throws otherwise). */
export async function connectAnonymous(port: number, share = "share", dialects = ALL_DIALECTS): Promise<Smb2Client> {
  const c = await Smb2Client.connect(port);
  for (const [what, m] of [["NEGOTIATE", () => c.negotiate(dialects)], ["SESSION_SETUP", () => c.sessionSetupAnonymous()], ["TREE_CONNECT", () => c.treeConnect(share)]] as const) {
    const r = await m();
    if (r.status !== 0) {
      c.end();
      throw new Error(`${what} failed: ${hexStatus(r.status)}`);
    }
  }
  return c;
}

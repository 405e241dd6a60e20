// Reactive replay of one recorded connection against the in-process core: client frames are fed
// in order with the recorded SessionIds/TreeIds/FileIds/AsyncIds/resume keys mapped to the ones
// the live core returned (learnt by MessageId from the recorded response skeletons), NTLM
// AUTHENTICATE messages recomputed for the live server challenge (the corpus records the
// credentials), and requests re-signed (and, on request, sealed) with the live session's keys —
// so that mutated post-logon requests reach the command handlers.
import { authenticateMessage, negTokenResp, ntHash, ntlmSignature } from "../helpers/ntlm-client.ts";
import { deriveKeys, open as openTransform, PreauthHash, seal, sign, signingAlgorithm, type SessionKeys } from "../helpers/smb3-crypto.ts";
import type { Conversation } from "./corpus.ts";
import { type Driver, type HostConn, transient } from "./driver.ts";

const SMB2 = 0x424d53fe;
const TRANSFORM = 0x424d53fd;
const FLAG_RESPONSE = 0x1;
const FLAG_ASYNC = 0x2;
const FLAG_SIGNED = 0x8;
const STATUS_MORE_PROCESSING = 0xc0000016;
const STATUS_PENDING = 0x103;
const FSCTL_REQUEST_RESUME_KEY = 0x00140078;
const FSCTL_COPYCHUNK = 0x001440f2;
const FSCTL_COPYCHUNK_WRITE = 0x001480f2;

/** Offset of the FileId in a request body, by command (MS-SMB2 2.2.x). */
const FILEID_AT: Record<number, number> = { 6: 8, 7: 8, 8: 16, 9: 16, 10: 8, 11: 8, 14: 8, 15: 8, 16: 24, 17: 16, 18: 8 };

/** One harness action of an execution (a crash file's meta.actions lists them). */
export type Step =
  | { t: "send"; /** index into the execution's frames */ f: number; /** delivery chunk sizes */ split?: number[]; /** NBSS length override */ nbss?: number; raw?: boolean; seal?: boolean }
  | { t: "tick"; ms: number }
  | { t: "flush" }
  | { t: "drain" }
  | { t: "close" };

export interface Exec {
  conv: Conversation;
  frames: Uint8Array[];
  steps: Step[];
  /** Probability of deferring a completion. */
  defer: number;
  seed: number;
  peer: string;
}

interface RecMsg {
  cmd: number;
  status: number;
  flags: number;
  sid: bigint;
  tid: number;
  asyncId: bigint;
  body: Uint8Array;
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** One line per message of a frame: command, MessageId, flags, status, FileId (for traces). */
export function describe(f: Uint8Array): string {
  const ms = messages(f);
  if (ms.length === 0) return `[${f.length} bytes, not SMB2: ${hexOf(f.subarray(0, 16))}]`;
  return ms.map(({ off, end }) => {
    const m = f.subarray(off, end);
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const cmd = dv.getUint16(12, true);
    const at = FILEID_AT[cmd];
    const fid = at !== undefined && 64 + at + 16 <= m.length ? ` fid=${hexOf(m.subarray(64 + at, 64 + at + 16))}` : "";
    return `[cmd=${cmd} mid=${dv.getBigUint64(24, true)} flags=${dv.getUint32(16, true).toString(16)} st=${dv.getUint32(8, true).toString(16)} len=${end - off}${fid}]`;
  }).join("");
}

function messages(f: Uint8Array, max = 64): Array<{ off: number; end: number }> {
  const out: Array<{ off: number; end: number }> = [];
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  for (let off = 0; off + 64 <= f.length && dv.getUint32(off, true) === SMB2 && out.length < max; ) {
    const next = dv.getUint32(off + 20, true);
    const end = next === 0 || off + next > f.length || next < 64 ? f.length : off + next;
    out.push({ off, end });
    if (end === f.length) break;
    off = end;
  }
  return out;
}

function parseRec(m: Uint8Array): RecMsg {
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const flags = dv.getUint32(16, true);
  return {
    cmd: dv.getUint16(12, true), status: dv.getUint32(8, true), flags,
    sid: dv.getBigUint64(40, true), tid: flags & FLAG_ASYNC ? 0 : dv.getUint32(36, true),
    asyncId: flags & FLAG_ASYNC ? dv.getBigUint64(32, true) : 0n, body: m.subarray(64),
  };
}

/** DER TLV at `at`: [tag, contentStart, end], or null. */
function tlv(b: Uint8Array, at: number): [number, number, number] | null {
  if (at + 2 > b.length) return null;
  const tag = b[at];
  let n = b[at + 1];
  let h = 2;
  if (n & 0x80) {
    const k = n & 0x7f;
    if (k < 1 || k > 3 || at + 2 + k > b.length) return null;
    n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + b[at + 2 + i];
    h += k;
  }
  if (at + h + n > b.length) return null;
  return [tag, at + h, at + h + n];
}

/** Children TLVs of a constructed value [start, end). */
function children(b: Uint8Array, start: number, end: number): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  for (let p = start; p < end; ) {
    const t = tlv(b, p);
    if (!t || t[2] > end) break;
    out.push([t[0], p, t[1], t[2]]);
    p = t[2];
  }
  return out;
}

/** The NTLMSSP message inside a (SPNEGO) token, exactly, and the MechTypeList DER if present. */
function ntlmOf(token: Uint8Array): { msg: Uint8Array | null; mechTypes: Uint8Array | null; hasMic: boolean } {
  const r = { msg: null as Uint8Array | null, mechTypes: null as Uint8Array | null, hasMic: false };
  if (token.length >= 8 && Buffer.from(token.subarray(0, 8)).toString("latin1") === "NTLMSSP\0") {
    r.msg = token;
    return r;
  }
  const walk = (start: number, end: number, depth: number) => {
    if (depth > 8) return;
    for (const [tag, , cs, ce] of children(token, start, end)) {
      if (tag === 0x04 && ce - cs >= 12 && Buffer.from(token.subarray(cs, cs + 8)).toString("latin1") === "NTLMSSP\0") r.msg = token.subarray(cs, ce);
      else if (tag === 0xa0 && depth === 2 && token[cs] === 0x30) {
        const t = tlv(token, cs);
        if (t) r.mechTypes = token.subarray(cs, t[2]);
      } else if (tag === 0xa3 && depth === 2 && token[cs] === 0x04) r.hasMic = true;
      if (tag & 0x20) walk(cs, ce, depth + 1);
    }
  };
  const top = tlv(token, 0);
  if (!top) return r;
  if (top[0] === 0x60) walk(top[1], top[2], 0); // GSS wrapper: OID, then [0] negTokenInit
  else walk(0, token.length, 0);
  return r;
}

function utf16At(msg: Uint8Array, field: number): string {
  if (field + 8 > msg.length) return "";
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const len = dv.getUint16(field, true);
  const off = dv.getUint32(field + 4, true);
  if (off + len > msg.length) return "";
  return Buffer.from(msg.subarray(off, off + len)).toString("utf16le");
}

interface SessionState {
  hash: PreauthHash;
  keys: SessionKeys | null;
  exported: Uint8Array | null;
}

/** The recorded responses of a conversation by MessageId (parsed once per conversation; read only). */
const recorded = new WeakMap<Conversation, Map<bigint, RecMsg[]>>();

function recordedResponses(conv: Conversation): Map<bigint, RecMsg[]> {
  let rec = recorded.get(conv);
  if (rec) return rec;
  rec = new Map();
  for (const f of conv.s2c) {
    for (const { off, end } of messages(f)) {
      const m = parseRec(f.subarray(off, end));
      const mid = new DataView(f.buffer, f.byteOffset + off, 64).getBigUint64(24, true);
      const list = rec.get(mid) ?? [];
      list.push(m);
      rec.set(mid, list);
    }
  }
  recorded.set(conv, rec);
  return rec;
}

/** Coverage-ish observations of one execution. */
export interface Observed {
  pairs: Set<string>;
}

export class Replayer {
  private rec: ReadonlyMap<bigint, RecMsg[]>;
  private sessions = new Map<bigint, bigint>();
  private trees = new Map<number, number>();
  private files = new Map<string, Uint8Array>();
  private asyncs = new Map<bigint, bigint>();
  private resumeKeys = new Map<string, Uint8Array>();
  private seen = 0;
  private dialect = 0;
  private cipher = 0;
  private signingAlg = 0;
  private connHash = new PreauthHash();
  private negotiateReq: Uint8Array | null = null;
  private pendingHash: PreauthHash | null = null;
  private live = new Map<bigint, SessionState>();
  private ntlmNegotiate: Uint8Array | null = null;
  private mechTypes: Uint8Array | null = null;
  private challenge = new Map<bigint, Uint8Array>();
  /** (command, status) pairs of the live responses. */
  readonly pairs = new Set<number>();
  conn: HostConn | null = null;

  constructor(
    private d: Driver,
    private conv: Conversation,
  ) {
    this.rec = recordedResponses(conv);
  }

  /** Runs an execution's steps; the connection is closed and everything settled at the end. */
  run(x: Exec): void {
    const d = this.d;
    d.deferRate = x.defer;
    this.conn = d.open(x.peer);
    if (!this.conn) return;
    for (const s of x.steps) {
      const c = this.conn;
      if (!c.open) break;
      if (d.trace) d.trace(`step ${JSON.stringify(s)}${s.t === "send" ? ` ${describe(x.frames[s.f])}` : ""}`);
      switch (s.t) {
        case "send": {
          const bytes = s.raw ? x.frames[s.f] : this.prepare(x.frames[s.f], s.seal === true);
          const nb = transient.alloc(4 + bytes.length);
          const len = s.nbss ?? bytes.length;
          nb[0] = (len >>> 24) & 0xff;
          nb[1] = (len >>> 16) & 0xff;
          nb[2] = (len >>> 8) & 0xff;
          nb[3] = len & 0xff;
          nb.set(bytes, 4);
          if (s.split && s.split.length > 0) {
            let off = 0;
            for (const n of s.split) {
              if (off >= nb.length) break;
              d.feed(c, nb.subarray(off, off + n));
              off += n;
            }
            if (off < nb.length) d.feed(c, nb.subarray(off));
          } else d.feed(c, nb);
          break;
        }
        case "tick":
          d.advance(s.ms);
          break;
        case "flush":
          d.flush();
          break;
        case "drain":
          d.drainSends();
          break;
        case "close":
          d.close(c);
          break;
      }
      this.learn();
    }
    d.settle();
    this.learn();
    if (this.conn.open) d.close(this.conn);
    d.settle();
    // a host ticks every second: what waits for a timer (held logon failures, break timeouts)
    // is released then; the connection's resources must all be back after that tick
    d.advance(1000);
    d.settle();
    // durable opens outlive the connection until their timeout: let it pass (driver.ts)
    d.expireDurable();
  }

  /** Applies the id maps, NTLM recomputation and signing to a client frame. */
  private prepare(frame: Uint8Array, sealIt: boolean): Uint8Array {
    if (frame.length < 64 || new DataView(frame.buffer, frame.byteOffset).getUint32(0, true) !== SMB2) return frame;
    let f: Uint8Array = transient.copy(frame); // patched in place: the recorded frame stays as it is
    const ms = messages(f);
    for (const { off, end } of ms) this.patch(f.subarray(off, end));
    if (ms.length === 1 && ms[0].end === f.length) {
      const dv = new DataView(f.buffer, f.byteOffset);
      if (dv.getUint16(12, true) === 1) f = this.sessionSetup(f);
      else if (dv.getUint16(12, true) === 0) this.negotiateReq = f;
    }
    // sign each message whose session has keys and that the recorded client signed
    const out = messages(f);
    const parts: Uint8Array[] = [];
    let sid = 0n;
    for (const { off, end } of out) {
      let m: Uint8Array = f.subarray(off, end);
      const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
      sid = dv.getBigUint64(40, true);
      const st = this.live.get(sid);
      if (st?.keys && dv.getUint32(16, true) & FLAG_SIGNED && !sealIt) m = sign(m, st.keys.signing, this.signingAlg);
      parts.push(m);
    }
    if (parts.length === 0) return f;
    let whole = parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat([...parts, f.subarray(out[out.length - 1].end)]));
    if (parts.length === 1 && out[0].end < f.length) whole = new Uint8Array(Buffer.concat([parts[0], f.subarray(out[0].end)]));
    if (sealIt) {
      const st = this.live.get(sid);
      if (st?.keys && this.cipher !== 0) whole = new Uint8Array(seal(whole, st.keys.encryption, this.cipher, sid));
    }
    return whole;
  }

  /** Maps recorded ids in one request message to live ones (in place). */
  private patch(m: Uint8Array): void {
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const flags = dv.getUint32(16, true);
    const sid = this.sessions.get(dv.getBigUint64(40, true));
    if (sid !== undefined) dv.setBigUint64(40, sid, true);
    if (flags & FLAG_ASYNC) {
      const a = this.asyncs.get(dv.getBigUint64(32, true));
      if (a !== undefined) dv.setBigUint64(32, a, true);
    } else {
      const t = this.trees.get(dv.getUint32(36, true));
      if (t !== undefined) dv.setUint32(36, t, true);
    }
    const cmd = dv.getUint16(12, true);
    const at = FILEID_AT[cmd];
    if (at !== undefined && 64 + at + 16 <= m.length) {
      const live = this.files.get(hexOf(m.subarray(64 + at, 64 + at + 16)));
      if (live) m.set(live, 64 + at);
    }
    if (cmd === 1 && m.length >= 64 + 24) {
      const prev = this.sessions.get(dv.getBigUint64(64 + 16, true));
      if (prev !== undefined) dv.setBigUint64(64 + 16, prev, true);
    }
    if (cmd === 5 && m.length > 64 + 56 && this.files.size > 0) {
      // durable reconnect contexts carry FileIds: replace any recorded one
      for (let p = 64 + 56; p + 16 <= m.length; p += 8) {
        const live = this.files.get(hexOf(m.subarray(p, p + 16)));
        if (live) m.set(live, p);
      }
    }
    if (cmd === 11 && m.length >= 64 + 32) {
      const ctl = dv.getUint32(64 + 4, true);
      const inOff = dv.getUint32(64 + 24, true);
      if ((ctl === FSCTL_COPYCHUNK || ctl === FSCTL_COPYCHUNK_WRITE) && inOff + 24 <= m.length) {
        const live = this.resumeKeys.get(hexOf(m.subarray(inOff, inOff + 24)));
        if (live) m.set(live, inOff);
      }
    }
  }

  /** SESSION_SETUP request: keep the NTLM NEGOTIATE; recompute an AUTHENTICATE for the live challenge. */
  private sessionSetup(f: Uint8Array): Uint8Array {
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    if (f.length < 64 + 24) return f;
    const bo = dv.getUint16(64 + 12, true);
    const bl = dv.getUint16(64 + 14, true);
    const sid = dv.getBigUint64(40, true);
    let out = f;
    if (bo >= 64 + 24 && bo + bl <= f.length) {
      const token = f.subarray(bo, bo + bl);
      const n = ntlmOf(token);
      const type = n.msg && n.msg.length >= 12 ? new DataView(n.msg.buffer, n.msg.byteOffset).getUint32(8, true) : 0;
      if (type === 1) {
        this.ntlmNegotiate = n.msg;
        if (n.mechTypes) this.mechTypes = n.mechTypes;
      } else if (type === 3 && n.msg) {
        const rebuilt = this.authenticate(n.msg, n.hasMic, sid);
        if (rebuilt) {
          const body = new Uint8Array(24);
          body.set(f.subarray(64, 64 + 24));
          const bdv = new DataView(body.buffer);
          bdv.setUint16(12, 64 + 24, true);
          bdv.setUint16(14, rebuilt.length, true);
          out = new Uint8Array(Buffer.concat([f.subarray(0, 64), body, rebuilt]));
        }
      }
    }
    // preauth integrity (3.1.1): the session's hash covers its SESSION_SETUP requests and responses
    if (this.dialect === 0x0311) {
      const st = this.live.get(sid);
      if (st && !st.keys) st.hash.update(out);
      else if (sid === 0n || !st) this.pendingHash = this.connHash.clone().update(out);
    }
    return out;
  }

  private authenticate(msg: Uint8Array, hasMic: boolean, sid: bigint): Uint8Array | null {
    const meta = this.conv.meta;
    const user = utf16At(msg, 36);
    const challenge = this.challenge.get(sid);
    if (!challenge || !this.ntlmNegotiate || !meta.user || !meta.password || user.toLowerCase() !== meta.user.toLowerCase()) return null;
    const flags = msg.length >= 64 ? new DataView(msg.buffer, msg.byteOffset).getUint32(60, true) : 0;
    const domain = utf16At(msg, 28);
    let auth: ReturnType<typeof authenticateMessage>;
    try {
      auth = authenticateMessage({
        user, domain, workstation: utf16At(msg, 44), hash: ntHash(meta.password), negotiate: this.ntlmNegotiate, challenge, flags,
        mic: msg.length >= 88 && msg.subarray(72, 88).some((x) => x !== 0),
      });
    } catch {
      return null;
    }
    const st = this.live.get(sid);
    if (st) st.exported = auth.exportedSessionKey;
    const mic = hasMic && this.mechTypes ? ntlmSignature(auth.exportedSessionKey, auth.flags, true, 0, this.mechTypes) : undefined;
    return negTokenResp(auth.message, mic);
  }

  /** Reads the frames the core sent since the last call and learns the live ids. */
  private learn(): void {
    const c = this.conn;
    if (!c) return;
    if (this.seen > 0 && this.seen === c.out.length) {
      c.out.length = 0; // learnt: let the frames go
      this.seen = 0;
    }
    while (this.seen < c.out.length) {
      let f = c.out[this.seen++];
      if (f.length >= 52 && new DataView(f.buffer, f.byteOffset).getUint32(0, true) === TRANSFORM) {
        const sid = new DataView(f.buffer, f.byteOffset).getBigUint64(44, true);
        const st = this.live.get(sid);
        if (!st?.keys || this.cipher === 0) continue;
        try {
          f = new Uint8Array(openTransform(f, st.keys.decryption, this.cipher).message);
        } catch {
          continue;
        }
      }
      this.d.trace?.(`  ← ${describe(f)}`);
      for (const { off, end } of messages(f)) this.learnOne(f, f.subarray(off, end));
    }
  }

  private learnOne(frame: Uint8Array, m: Uint8Array): void {
    const L = parseRec(m);
    if (!(L.flags & FLAG_RESPONSE)) return;
    this.pairs.add((L.cmd << 16) ^ (L.status >>> 16) ^ ((L.status & 0xffff) << 20));
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    const mid = dv.getBigUint64(24, true);
    if (L.cmd === 0 && L.status === 0 && m.length >= 64 + 64) this.negotiated(frame, m);
    const cands = this.rec.get(mid)?.filter((r) => r.cmd === L.cmd) ?? [];
    const R = cands.find((r) => (r.status === STATUS_PENDING) === (L.status === STATUS_PENDING)) ?? cands[0];
    if (L.cmd === 1) this.sessionResponse(frame, L, m);
    if (!R) return;
    if (R.sid !== 0n && L.sid !== 0n) this.sessions.set(R.sid, L.sid);
    if (R.flags & FLAG_ASYNC && L.flags & FLAG_ASYNC) this.asyncs.set(R.asyncId, L.asyncId);
    if (L.status !== 0 || R.status !== 0) return;
    if (L.cmd === 3) this.trees.set(R.tid, L.tid);
    if (L.cmd === 5 && R.body.length >= 80 && L.body.length >= 80) this.files.set(hexOf(R.body.subarray(64, 80)), L.body.slice(64, 80));
    if (L.cmd === 11 && L.body.length >= 48 && R.body.length >= 48) {
      const ldv = new DataView(L.body.buffer, L.body.byteOffset, L.body.byteLength);
      const rdv = new DataView(R.body.buffer, R.body.byteOffset, R.body.byteLength);
      if (ldv.getUint32(4, true) !== FSCTL_REQUEST_RESUME_KEY) return;
      const lo = ldv.getUint32(32, true) - 64;
      const ro = rdv.getUint32(32, true) - 64;
      if (lo >= 0 && ro >= 0 && lo + 24 <= L.body.length && ro + 24 <= R.body.length) {
        this.resumeKeys.set(hexOf(R.body.subarray(ro, ro + 24)), L.body.slice(lo, lo + 24));
      }
    }
  }

  private negotiated(frame: Uint8Array, m: Uint8Array): void {
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    this.dialect = dv.getUint16(64 + 4, true);
    this.signingAlg = signingAlgorithm(this.dialect);
    this.cipher = this.dialect >= 0x0300 && this.dialect < 0x0311 && dv.getUint32(64 + 24, true) & 0x40 ? 1 : 0;
    if (this.dialect !== 0x0311) return;
    this.connHash = new PreauthHash();
    if (this.negotiateReq) this.connHash.update(this.negotiateReq);
    this.connHash.update(frame);
    const count = dv.getUint16(64 + 6, true);
    let off = dv.getUint32(64 + 60, true);
    for (let i = 0; i < count && off + 8 <= m.length; i++) {
      const type = dv.getUint16(off, true);
      const len = dv.getUint16(off + 2, true);
      if (off + 8 + 4 <= m.length) {
        if (type === 2) this.cipher = dv.getUint16(off + 8 + 2, true);
        if (type === 8) this.signingAlg = dv.getUint16(off + 8 + 2, true);
      }
      off = (off + 8 + len + 7) & ~7;
    }
  }

  private sessionResponse(frame: Uint8Array, L: RecMsg, m: Uint8Array): void {
    const sid = L.sid;
    let st = this.live.get(sid);
    if (!st && this.pendingHash) {
      st = { hash: this.pendingHash, keys: null, exported: null };
      this.pendingHash = null;
      this.live.set(sid, st);
    } else if (!st) {
      st = { hash: this.connHash.clone(), keys: null, exported: null };
      this.live.set(sid, st);
    }
    if (L.status === STATUS_MORE_PROCESSING) {
      if (this.dialect === 0x0311) st.hash.update(frame);
      const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
      if (m.length < 64 + 8) return;
      const bo = dv.getUint16(64 + 4, true);
      const bl = dv.getUint16(64 + 6, true);
      if (bo + bl > m.length) return;
      const n = ntlmOf(m.subarray(bo, bo + bl));
      if (n.msg) this.challenge.set(sid, n.msg.slice());
    } else if (L.status === 0 && st.exported && !st.keys && m.length >= 64 + 4) {
      const flags = new DataView(m.buffer, m.byteOffset).getUint16(64 + 2, true);
      if ((flags & 3) === 0) {
        try {
          st.keys = deriveKeys(this.dialect, st.exported, st.hash.value, this.cipher);
        } catch {
          st.keys = null;
        }
      }
    }
  }

  /** Whether the execution's main session got keys (for the statistics). */
  get loggedOnWithKeys(): boolean {
    for (const s of this.live.values()) if (s.keys) return true;
    return false;
  }
}

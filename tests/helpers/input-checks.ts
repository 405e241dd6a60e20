// Builders for the input-check tests (tests/e2e/input-checks-*.test.ts): CREATE with create
// contexts (MS-SMB2 2.2.13.2), FILE_FULL_EA_INFORMATION lists (MS-FSCC 2.4.15), self-relative
// security descriptors (MS-DTYP 2.4.6), QUERY_INFO/SET_INFO/LOCK/IOCTL bodies, and DCE/RPC PDUs
// (C706 12.6) — each with overrides for the length and offset fields the tests corrupt.
import { type Smb2Client, type Smb2Message, createBody, type CreateOptions } from "./smb2-raw.ts";

export const St = {
  SUCCESS: 0x00000000,
  BUFFER_OVERFLOW: 0x80000005,
  EA_LIST_INCONSISTENT: 0x80000014,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  INVALID_PARAMETER: 0xc000000d,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  NO_EAS_ON_FILE: 0xc0000052,
  INVALID_ACL: 0xc0000077,
  INVALID_SID: 0xc0000078,
  INVALID_SECURITY_DESCR: 0xc0000079,
  SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP: 0xc05d0000,
} as const;

const align8 = (n: number) => (n + 7) & ~7;

// ---- create contexts (MS-SMB2 2.2.13.2) ----

export interface CreateContext {
  /** Tag, e.g. "ExtA", "SecD", "MxAc", "AAPL". */
  name: string;
  data: Uint8Array;
  /** Overrides of the context header fields (offsets relative to the context's start). */
  next?: number;
  nameOffset?: number;
  nameLength?: number;
  dataOffset?: number;
  dataLength?: number;
}

/**
 * A CREATE body whose create contexts follow the name, 8-aligned (from the SMB2 header), each
 * context 8-aligned, name at 16 and data at 24 (for 4-byte names). `contextsOffset` and
 * `contextsLength` override CreateContextsOffset/Length.
 */
export function createWithContexts(name: string, o: CreateOptions, contexts: CreateContext[], over: { contextsOffset?: number; contextsLength?: number } = {}): Buffer {
  const base = createBody(name, o);
  const start = align8(64 + base.length) - 64; // body offset of the first context
  const chunks = contexts.map((c, i) => {
    const tag = Buffer.from(c.name, "latin1");
    const dataOff = align8(16 + tag.length);
    const size = dataOff + c.data.length;
    const b = Buffer.alloc(i < contexts.length - 1 ? align8(size) : size);
    b.writeUInt32LE(c.next ?? (i < contexts.length - 1 ? b.length : 0), 0);
    b.writeUInt16LE(c.nameOffset ?? 16, 4);
    b.writeUInt16LE(c.nameLength ?? tag.length, 6);
    b.writeUInt16LE(c.dataOffset ?? (c.data.length > 0 ? dataOff : 0), 10);
    b.writeUInt32LE(c.dataLength ?? c.data.length, 12);
    tag.copy(b, 16);
    b.set(c.data, dataOff);
    return b;
  });
  const all = Buffer.concat(chunks);
  const body = Buffer.concat([base, Buffer.alloc(start - base.length), all]);
  body.writeUInt32LE(over.contextsOffset ?? (all.length ? 64 + start : 0), 48);
  body.writeUInt32LE(over.contextsLength ?? all.length, 52);
  return body;
}

/** The create contexts of a CREATE response (2.2.14): [tag, data] pairs. */
export function responseContexts(m: Smb2Message): Array<[string, Buffer]> {
  const off = m.body.readUInt32LE(80);
  const len = m.body.readUInt32LE(84);
  const out: Array<[string, Buffer]> = [];
  if (off === 0 || len === 0) return out;
  let p = off - 64;
  for (;;) {
    const next = m.body.readUInt32LE(p);
    const no = m.body.readUInt16LE(p + 4);
    const nl = m.body.readUInt16LE(p + 6);
    const dof = m.body.readUInt16LE(p + 10);
    const dl = m.body.readUInt32LE(p + 12);
    out.push([m.body.toString("latin1", p + no, p + no + nl), Buffer.from(m.body.subarray(p + dof, p + dof + dl))]);
    if (next === 0) return out;
    p += next;
  }
}

// ---- EAs (MS-FSCC 2.4.15) ----

export interface Ea {
  name: string;
  value: string;
  next?: number;
  nameLength?: number;
  valueLength?: number;
  /** Leave out the NUL after EaName. */
  noNul?: boolean;
}

/** A FILE_FULL_EA_INFORMATION list, entries 4-aligned, with per-entry overrides. */
export function fullEaList(eas: Ea[]): Buffer {
  return Buffer.concat(eas.map((e, i) => {
    const n = Buffer.from(e.name, "latin1");
    const v = Buffer.from(e.value, "latin1");
    const size = 8 + n.length + 1 + v.length;
    const b = Buffer.alloc(i < eas.length - 1 ? (size + 3) & ~3 : size);
    b.writeUInt32LE(e.next ?? (i < eas.length - 1 ? b.length : 0), 0);
    b.writeUInt8(e.nameLength ?? n.length, 5);
    b.writeUInt16LE(e.valueLength ?? v.length, 6);
    n.copy(b, 8);
    b.writeUInt8(e.noNul ? 0x41 : 0, 8 + n.length);
    v.copy(b, 9 + n.length);
    return b;
  }));
}

// ---- security descriptors (MS-DTYP 2.4.2, 2.4.5, 2.4.6) ----

/** Binary SID from "S-1-5-32-544". */
export function sid(s: string): Buffer {
  const p = s.split("-").slice(1).map(Number);
  const b = Buffer.alloc(8 + 4 * (p.length - 2));
  b.writeUInt8(p[0], 0);
  b.writeUInt8(p.length - 2, 1);
  b.writeUIntBE(p[1], 2, 6);
  for (let i = 2; i < p.length; i++) b.writeUInt32LE(p[i], 8 + 4 * (i - 2));
  return b;
}

/** An ACL of ACCESS_ALLOWED ACEs (type 0) for [mask, sid] pairs. */
export function acl(aces: Array<[number, string]>): Buffer {
  const body = Buffer.concat(aces.map(([mask, s]) => {
    const sb = sid(s);
    const h = Buffer.alloc(8);
    h.writeUInt16LE(8 + sb.length, 2);
    h.writeUInt32LE(mask, 4);
    return Buffer.concat([h, sb]);
  }));
  const h = Buffer.alloc(8);
  h.writeUInt8(2, 0);
  h.writeUInt16LE(8 + body.length, 2);
  h.writeUInt16LE(aces.length, 4);
  return Buffer.concat([h, body]);
}

/** Offsets (from the descriptor's start) of its parts, for tests that corrupt them. */
export interface SdLayout {
  sd: Buffer;
  owner: number;
  dacl: number;
}

/** A self-relative descriptor: header, owner SID, then the DACL (SE_DACL_PRESENT | SE_SELF_RELATIVE). */
export function securityDescriptor(owner: string, aces: Array<[number, string]>): SdLayout {
  const o = sid(owner);
  const d = acl(aces);
  const h = Buffer.alloc(20);
  h.writeUInt8(1, 0);
  h.writeUInt16LE(0x8004, 2);
  h.writeUInt32LE(20, 4);
  h.writeUInt32LE(20 + o.length, 16);
  return { sd: Buffer.concat([h, o, d]), owner: 20, dacl: 20 + o.length };
}

export const OWNER_SECURITY_INFORMATION = 1;
export const DACL_SECURITY_INFORMATION = 4;

// ---- QUERY_INFO (2.2.37), SET_INFO (2.2.39), LOCK (2.2.26), IOCTL (2.2.31) ----

/** QUERY_INFO body with InfoType, class, OutputBufferLength, AdditionalInformation, Flags. */
export function queryInfo(fileId: Uint8Array, infoType: number, cls: number, outLen: number, additional = 0, flags = 0): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(41, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(outLen, 4);
  b.writeUInt16LE(104, 8);
  b.writeUInt32LE(additional, 16);
  b.writeUInt32LE(flags, 20);
  b.set(fileId, 24);
  return b;
}

/** SET_INFO body (buffer at BufferOffset 96) with InfoType, class and AdditionalInformation. */
export function setInfo(fileId: Uint8Array, infoType: number, cls: number, buffer: Uint8Array, additional = 0): Buffer {
  const b = Buffer.alloc(32 + Math.max(buffer.length, 1));
  b.writeUInt16LE(33, 0);
  b.writeUInt8(infoType, 2);
  b.writeUInt8(cls, 3);
  b.writeUInt32LE(buffer.length, 4);
  b.writeUInt16LE(96, 8);
  b.writeUInt32LE(additional, 12);
  b.set(fileId, 16);
  b.set(buffer, 32);
  return b;
}

/** LOCK body with the given SMB2_LOCK_ELEMENTs [offset, length, flags]; LockCount overridable. */
export function lockBody(fileId: Uint8Array, elements: Array<[bigint, bigint, number]>, lockCount = elements.length): Buffer {
  const b = Buffer.alloc(24 + 24 * Math.max(elements.length, 1));
  b.writeUInt16LE(48, 0);
  b.writeUInt16LE(lockCount, 2);
  b.set(fileId, 8);
  elements.forEach(([off, len, flags], i) => {
    b.writeBigUInt64LE(off, 24 + 24 * i);
    b.writeBigUInt64LE(len, 32 + 24 * i);
    b.writeUInt32LE(flags, 40 + 24 * i);
  });
  return b;
}

/** The data of a QUERY_INFO / QUERY_DIRECTORY response (OutputBufferOffset/Length at 2/4). */
export function infoOutput(m: Smb2Message): Buffer {
  const off = m.body.readUInt16LE(2);
  return off === 0 ? Buffer.alloc(0) : m.body.subarray(off - 64, off - 64 + m.body.readUInt32LE(4));
}

/** The output of an IOCTL response (2.2.32: OutputOffset/OutputCount at 32/36). */
export function ioctlOutput(m: Smb2Message): Buffer {
  if (m.body.length < 48) return Buffer.alloc(0);
  const off = m.body.readUInt32LE(32);
  return off === 0 ? Buffer.alloc(0) : m.body.subarray(off - 64, off - 64 + m.body.readUInt32LE(36));
}

// ---- DCE/RPC (C706 12.6) ----

export const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;
export const PTYPE = { REQUEST: 0, RESPONSE: 2, FAULT: 3, BIND: 11, BIND_ACK: 12, BIND_NAK: 13 } as const;
export const PFC_FIRST_FRAG = 0x01;
export const PFC_LAST_FRAG = 0x02;

/** A PDU: the 16-byte common header (frag_length overridable) and a body. */
export function rpcPdu(ptype: number, flags: number, callId: number, body: Uint8Array, fragLength?: number): Buffer {
  const h = Buffer.alloc(16);
  h.set([5, 0, ptype, flags, 0x10, 0, 0, 0]);
  h.writeUInt16LE(fragLength ?? 16 + body.length, 8);
  h.writeUInt32LE(callId, 12);
  return Buffer.concat([h, body]);
}

/** A REQUEST PDU (12.6.4.9) for context 0: alloc_hint, p_cont_id, opnum, stub. */
export function rpcRequest(callId: number, opnum: number, stub: Uint8Array, flags = PFC_FIRST_FRAG | PFC_LAST_FRAG): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(stub.length, 0);
  b.writeUInt16LE(opnum, 6);
  return rpcPdu(PTYPE.REQUEST, flags, callId, Buffer.concat([b, stub]));
}

/** One parsed PDU of a pipe's output: type, call id, and for FAULT the status, for BIND_NAK the reason. */
export interface RpcReply {
  ptype: number;
  callId: number;
  fragLength: number;
  status?: number;
  reason?: number;
  stub?: Buffer;
}

export function parseRpc(b: Buffer): RpcReply {
  if (b.length < 16) throw new Error(`short RPC reply: ${b.toString("hex")}`);
  const r: RpcReply = { ptype: b[2], callId: b.readUInt32LE(12), fragLength: b.readUInt16LE(8) };
  if (r.ptype === PTYPE.FAULT && b.length >= 28) r.status = b.readUInt32LE(24);
  if (r.ptype === PTYPE.BIND_NAK && b.length >= 18) r.reason = b.readUInt16LE(16);
  if (r.ptype === PTYPE.RESPONSE) r.stub = b.subarray(24, r.fragLength);
  return r;
}

/** Opens \PIPE\srvsvc on IPC$ (TREE_CONNECT switches the client's TreeId); returns the FileId. */
export async function openSrvsvc(c: Smb2Client): Promise<Buffer> {
  const t = await c.treeConnect("IPC$");
  if (t.status !== 0) throw new Error(`TREE_CONNECT IPC$: 0x${t.status.toString(16)}`);
  const p = await c.create("srvsvc", { createOptions: 0, createDisposition: 1 });
  if (p.status !== 0 || !p.fileId) throw new Error(`CREATE srvsvc: 0x${p.status.toString(16)}`);
  return p.fileId;
}

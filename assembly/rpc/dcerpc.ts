// DCE/RPC connection-oriented PDUs (C706 ch. 12; MS-RPCE 2.2.2, 3.3.1.5): bind/alter context, request/response, fault.
// One DceRpcConnection per named-pipe instance, serving one interface with NDR20 and no RPC-level
// authentication (the SMB session already authenticated the caller). Every PDU handed to
// handlePdu is complete (framed by rpcFrameLength); every field read is bounds-checked.

import { NdrReader, NdrWriter } from "../wire/ndr";

export const PTYPE_REQUEST: u8 = 0;
export const PTYPE_RESPONSE: u8 = 2;
export const PTYPE_FAULT: u8 = 3;
export const PTYPE_BIND: u8 = 11;
export const PTYPE_BIND_ACK: u8 = 12;
export const PTYPE_BIND_NAK: u8 = 13;
export const PTYPE_ALTER_CONTEXT: u8 = 14;
export const PTYPE_ALTER_CONTEXT_RESP: u8 = 15;
export const PTYPE_CO_CANCEL: u8 = 18;
export const PTYPE_ORPHANED: u8 = 19;

export const PFC_FIRST_FRAG: u8 = 0x01;
export const PFC_LAST_FRAG: u8 = 0x02;
export const PFC_DID_NOT_EXECUTE: u8 = 0x20;
export const PFC_OBJECT_UUID: u8 = 0x80;

/** p_cont_def_result_t (C706 12.6.3.1, MS-RPCE 2.2.2.4). */
export const RESULT_ACCEPTANCE: u16 = 0;
export const RESULT_PROVIDER_REJECTION: u16 = 2;
export const RESULT_NEGOTIATE_ACK: u16 = 3;
/** p_provider_reason_t. */
export const REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED: u16 = 1;
export const REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED: u16 = 2;
export const REASON_LOCAL_LIMIT_EXCEEDED: u16 = 3;
/** p_reject_reason_t of bind_nak (C706 12.6.3.1, MS-RPCE 2.2.2.5). */
export const BIND_NAK_REASON_NOT_SPECIFIED: u16 = 0;
export const BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED: u16 = 4;
export const BIND_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED: u16 = 8;

/** Fault status codes (C706 appendix E, MS-RPCE 2.2.2.11). */
export const NCA_S_OP_RNG_ERROR: u32 = 0x1c010002;
export const NCA_S_UNK_IF: u32 = 0x1c010003;
export const NCA_S_PROTO_ERROR: u32 = 0x1c01000b;
export const NCA_S_FAULT_NDR: u32 = 0x000006f7;
export const RPC_S_ACCESS_DENIED: u32 = 0x00000005;
export const RPC_S_OUT_OF_RESOURCES: u32 = 0x000006d9;

/** KeepConnectionOnOrphanSupported (MS-RPCE 2.2.2.14): honoured, ORPHANED only drops the call. */
export const BIND_TIME_KEEP_CONNECTION_ON_ORPHAN: u8 = 0x02;

/** Fragment size bounds: Windows/Samba never go below 2048; 4280 is the SMB pipe transport size. */
export const RPC_MIN_FRAG: i32 = 2048;
export const RPC_MAX_FRAG: i32 = 4280;
/** Largest reassembled request stub accepted. */
export const RPC_MAX_REQUEST: i32 = 65536;
/** Presentation contexts one connection may hold. */
export const RPC_MAX_CONTEXTS: i32 = 16;

// Transfer syntax identifiers in wire (little-endian GUID) order.
const NDR20_SYNTAX: usize = memory.data<u8>([
  0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,
]);
const NDR20_VERSION: u32 = 2;
/** 6cb71c2c-9812-4540: prefix of the bind time feature negotiation "transfer syntax". */
const BTFN_PREFIX: usize = memory.data<u8>([0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45]);

/** The stub dispatcher of an interface: returns 0 with the response stub in w, or a fault status. */
export type RpcInvoke = (opnum: u16, r: NdrReader, w: NdrWriter) => u32;

/** An interface served on an endpoint: abstract syntax (uuid + version) and dispatcher. */
export class RpcInterface {
  /** 16 bytes, wire order. */
  uuid: usize;
  versionMajor: u16;
  versionMinor: u16;
  invoke: RpcInvoke;
  constructor(uuid: usize, versionMajor: u16, versionMinor: u16, invoke: RpcInvoke) {
    this.uuid = uuid;
    this.versionMajor = versionMajor;
    this.versionMinor = versionMinor;
    this.invoke = invoke;
  }
}

/**
 * Frames the PDU at p from its common header: 0 if fewer than 16 bytes are available, -1 if
 * the header is not a little-endian DCE/RPC v5 header (a BIND of another version is framed so
 * it can be answered with BIND_NAK), else frag_length.
 */
export function rpcFrameLength(p: usize, avail: i32): i32 {
  if (avail < 16) return 0;
  if ((load<u8>(p + 4) & 0xf0) != 0x10) return -1; // integer representation must be little-endian
  const fragLength = <i32>load<u16>(p + 8);
  if (fragLength < 16) return -1;
  if ((load<u8>(p) != 5 || load<u8>(p + 1) > 1) && load<u8>(p + 2) != PTYPE_BIND) return -1;
  return fragLength;
}

/** Writes the 16-byte common header (frag_length patched later). */
function header(w: NdrWriter, ptype: u8, flags: u8, callId: u32): void {
  w.u8(5);
  w.u8(0);
  w.u8(ptype);
  w.u8(flags);
  w.u32(0x00000010); // packed_drep: little-endian, ASCII, IEEE
  w.u16(0);
  w.u16(0);
  w.u32(callId);
}

/** Association state of one pipe instance. */
export class DceRpcConnection {
  iface: RpcInterface;
  /** Secondary address reported in BIND_ACK, e.g. "\\PIPE\\srvsvc". */
  secAddr: string;
  assocGroupId: u32;
  bound: bool = false;
  /** Negotiated max_xmit_frag = max_recv_frag. */
  maxFrag: i32 = RPC_MAX_FRAG;
  /** Bind-time features acknowledged to the client. */
  features: u8 = 0;
  contexts: Array<u16> = new Array<u16>(0);
  // Reassembly of a fragmented request.
  private asmActive: bool = false;
  private asmCallId: u32 = 0;
  private asmCtx: u16 = 0;
  private asmOpnum: u16 = 0;
  private asmLen: i32 = 0;
  private asmBuf: Uint8Array | null = null;

  constructor(iface: RpcInterface, secAddr: string, assocGroupId: u32) {
    this.iface = iface;
    this.secAddr = secAddr;
    this.assocGroupId = assocGroupId;
  }

  /** Handles one complete PDU of len bytes (len >= 16); appends reply PDUs to out, returns their total size. */
  handlePdu(p: usize, len: i32, out: Array<Uint8Array>): i32 {
    const before = out.length;
    const ptype = load<u8>(p + 2);
    const callId = load<u32>(p + 12);
    if (ptype == PTYPE_BIND || ptype == PTYPE_ALTER_CONTEXT) {
      this.onBind(p, len, callId, ptype == PTYPE_ALTER_CONTEXT, out);
    } else if (ptype == PTYPE_REQUEST) {
      this.onRequest(p, len, callId, out);
    } else if (ptype == PTYPE_ORPHANED) {
      if (this.asmActive && this.asmCallId == callId) this.asmActive = false;
    } else if (ptype != PTYPE_CO_CANCEL) {
      this.fault(callId, 0, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
    }
    let n = 0;
    for (let i = before; i < out.length; i++) n += unchecked(out[i]).length;
    return n;
  }

  private hasContext(id: u16): bool {
    return this.contexts.includes(id);
  }

  /** BIND or ALTER_CONTEXT: validates the context list, then answers each element (C706 12.6.4.3). */
  private onBind(p: usize, len: i32, callId: u32, alter: bool, out: Array<Uint8Array>): void {
    if (!alter && (load<u8>(p) != 5 || load<u8>(p + 1) > 1)) {
      this.bindNak(callId, BIND_NAK_PROTOCOL_VERSION_NOT_SUPPORTED, out);
      return;
    }
    if (alter != this.bound) {
      // BIND on a bound association, or ALTER_CONTEXT before any BIND.
      if (alter) this.fault(callId, 0, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
      else this.bindNak(callId, BIND_NAK_REASON_NOT_SPECIFIED, out);
      return;
    }
    if (load<u16>(p + 10) != 0) {
      if (alter) this.fault(callId, 0, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
      else this.bindNak(callId, BIND_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED, out);
      return;
    }
    const n = len >= 28 ? <i32>load<u8>(p + 24) : 0;
    // Pass 1: structure. Each p_cont_elem_t is 24 bytes plus 20 per transfer syntax.
    let off = 28;
    let ok = n > 0;
    for (let i = 0; ok && i < n; i++) {
      if (off + 24 > len) ok = false;
      else {
        const nts = <i32>load<u8>(p + <usize>off + 2);
        off += 24 + nts * 20;
        if (nts == 0 || off > len) ok = false;
      }
    }
    if (!ok) {
      if (alter) this.fault(callId, 0, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
      else this.bindNak(callId, BIND_NAK_REASON_NOT_SPECIFIED, out);
      return;
    }
    if (!alter) {
      let m = <i32>min(load<u16>(p + 16), load<u16>(p + 18));
      if (m < RPC_MIN_FRAG) m = RPC_MIN_FRAG;
      if (m > RPC_MAX_FRAG) m = RPC_MAX_FRAG;
      this.maxFrag = m & 0xfff8;
      this.bound = true;
    }
    // Pass 2: results.
    const w = new NdrWriter(48 + this.secAddr.length + n * 24);
    header(w, alter ? PTYPE_ALTER_CONTEXT_RESP : PTYPE_BIND_ACK, PFC_FIRST_FRAG | PFC_LAST_FRAG, callId);
    w.u16(<u16>this.maxFrag);
    w.u16(<u16>this.maxFrag);
    w.u32(this.assocGroupId);
    if (alter) w.u16(0);
    else {
      const a = this.secAddr;
      w.u16(<u16>(a.length + 1));
      for (let i = 0; i < a.length; i++) w.u8(<u8>a.charCodeAt(i));
      w.u8(0);
    }
    w.align(4);
    w.u8(<u8>n);
    w.zeros(3);
    off = 28;
    let sawFeatures = false;
    for (let i = 0; i < n; i++) {
      const e = p + <usize>off;
      const nts = <i32>load<u8>(e + 2);
      const ts = e + 24;
      off += 24 + nts * 20;
      if (!alter && !sawFeatures && memory.compare(ts, BTFN_PREFIX, 8) == 0) {
        // MS-RPCE 3.3.1.5.3: negotiate_ack, the reason field carries the features we honour.
        sawFeatures = true;
        this.features = load<u8>(ts + 8) & BIND_TIME_KEEP_CONNECTION_ON_ORPHAN;
        w.u16(RESULT_NEGOTIATE_ACK);
        w.u16(<u16>this.features);
        w.zeros(20);
        continue;
      }
      const reason = this.acceptContext(load<u16>(e), e + 4, ts, nts);
      if (reason == 0) {
        w.u16(RESULT_ACCEPTANCE);
        w.u16(0);
        w.bytes(NDR20_SYNTAX, 16);
        w.u32(NDR20_VERSION);
      } else {
        w.u16(RESULT_PROVIDER_REJECTION);
        w.u16(reason);
        w.zeros(20);
      }
    }
    w.patchU16(8, <u16>w.len);
    out.push(w.toBytes());
  }

  /** Accepts one presentation context (returns 0) or gives the provider rejection reason. */
  private acceptContext(ctxId: u16, abstract: usize, ts: usize, nts: i32): u16 {
    const ver = load<u32>(abstract + 16);
    const iface = this.iface;
    if (
      memory.compare(abstract, iface.uuid, 16) != 0 ||
      <u16>(ver & 0xffff) != iface.versionMajor ||
      <u16>(ver >>> 16) > iface.versionMinor
    ) {
      return REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
    }
    let ndr = false;
    for (let j = 0; j < nts; j++) {
      const t = ts + <usize>(j * 20);
      if (memory.compare(t, NDR20_SYNTAX, 16) == 0 && load<u32>(t + 16) == NDR20_VERSION) ndr = true;
    }
    if (!ndr) return REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED;
    if (!this.hasContext(ctxId)) {
      if (this.contexts.length >= RPC_MAX_CONTEXTS) return REASON_LOCAL_LIMIT_EXCEEDED;
      this.contexts.push(ctxId);
    }
    return 0;
  }

  /** REQUEST: checks the context, reassembles fragments (bounded), dispatches (C706 12.6.4.9). */
  private onRequest(p: usize, len: i32, callId: u32, out: Array<Uint8Array>): void {
    const flags = load<u8>(p + 3);
    const hdr = (flags & PFC_OBJECT_UUID) != 0 ? 40 : 24;
    if (!this.bound || len < hdr || load<u16>(p + 10) != 0) {
      this.asmActive = false;
      this.fault(callId, 0, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
      return;
    }
    const ctxId = load<u16>(p + 20);
    const opnum = load<u16>(p + 22);
    const stub = p + <usize>hdr;
    const stubLen = len - hdr;
    if ((flags & PFC_FIRST_FRAG) != 0) {
      if (this.asmActive) {
        this.asmActive = false;
        this.fault(callId, ctxId, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
        return;
      }
      if (!this.hasContext(ctxId)) {
        this.fault(callId, ctxId, NCA_S_UNK_IF, PFC_DID_NOT_EXECUTE, out);
        return;
      }
      if ((flags & PFC_LAST_FRAG) != 0) {
        this.dispatch(callId, ctxId, opnum, stub, stubLen, out);
        return;
      }
      this.asmActive = true;
      this.asmCallId = callId;
      this.asmCtx = ctxId;
      this.asmOpnum = opnum;
      this.asmLen = 0;
    } else if (!this.asmActive || this.asmCallId != callId) {
      this.asmActive = false;
      this.fault(callId, ctxId, NCA_S_PROTO_ERROR, PFC_DID_NOT_EXECUTE, out);
      return;
    }
    if (stubLen > RPC_MAX_REQUEST - this.asmLen) {
      this.asmActive = false;
      this.fault(callId, this.asmCtx, RPC_S_ACCESS_DENIED, 0, out);
      return;
    }
    let buf = this.asmBuf;
    if (buf === null) {
      buf = new Uint8Array(RPC_MAX_REQUEST);
      this.asmBuf = buf;
    }
    memory.copy(buf.dataStart + <usize>this.asmLen, stub, <usize>stubLen);
    this.asmLen += stubLen;
    if ((flags & PFC_LAST_FRAG) != 0) {
      this.asmActive = false;
      this.dispatch(callId, this.asmCtx, this.asmOpnum, buf.dataStart, this.asmLen, out);
    }
  }

  /** Runs the interface on a complete stub and emits RESPONSE fragments or a FAULT. */
  private dispatch(callId: u32, ctxId: u16, opnum: u16, stub: usize, stubLen: i32, out: Array<Uint8Array>): void {
    const r = new NdrReader(stub, stubLen);
    const w = new NdrWriter(512);
    const invoke = this.iface.invoke;
    let status = invoke(opnum, r, w);
    if (status == 0 && r.failed) status = NCA_S_FAULT_NDR;
    if (status == 0 && w.failed) status = RPC_S_OUT_OF_RESOURCES;
    if (status != 0) {
      this.fault(callId, ctxId, status, status == NCA_S_OP_RNG_ERROR ? PFC_DID_NOT_EXECUTE : 0, out);
      return;
    }
    // Stub bytes per fragment: the negotiated size minus the 24-byte header, a multiple of 16.
    const chunk = (this.maxFrag - 24) & ~15;
    const total = w.len;
    const src = w.dataStart;
    let off = 0;
    do {
      const n = min(chunk, total - off);
      const f = new Uint8Array(24 + n);
      const d = f.dataStart;
      let flags: u8 = 0;
      if (off == 0) flags |= PFC_FIRST_FRAG;
      if (off + n == total) flags |= PFC_LAST_FRAG;
      store<u32>(d, 0x00020005 | (<u32>flags << 24)); // vers 5.0, ptype RESPONSE, flags
      store<u32>(d + 4, 0x00000010);
      store<u16>(d + 8, <u16>(24 + n));
      store<u32>(d + 12, callId);
      store<u32>(d + 16, <u32>(total - off)); // alloc_hint: stub bytes remaining
      store<u16>(d + 20, ctxId & 0xff); // Windows truncates p_cont_id to 8 bits here
      memory.copy(d + 24, src + <usize>off, <usize>n);
      out.push(f);
      off += n;
    } while (off < total);
  }

  /** FAULT PDU (C706 12.6.4.7): 32 bytes. */
  private fault(callId: u32, ctxId: u16, status: u32, extraFlags: u8, out: Array<Uint8Array>): void {
    const f = new Uint8Array(32);
    const d = f.dataStart;
    store<u32>(d, 0x00030005 | (<u32>(PFC_FIRST_FRAG | PFC_LAST_FRAG | extraFlags) << 24));
    store<u32>(d + 4, 0x00000010);
    store<u16>(d + 8, 32);
    store<u32>(d + 12, callId);
    store<u32>(d + 16, 32); // alloc_hint
    store<u16>(d + 20, ctxId);
    store<u32>(d + 24, status);
    out.push(f);
  }

  /** BIND_NAK (C706 12.6.4.5): reject reason and the one protocol version supported (5.0). */
  private bindNak(callId: u32, reason: u16, out: Array<Uint8Array>): void {
    const f = new Uint8Array(24);
    const d = f.dataStart;
    store<u32>(d, 0x030d0005);
    store<u32>(d + 4, 0x00000010);
    store<u16>(d + 8, 24);
    store<u32>(d + 12, callId);
    store<u16>(d + 16, reason);
    store<u8>(d + 18, 1);
    store<u8>(d + 19, 5);
    store<u8>(d + 20, 0);
    out.push(f);
  }
}

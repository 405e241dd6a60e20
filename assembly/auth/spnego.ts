// SPNEGO (RFC 4178, MS-SPNG 2.2, 3.2.5) server for SMB2 SESSION_SETUP with NTLMSSP as the only
// mechanism: negTokenInit2 for NEGOTIATE, negTokenInit/negTokenResp parsing, mechListMIC.
import {
  DER_APPLICATION_0, DER_ENUMERATED, DER_OCTET_STRING, DER_OID, DER_SEQUENCE, DerReader, DerWriter,
  derContext, oidEquals,
} from "../wire/asn1";
import {
  NTLM_INVALID, NTLM_LOGON_FAILURE, NTLM_OK_ANONYMOUS, NTLM_OK_GUEST, NTLM_OK_USER, NtlmServer,
  NtlmServerConfig, isNtlmssp,
} from "./ntlmssp";

/** 1.3.6.1.5.5.2 (SPNEGO), encoded contents. */
export const OID_SPNEGO: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/** 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), encoded contents. */
export const OID_NTLMSSP: StaticArray<u8> = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];

/** NegState (RFC 4178 §4.2.2). */
export const NEG_STATE_ACCEPT_COMPLETED: i32 = 0;
export const NEG_STATE_ACCEPT_INCOMPLETE: i32 = 1;
export const NEG_STATE_REJECT: i32 = 2;
export const NEG_STATE_REQUEST_MIC: i32 = 3;

// NTSTATUS results of SessionAuth.step (MS-ERREF 2.3.1; same values as smb2/status.ts).
const STATUS_SUCCESS: u32 = 0;
const STATUS_MORE_PROCESSING_REQUIRED: u32 = 0xc0000016;
const STATUS_LOGON_FAILURE: u32 = 0xc000006d;
const STATUS_INVALID_PARAMETER: u32 = 0xc000000d;

const HINT_NAME = "not_defined_in_RFC4178@please_ignore";

let negTokenInit2Cache: Uint8Array | null = null;

/**
 * The SPNEGO negTokenInit2 for the SMB2 NEGOTIATE response security buffer (MS-SPNG 2.2.1):
 * mechTypes = [NTLMSSP], negHints.hintName = "not_defined_in_RFC4178@please_ignore".
 * Built once; callers copy it and must not modify it.
 */
export function spnegoNegTokenInit2(): Uint8Array {
  const cached = negTokenInit2Cache;
  if (cached !== null) return cached;
  const w = new DerWriter();
  w.begin(DER_APPLICATION_0);
  w.oid(OID_SPNEGO);
  w.begin(derContext(0));
  w.begin(DER_SEQUENCE);
  w.begin(derContext(0)); // mechTypes
  w.begin(DER_SEQUENCE);
  w.oid(OID_NTLMSSP);
  w.end();
  w.end();
  w.begin(derContext(3)); // negHints
  w.begin(DER_SEQUENCE);
  w.begin(derContext(0)); // hintName
  w.generalString(HINT_NAME);
  w.end();
  w.end();
  w.end();
  w.end();
  w.end();
  w.end();
  const t = w.finish();
  negTokenInit2Cache = t;
  return t;
}

/** Fields of a parsed negTokenInit; pointers refer into the parsed buffer. */
export class NegTokenInit {
  /** The DER MechTypeList (SEQUENCE OF OID, tag included): the input of the mechListMIC. */
  mechTypes: usize = 0;
  mechTypesLen: i32 = 0;
  /** The first (preferred) mechanism is NTLMSSP. */
  firstIsNtlm: bool = false;
  /** NTLMSSP appears anywhere in the list. */
  hasNtlm: bool = false;
  /** Optimistic mechToken (len -1 when absent). */
  mechToken: usize = 0;
  mechTokenLen: i32 = -1;
  /** mechListMIC (len -1 when absent). */
  mechListMic: usize = 0;
  mechListMicLen: i32 = -1;
}

/** Fields of a parsed negTokenResp; pointers refer into the parsed buffer. */
export class NegTokenResp {
  /** negState, or -1 when absent. */
  negState: i32 = -1;
  /** supportedMech is NTLMSSP (false when absent or another mechanism). */
  supportedMechIsNtlm: bool = false;
  responseToken: usize = 0;
  responseTokenLen: i32 = -1;
  mechListMic: usize = 0;
  mechListMicLen: i32 = -1;
}

/** The single element of type `tag` inside the explicit tag r last read (nothing may follow it), or null. */
function explicit(r: DerReader, tag: u8): DerReader | null {
  const c = r.inner();
  if (!c.expect(tag) || c.pos != c.end) return null;
  return c;
}

/**
 * Parses a client negTokenInit (RFC 4178 §4.2.1), with or without the GSS-API [APPLICATION 0]
 * wrapper. Returns false when the token is malformed.
 */
export function parseNegTokenInit(p: usize, len: i32, out: NegTokenInit): bool {
  let r = new DerReader(p, len);
  if (!r.next()) return false;
  if (r.tag == <i32>DER_APPLICATION_0) {
    const g = r.inner();
    if (!g.expect(DER_OID) || !oidEquals(g.value, g.length, OID_SPNEGO)) return false;
    r = g;
    if (!r.next()) return false;
  }
  if (r.tag != <i32>derContext(0)) return false;
  const s = explicit(r, DER_SEQUENCE);
  if (s === null) return false;
  const f = s.inner();
  while (f.next()) {
    if (f.tag == <i32>derContext(0)) {
      const l = explicit(f, DER_SEQUENCE);
      if (l === null) return false;
      out.mechTypes = l.start;
      out.mechTypesLen = l.encodedLength;
      const m = l.inner();
      let first = true;
      while (m.next()) {
        if (m.tag != <i32>DER_OID) return false;
        const ntlm = oidEquals(m.value, m.length, OID_NTLMSSP);
        if (first) out.firstIsNtlm = ntlm;
        if (ntlm) out.hasNtlm = true;
        first = false;
      }
      if (m.error) return false;
    } else if (f.tag == <i32>derContext(2)) {
      const o = explicit(f, DER_OCTET_STRING);
      if (o === null) return false;
      out.mechToken = o.value;
      out.mechTokenLen = o.length;
    } else if (f.tag == <i32>derContext(3) || f.tag == <i32>derContext(4)) {
      // [3] is mechListMIC in RFC 4178 but negHints in NegTokenInit2; [4] is mechListMIC there.
      const o = explicit(f, DER_OCTET_STRING);
      if (o !== null) {
        out.mechListMic = o.value;
        out.mechListMicLen = o.length;
      }
    } // [1] reqFlags and unknown extensions are ignored
  }
  return !f.error && out.mechTypesLen > 0;
}

/** Parses a negTokenResp (RFC 4178 §4.2.2): `[1] SEQUENCE { ... }`. False when malformed. */
export function parseNegTokenResp(p: usize, len: i32, out: NegTokenResp): bool {
  const r = new DerReader(p, len);
  if (!r.expect(derContext(1))) return false;
  const s = explicit(r, DER_SEQUENCE);
  if (s === null) return false;
  const f = s.inner();
  while (f.next()) {
    if (f.tag == <i32>derContext(0)) {
      const e = explicit(f, DER_ENUMERATED);
      if (e === null || e.length != 1) return false;
      const v = <i32>load<u8>(e.value);
      if (v > NEG_STATE_REQUEST_MIC) return false;
      out.negState = v;
    } else if (f.tag == <i32>derContext(1)) {
      const o = explicit(f, DER_OID);
      if (o === null) return false;
      out.supportedMechIsNtlm = oidEquals(o.value, o.length, OID_NTLMSSP);
    } else if (f.tag == <i32>derContext(2) || f.tag == <i32>derContext(3)) {
      const o = explicit(f, DER_OCTET_STRING);
      if (o === null) return false;
      if (f.tag == <i32>derContext(2)) {
        out.responseToken = o.value;
        out.responseTokenLen = o.length;
      } else {
        out.mechListMic = o.value;
        out.mechListMicLen = o.length;
      }
    }
  }
  return !f.error;
}

/**
 * Builds a negTokenResp. negState is always present; supportedMech (NTLMSSP) only when asked;
 * responseToken and mechListMIC when non-null and non-empty.
 */
export function buildNegTokenResp(
  negState: i32, supportedMech: bool, responseToken: Uint8Array | null, mechListMic: Uint8Array | null,
): Uint8Array {
  const w = new DerWriter();
  w.begin(derContext(1));
  w.begin(DER_SEQUENCE);
  w.begin(derContext(0));
  w.enumerated(<u8>negState);
  w.end();
  if (supportedMech) {
    w.begin(derContext(1));
    w.oid(OID_NTLMSSP);
    w.end();
  }
  if (responseToken !== null && responseToken.length > 0) {
    w.begin(derContext(2));
    w.octetString(responseToken);
    w.end();
  }
  if (mechListMic !== null && mechListMic.length > 0) {
    w.begin(derContext(3));
    w.octetString(mechListMic);
    w.end();
  }
  w.end();
  w.end();
  return w.finish();
}

const ST_INITIAL = 0;
const ST_WAIT_NEGOTIATE = 1; // NTLMSSP selected without a token: the client sends NEGOTIATE next
const ST_WAIT_AUTHENTICATE = 2;
const ST_DONE = 3;

/**
 * Server side of one SESSION_SETUP authentication (one per session / re-authentication).
 * step(token) for each request's security buffer returns an NTSTATUS:
 *   STATUS_MORE_PROCESSING_REQUIRED — send outToken, expect another SESSION_SETUP;
 *   STATUS_SUCCESS — send outToken; isGuest / isAnonymous / userName / domainName / sessionKeyPtr
 *     describe the logon (sessionKeyPtr is 0 for guest and anonymous: do not sign);
 *   STATUS_LOGON_FAILURE / STATUS_INVALID_PARAMETER — fail the request (outToken may hold a
 *     reject token; an SMB2 error response carries none). Further steps return INVALID_PARAMETER.
 * Raw NTLMSSP tokens (no SPNEGO) are answered with raw NTLMSSP. dispose() wipes the secrets.
 */
export class SessionAuth {
  ntlm: NtlmServer;
  /** Output token of the last step (may be empty). */
  outToken: Uint8Array = new Uint8Array(0);
  /** The client used raw NTLMSSP without SPNEGO. */
  raw: bool = false;
  /** RFC 4178 §5: the client's preferred mechanism was not NTLMSSP, so mechListMIC is required. */
  micRequired: bool = false;
  /** The client's DER MechTypeList (kept for the mechListMIC). */
  mechTypes: Uint8Array = new Uint8Array(0);
  private state: i32 = ST_INITIAL;

  constructor(config: NtlmServerConfig) {
    this.ntlm = new NtlmServer(config);
  }

  get outPtr(): usize {
    return this.outToken.dataStart;
  }
  get outLen(): i32 {
    return this.outToken.length;
  }
  /** Completed as guest (unknown user mapped to guest). */
  get isGuest(): bool {
    return this.state == ST_DONE && this.ntlm.result == NTLM_OK_GUEST;
  }
  /** Completed as anonymous (null session). */
  get isAnonymous(): bool {
    return this.state == ST_DONE && this.ntlm.result == NTLM_OK_ANONYMOUS;
  }
  get userName(): string {
    return this.ntlm.userName;
  }
  get domainName(): string {
    return this.ntlm.domainName;
  }
  /** The 16-byte ExportedSessionKey (the SMB2 session key) after success as a user, else 0. */
  get sessionKeyPtr(): usize {
    return this.state == ST_DONE ? this.ntlm.sessionKeyPtr : 0;
  }

  /** Processes one SESSION_SETUP security buffer; see the class comment for the results. */
  step(p: usize, len: i32): u32 {
    this.outToken = new Uint8Array(0);
    if (len < 0) return this.fail(STATUS_INVALID_PARAMETER);
    if (this.state == ST_INITIAL) return this.first(p, len);
    if (this.state == ST_WAIT_NEGOTIATE) {
      const resp = new NegTokenResp();
      if (!parseNegTokenResp(p, len, resp) || resp.responseTokenLen <= 0) return this.fail(STATUS_INVALID_PARAMETER);
      return this.challenge(resp.responseToken, resp.responseTokenLen, false);
    }
    if (this.state == ST_WAIT_AUTHENTICATE) return this.authenticate(p, len);
    return this.fail(STATUS_INVALID_PARAMETER);
  }

  private first(p: usize, len: i32): u32 {
    if (len == 0) {
      this.outToken = spnegoNegTokenInit2(); // client asked the server to speak first
      return STATUS_MORE_PROCESSING_REQUIRED;
    }
    if (isNtlmssp(p, len)) {
      this.raw = true;
      return this.challenge(p, len, false);
    }
    const init = new NegTokenInit();
    if (!parseNegTokenInit(p, len, init)) return this.fail(STATUS_INVALID_PARAMETER);
    if (!init.hasNtlm) {
      this.outToken = buildNegTokenResp(NEG_STATE_REJECT, false, null, null);
      return this.fail(STATUS_LOGON_FAILURE);
    }
    const types = new Uint8Array(init.mechTypesLen);
    memory.copy(types.dataStart, init.mechTypes, <usize>init.mechTypesLen);
    this.mechTypes = types;
    this.micRequired = !init.firstIsNtlm;
    if (init.firstIsNtlm && init.mechTokenLen > 0) return this.challenge(init.mechToken, init.mechTokenLen, true);
    // The optimistic token (if any) belongs to another mechanism: select NTLMSSP and wait.
    const st = this.micRequired ? NEG_STATE_REQUEST_MIC : NEG_STATE_ACCEPT_INCOMPLETE;
    this.outToken = buildNegTokenResp(st, true, null, null);
    this.state = ST_WAIT_NEGOTIATE;
    return STATUS_MORE_PROCESSING_REQUIRED;
  }

  private challenge(p: usize, len: i32, supportedMech: bool): u32 {
    const ch = this.ntlm.acceptNegotiate(p, len);
    if (ch === null) return this.fail(STATUS_INVALID_PARAMETER);
    this.outToken = this.raw ? ch : buildNegTokenResp(NEG_STATE_ACCEPT_INCOMPLETE, supportedMech, ch, null);
    this.state = ST_WAIT_AUTHENTICATE;
    return STATUS_MORE_PROCESSING_REQUIRED;
  }

  private authenticate(p: usize, len: i32): u32 {
    if (this.raw) return this.finish(this.ntlm.acceptAuthenticate(p, len), null);
    const resp = new NegTokenResp();
    if (!parseNegTokenResp(p, len, resp) || resp.responseTokenLen <= 0) return this.fail(STATUS_INVALID_PARAMETER);
    const r = this.ntlm.acceptAuthenticate(resp.responseToken, resp.responseTokenLen);
    if (r != NTLM_OK_USER) return this.finish(r, null);
    const types = this.mechTypes;
    let mic: Uint8Array | null = null;
    if (resp.mechListMicLen >= 0) {
      if (!this.ntlm.verifyMechListMic(types.dataStart, types.length, resp.mechListMic, resp.mechListMicLen)) {
        return this.finish(NTLM_LOGON_FAILURE, null);
      }
      mic = this.ntlm.makeMechListMic(types.dataStart, types.length);
    } else if (this.micRequired && this.ntlm.micPresent) {
      return this.finish(NTLM_LOGON_FAILURE, null); // RFC 4178 §5: a capable client must send it
    }
    return this.finish(r, mic);
  }

  private finish(r: i32, mic: Uint8Array | null): u32 {
    if (r == NTLM_OK_USER || r == NTLM_OK_GUEST || r == NTLM_OK_ANONYMOUS) {
      if (!this.raw) this.outToken = buildNegTokenResp(NEG_STATE_ACCEPT_COMPLETED, false, null, mic);
      this.state = ST_DONE;
      return STATUS_SUCCESS;
    }
    if (!this.raw && r == NTLM_LOGON_FAILURE) this.outToken = buildNegTokenResp(NEG_STATE_REJECT, false, null, null);
    return this.fail(r == NTLM_INVALID ? STATUS_INVALID_PARAMETER : STATUS_LOGON_FAILURE);
  }

  private fail(status: u32): u32 {
    this.state = ST_DONE + 1; // failed: no further steps
    this.ntlm.dispose();
    return status;
  }

  /** Wipes the session key and drops the exchange state. */
  dispose(): void {
    this.ntlm.dispose();
    this.mechTypes = new Uint8Array(0);
    this.outToken = new Uint8Array(0);
  }
}

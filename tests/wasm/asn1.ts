// Test exports for assembly/wire/asn1.ts.
export * from "./_common";
import { DerReader, DerWriter, DER_OCTET_STRING, DER_SEQUENCE, derContext, oidEquals } from "../../assembly/wire/asn1";
import { OID_NTLMSSP } from "../../assembly/auth/spnego";

let recs: usize = 0;
let cap: i32 = 0;
let count: i32 = 0;

function walk(r: DerReader, depth: i32, base: usize): bool {
  while (r.next()) {
    if (count < cap) {
      const q = recs + <usize>(count * 16);
      store<i32>(q, depth);
      store<i32>(q + 4, r.tag);
      store<i32>(q + 8, <i32>(r.value - base));
      store<i32>(q + 12, r.length);
    }
    count++;
    if ((r.tag & 0x20) != 0 && !walk(r.inner(), depth + 1, base)) return false;
  }
  return !r.error;
}

/**
 * Walks every TLV of [p, p+len), descending into constructed ones; writes up to outCap records
 * (depth, tag, value offset, length) of 16 bytes at out. Returns the count, or -1 on a DER error.
 */
export function der_walk(p: usize, len: i32, out: usize, outCap: i32): i32 {
  recs = out;
  cap = outCap;
  count = 0;
  return walk(new DerReader(p, len), 0, p) ? count : -1;
}

/** 1 when [p, p+len) is the encoded NTLMSSP OID. */
export function oid_is_ntlmssp(p: usize, len: i32): i32 {
  return oidEquals(p, len, OID_NTLMSSP) ? 1 : 0;
}

let built = new Uint8Array(0);

/** Builds [2] { SEQUENCE { OCTET STRING(data) } } and returns its address (length: built_len). */
export function der_nest(p: usize, len: i32): usize {
  const w = new DerWriter();
  w.begin(derContext(2));
  w.begin(DER_SEQUENCE);
  w.primitive(DER_OCTET_STRING, p, len);
  w.end();
  w.end();
  built = w.finish();
  return built.dataStart;
}

export function built_len(): i32 {
  return built.length;
}

/** Misuse of the writer: an unbalanced end() must give an empty result, not a trap. */
export function der_misuse(): i32 {
  const w = new DerWriter();
  w.end();
  w.begin(DER_SEQUENCE);
  const a = w.finish().length;
  const w2 = new DerWriter();
  for (let i = 0; i < 40; i++) w2.begin(DER_SEQUENCE);
  return a + w2.finish().length + (w.error ? 100 : 0) + (w2.error ? 1000 : 0);
}

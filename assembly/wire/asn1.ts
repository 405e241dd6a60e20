// ASN.1 DER (ITU-T X.690 §8, §10) reader and writer for SPNEGO tokens (RFC 4178): bounds-checked.
// The reader walks raw memory and never reads outside [ptr, ptr+len); the writer (cold path)
// builds into a growable managed buffer. Only low tag numbers (< 31) are supported.

export const DER_BOOLEAN: u8 = 0x01;
export const DER_INTEGER: u8 = 0x02;
export const DER_BIT_STRING: u8 = 0x03;
export const DER_OCTET_STRING: u8 = 0x04;
export const DER_OID: u8 = 0x06;
export const DER_ENUMERATED: u8 = 0x0a;
export const DER_GENERAL_STRING: u8 = 0x1b;
export const DER_SEQUENCE: u8 = 0x30;
/** [APPLICATION 0] constructed: the GSS-API InitialContextToken wrapper (RFC 2743 §3.1). */
export const DER_APPLICATION_0: u8 = 0x60;

/** The tag byte of a constructed context-specific tag [n] (n < 31). */
@inline export function derContext(n: i32): u8 {
  return <u8>(0xa0 | (n & 0x1f));
}

/**
 * Reads consecutive TLVs from [ptr, ptr+len). After next() returns true, tag/start/value/length
 * describe the element just read and pos is past it. A malformed header (high tag number,
 * indefinite length, more than 4 length octets, or a length running past the end) sets
 * `error` and stops the reader for good.
 */
export class DerReader {
  /** Offset of the next unread byte. */
  pos: usize;
  /** One past the last readable byte. */
  end: usize;
  /** Tag byte of the element last read (-1 before the first). */
  tag: i32 = -1;
  /** Address of the element's first (tag) byte. */
  start: usize = 0;
  /** Address of the element's contents. */
  value: usize = 0;
  /** Length of the element's contents in bytes. */
  length: i32 = 0;
  /** True once a malformed header was seen. */
  error: bool = false;

  constructor(ptr: usize, len: i32) {
    this.pos = ptr;
    this.end = len > 0 ? ptr + <usize>len : ptr;
  }

  /** True while unread bytes remain and no error was seen. */
  hasMore(): bool {
    return !this.error && this.pos < this.end;
  }

  /** Total encoded size (header + contents) of the element last read. */
  get encodedLength(): i32 {
    return <i32>(this.value - this.start) + this.length;
  }

  /** Decodes the TLV header at pos and steps over the element; false at the end or on error. */
  next(): bool {
    if (this.error || this.pos >= this.end) return false;
    let p = this.pos;
    const tag = <i32>load<u8>(p++);
    if ((tag & 0x1f) == 0x1f) return this.fail(); // high-tag-number form: not used by SPNEGO
    if (p >= this.end) return this.fail();
    const first = <u32>load<u8>(p++);
    let len: u32 = first;
    if (first >= 0x80) {
      const n = <i32>(first & 0x7f);
      if (n == 0 || n > 4) return this.fail(); // 0x80 = indefinite length: not DER
      if (<usize>n > this.end - p) return this.fail();
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | <u32>load<u8>(p++);
    }
    if (<usize>len > this.end - p) return this.fail();
    this.tag = tag;
    this.start = this.pos;
    this.value = p;
    this.length = <i32>len;
    this.pos = p + <usize>len;
    return true;
  }

  /** Reads the next element and requires its tag to be `tag`. */
  expect(tag: u8): bool {
    return this.next() && this.tag == <i32>tag;
  }

  /** Reads the next element only if its tag byte is `tag` (for OPTIONAL fields). */
  nextIf(tag: u8): bool {
    if (this.error || this.pos >= this.end || <i32>load<u8>(this.pos) != <i32>tag) return false;
    return this.next();
  }

  /** A reader over the contents of the element last read. */
  inner(): DerReader {
    return new DerReader(this.value, this.length);
  }

  private fail(): bool {
    this.error = true;
    this.pos = this.end;
    return false;
  }
}

/** True when the len bytes at p are exactly the encoded OID contents `oid` (no tag/length). */
export function oidEquals(p: usize, len: i32, oid: StaticArray<u8>): bool {
  if (len != oid.length) return false;
  for (let i = 0; i < len; i++) {
    if (load<u8>(p + <usize>i) != unchecked(oid[i])) return false;
  }
  return true;
}

const MAX_DEPTH = 16;

/**
 * Builds DER into a growable managed buffer. Constructed elements are opened with begin(tag)
 * and closed with end(); their length octets are fixed up on end(). Misuse (unbalanced end,
 * nesting deeper than 16) sets `error` instead of trapping.
 */
export class DerWriter {
  private buf: Uint8Array = new Uint8Array(128);
  private len: i32 = 0;
  private open: StaticArray<i32> = new StaticArray<i32>(MAX_DEPTH);
  private depth: i32 = 0;
  /** True after misuse; finish() then returns an empty buffer. */
  error: bool = false;

  private reserve(n: i32): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length << 1;
    while (cap < need) cap <<= 1;
    const nb = new Uint8Array(cap);
    memory.copy(nb.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = nb;
  }

  private byte(b: u8): void {
    this.reserve(1);
    store<u8>(this.buf.dataStart + <usize>this.len, b);
    this.len++;
  }

  private lengthOctets(n: i32): void {
    if (n < 0x80) {
      this.byte(<u8>n);
      return;
    }
    const k = lengthOctetCount(n) - 1;
    this.byte(<u8>(0x80 | k));
    for (let i = k - 1; i >= 0; i--) this.byte(<u8>(n >>> (i << 3)));
  }

  /** Appends len raw bytes from p (already-encoded DER, or contents). */
  raw(p: usize, len: i32): void {
    if (len <= 0) return;
    this.reserve(len);
    memory.copy(this.buf.dataStart + <usize>this.len, p, <usize>len);
    this.len += len;
  }

  /** Appends a primitive element with contents copied from [p, p+len). */
  primitive(tag: u8, p: usize, len: i32): void {
    this.byte(tag);
    this.lengthOctets(len < 0 ? 0 : len);
    this.raw(p, len);
  }

  /** Appends an OCTET STRING holding the bytes of b. */
  octetString(b: Uint8Array): void {
    this.primitive(DER_OCTET_STRING, b.dataStart, b.length);
  }

  /** Appends an OBJECT IDENTIFIER from its encoded contents. */
  oid(o: StaticArray<u8>): void {
    this.primitive(DER_OID, changetype<usize>(o), o.length);
  }

  /** Appends an ENUMERATED with a small non-negative value (0..127). */
  enumerated(v: u8): void {
    this.byte(DER_ENUMERATED);
    this.byte(1);
    this.byte(v & 0x7f);
  }

  /** Appends a GeneralString from an ASCII string (other characters become '?'). */
  generalString(s: string): void {
    const n = s.length;
    this.byte(DER_GENERAL_STRING);
    this.lengthOctets(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      this.byte(c < 0x80 ? <u8>c : 0x3f);
    }
  }

  /** Opens a constructed element (SEQUENCE, [n], [APPLICATION n]). */
  begin(tag: u8): void {
    if (this.depth >= MAX_DEPTH) {
      this.error = true;
      return;
    }
    this.byte(tag);
    this.byte(0); // one length octet reserved; end() widens it when needed
    unchecked((this.open[this.depth++] = this.len));
  }

  /** Closes the innermost open element and writes its length. */
  end(): void {
    if (this.depth <= 0) {
      this.error = true;
      return;
    }
    const contentStart = unchecked(this.open[--this.depth]);
    const n = this.len - contentStart;
    const extra = lengthOctetCount(n) - 1;
    if (extra > 0) {
      this.reserve(extra);
      const base = this.buf.dataStart;
      memory.copy(base + <usize>(contentStart + extra), base + <usize>contentStart, <usize>n);
      this.len += extra;
    }
    const lp = this.buf.dataStart + <usize>(contentStart - 1);
    if (n < 0x80) {
      store<u8>(lp, <u8>n);
    } else {
      store<u8>(lp, <u8>(0x80 | extra));
      for (let i = 0; i < extra; i++) store<u8>(lp + 1 + <usize>i, <u8>(n >>> ((extra - 1 - i) << 3)));
    }
  }

  /** The encoding so far as a fresh buffer (empty if misused or elements are still open). */
  finish(): Uint8Array {
    if (this.error || this.depth != 0) return new Uint8Array(0);
    const out = new Uint8Array(this.len);
    memory.copy(out.dataStart, this.buf.dataStart, <usize>this.len);
    return out;
  }
}

/** Number of octets in the DER length field for a length of n. */
function lengthOctetCount(n: i32): i32 {
  if (n < 0x80) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x1000000) return 4;
  return 5;
}

// NDR20 transfer syntax (C706 ch. 14, MS-RPCE 2.2.5) for little-endian stubs: a bounds-checked reader and a writer.
// The reader never touches memory outside [base, base+len): a short or inconsistent buffer sets
// `failed`, after which every read returns 0 — callers check `failed` once at the end (security
// review item M4). The writer (cold path) grows a managed buffer up to NDR_WRITER_MAX.

/** Largest stub the writer produces; past it the writer sets `failed` instead of growing. */
export const NDR_WRITER_MAX: i32 = 4 << 20;

/** First referent ID handed out for embedded pointers (the value Windows and Samba start from). */
export const NDR_FIRST_REFERENT: u32 = 0x00020000;

/** Reads NDR primitives from raw memory; all offsets (and alignment) are relative to `base`. */
export class NdrReader {
  base: usize;
  len: u32;
  /** Offset of the next unread byte; never greater than len. */
  pos: u32 = 0;
  /** True once any read ran past the end or met an inconsistent value. */
  failed: bool = false;

  constructor(base: usize, len: i32) {
    this.base = base;
    this.len = len > 0 ? <u32>len : 0;
  }

  /** Marks the stream malformed (used by callers for semantic errors). */
  fail(): void {
    this.failed = true;
  }

  /** Unread bytes (0 after a failure). */
  remaining(): u32 {
    return this.failed ? 0 : this.len - this.pos;
  }

  /** True if n more bytes are available; otherwise fails the reader. */
  need(n: u32): bool {
    if (this.failed) return false;
    if (n > this.len - this.pos) {
      this.failed = true;
      return false;
    }
    return true;
  }

  /** Skips padding up to a multiple of n (a power of two). */
  align(n: u32): void {
    const p = (this.pos + (n - 1)) & ~(n - 1);
    if (p > this.len) this.failed = true;
    else this.pos = p;
  }

  /** Skips n bytes. */
  skip(n: u32): void {
    if (this.need(n)) this.pos += n;
  }

  u8(): u8 {
    if (!this.need(1)) return 0;
    const v = load<u8>(this.base + <usize>this.pos);
    this.pos += 1;
    return v;
  }

  /** An aligned little-endian u16. */
  u16(): u16 {
    this.align(2);
    if (!this.need(2)) return 0;
    const v = load<u16>(this.base + <usize>this.pos);
    this.pos += 2;
    return v;
  }

  /** An aligned little-endian u32. */
  u32(): u32 {
    this.align(4);
    if (!this.need(4)) return 0;
    const v = load<u32>(this.base + <usize>this.pos);
    this.pos += 4;
    return v;
  }

  /** A unique or full pointer's referent ID (0 = null); the referent itself is read by the caller. */
  pointer(): u32 {
    return this.u32();
  }

  /**
   * A conformant varying UTF-16 string ([string] wchar_t*): max count, offset, actual count,
   * then actual count code units including the terminating NUL. Returns the text before the
   * first NUL, or "" with `failed` set when the header is inconsistent or the data is short.
   */
  wstring(): string {
    const max = this.u32();
    const offset = this.u32();
    const actual = this.u32();
    if (this.failed) return "";
    if (offset != 0 || actual > max || actual > (this.len - this.pos) >> 1) {
      this.failed = true;
      return "";
    }
    const p = this.base + <usize>this.pos;
    let n: u32 = 0;
    while (n < actual && load<u16>(p + (<usize>n << 1)) != 0) n++;
    this.pos += actual << 1;
    return String.UTF16.decodeUnsafe(p, <usize>n << 1);
  }

  /** Skips a conformant varying UTF-16 string without decoding it (same checks as wstring). */
  skipWstring(): void {
    const max = this.u32();
    const offset = this.u32();
    const actual = this.u32();
    if (this.failed) return;
    if (offset != 0 || actual > max || actual > (this.len - this.pos) >> 1) this.failed = true;
    else this.pos += actual << 1;
  }

  /** Skips a conformant array of elemSize-byte elements (max count, then the elements). */
  skipConformantArray(elemSize: u32): void {
    const count = this.u32();
    if (this.failed) return;
    if (elemSize != 0 && count > (this.len - this.pos) / elemSize) {
      this.failed = true;
      return;
    }
    this.pos += count * elemSize;
  }
}

/** Builds an NDR stub in a growable managed buffer; alignment is relative to its start. */
export class NdrWriter {
  buf: Uint8Array;
  len: i32 = 0;
  /** True once the NDR_WRITER_MAX limit was hit; the content is then unusable. */
  failed: bool = false;
  /** Next referent ID for a non-null embedded pointer. */
  nextReferent: u32 = NDR_FIRST_REFERENT;

  constructor(initial: i32 = 256) {
    this.buf = new Uint8Array(initial < 16 ? 16 : initial > NDR_WRITER_MAX ? NDR_WRITER_MAX : initial);
  }

  /** Address of byte 0 (valid until the next write that grows the buffer). */
  get dataStart(): usize {
    return this.buf.dataStart;
  }

  /** Makes room for n more bytes; false (and `failed`) past NDR_WRITER_MAX. */
  reserve(n: i32): bool {
    if (this.failed) return false;
    if (n < 0 || n > NDR_WRITER_MAX - this.len) {
      this.failed = true;
      return false;
    }
    const want = this.len + n;
    let cap = this.buf.length;
    if (want <= cap) return true;
    while (cap < want) cap = cap > NDR_WRITER_MAX >> 1 ? NDR_WRITER_MAX : cap << 1;
    const nb = new Uint8Array(cap);
    memory.copy(nb.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = nb;
    return true;
  }

  /** Appends n zero bytes. */
  zeros(n: i32): void {
    if (!this.reserve(n)) return;
    memory.fill(this.buf.dataStart + <usize>this.len, 0, <usize>n);
    this.len += n;
  }

  /** Pads with zeros to a multiple of n (a power of two). */
  align(n: i32): void {
    const pad = ((this.len + (n - 1)) & ~(n - 1)) - this.len;
    if (pad > 0) this.zeros(pad);
  }

  u8(v: u8): void {
    if (!this.reserve(1)) return;
    store<u8>(this.buf.dataStart + <usize>this.len, v);
    this.len += 1;
  }

  /** An aligned little-endian u16. */
  u16(v: u16): void {
    this.align(2);
    if (!this.reserve(2)) return;
    store<u16>(this.buf.dataStart + <usize>this.len, v);
    this.len += 2;
  }

  /** An aligned little-endian u32. */
  u32(v: u32): void {
    this.align(4);
    if (!this.reserve(4)) return;
    store<u32>(this.buf.dataStart + <usize>this.len, v);
    this.len += 4;
  }

  /** Overwrites a u16 already written at offset off. */
  patchU16(off: i32, v: u16): void {
    if (off >= 0 && off + 2 <= this.len) store<u16>(this.buf.dataStart + <usize>off, v);
  }

  /** Appends n raw bytes from src. */
  bytes(src: usize, n: i32): void {
    if (n <= 0 || !this.reserve(n)) return;
    memory.copy(this.buf.dataStart + <usize>this.len, src, <usize>n);
    this.len += n;
  }

  /** A unique pointer: a fresh referent ID when present, else 0. The caller writes the referent. */
  uniquePtr(present: bool): void {
    if (present) this.refPtr();
    else this.u32(0);
  }

  /** An embedded [ref] pointer (never null): a fresh referent ID. */
  refPtr(): void {
    this.u32(this.nextReferent);
    this.nextReferent += 4;
  }

  /** The max count of a conformant array (written before its elements). */
  conformance(count: u32): void {
    this.u32(count);
  }

  /** A conformant varying UTF-16 string including its terminating NUL. */
  wstring(s: string): void {
    const n = <u32>s.length + 1;
    this.u32(n);
    this.u32(0);
    this.u32(n);
    const bytes = <i32>(n << 1);
    if (!this.reserve(bytes)) return;
    const dst = this.buf.dataStart + <usize>this.len;
    memory.copy(dst, changetype<usize>(s), <usize>(bytes - 2));
    store<u16>(dst + <usize>(bytes - 2), 0);
    this.len += bytes;
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.len);
    memory.copy(out.dataStart, this.buf.dataStart, <usize>this.len);
    return out;
  }
}

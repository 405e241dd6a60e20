// Windows security descriptors for the tests, in TypeScript and independent of the core (so a test
// can build what it sends and check what the server returns without trusting assembly/fs/sd*.ts):
//   SID                               MS-DTYP 2.4.2.2 (binary form; strings as in 2.4.2.1, "S-1-5-18")
//   ACE                               MS-DTYP 2.4.4 (ACE_HEADER 2.4.4.1, then Mask and Sid)
//   ACL                               MS-DTYP 2.4.5
//   SECURITY_DESCRIPTOR self-relative MS-DTYP 2.4.6 (Owner, Group, Sacl, Dacl as offsets)
// Only the ACE types whose body is Mask + Sid (ACCESS_ALLOWED/DENIED, SYSTEM_AUDIT, mandatory label,
// and the like; 2.4.4.2 ff.) are handled: object ACEs are refused when decoding. Decoding checks every
// length and offset against the input and throws an Error saying what is truncated.

/** An ACE. `type` (ACE_HEADER.AceType) is 0, ACCESS_ALLOWED_ACE_TYPE, when left out; decoding always sets it. */
export interface Ace {
  type?: number;
  flags: number;
  mask: number;
  sid: string;
}

/**
 * A descriptor. `control` is written as given plus SE_SELF_RELATIVE (0x8000): set DACL_PRESENT (4) /
 * SACL_PRESENT (0x10) yourself. A part left out (or null) has offset 0; a decoded DACL/SACL is
 * present (an ACL, or null for a NULL ACL) only when its _PRESENT bit is set.
 */
export interface Sd {
  control: number;
  owner?: string;
  group?: string;
  dacl?: Ace[] | null;
  sacl?: Ace[] | null;
}

/** SECURITY_DESCRIPTOR.Control bits (2.4.6). */
export const SE_DACL_PRESENT = 0x0004;
export const SE_SACL_PRESENT = 0x0010;
export const SE_SELF_RELATIVE = 0x8000;
/** ACE types with ObjectType / InheritedObjectType fields before the Sid (2.4.4.3, 2.4.4.4, ...). */
const OBJECT_ACE_TYPES = new Set([0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0f, 0x10]);

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function need(what: string, at: number, len: number, end: number): void {
  if (at < 0 || at + len > end) throw new Error(`security descriptor truncated: ${what} at offset ${at} needs ${len} bytes, only ${Math.max(end - at, 0)} there`);
}

/** "S-1-5-21-1-2-3-1000" → the binary SID (Revision 1). */
export function encodeSid(s: string): Buffer {
  const p = s.split("-");
  if (p.length < 3 || p[0] !== "S" || p[1] !== "1" || p.slice(2).some((x) => !/^\d+$/.test(x))) throw new Error(`not a SID string: ${s}`);
  const auth = Number(p[2]);
  const subs = p.slice(3).map(Number);
  if (auth >= 2 ** 48 || subs.length > 15 || subs.some((x) => x >= 2 ** 32)) throw new Error(`SID out of range: ${s}`);
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = 1;
  b[1] = subs.length;
  b.writeUIntBE(auth, 2, 6);
  for (const [i, x] of subs.entries()) b.writeUInt32LE(x, 8 + 4 * i);
  return b;
}

/** The SID at `offset` (which must end by `end`) as a string. */
export function decodeSid(u: Uint8Array, offset = 0, end = u.length): string {
  const b = asBuffer(u);
  need("SID", offset, 8, end);
  const n = b[offset + 1];
  need(`SID with ${n} sub-authorities`, offset, 8 + 4 * n, end);
  let s = `S-${b[offset]}-${b.readUIntBE(offset + 2, 6)}`;
  for (let i = 0; i < n; i++) s += `-${b.readUInt32LE(offset + 8 + 4 * i)}`;
  return s;
}

/** An ACL (AclRevision 2) of Mask + Sid ACEs. */
export function encodeAcl(aces: Ace[]): Buffer {
  const body = Buffer.concat(
    aces.map((a) => {
      const sid = encodeSid(a.sid);
      const h = Buffer.alloc(8);
      h[0] = a.type ?? 0;
      h[1] = a.flags;
      h.writeUInt16LE(8 + sid.length, 2);
      h.writeUInt32LE(a.mask >>> 0, 4);
      return Buffer.concat([h, sid]);
    }),
  );
  const h = Buffer.alloc(8);
  h[0] = 2;
  h.writeUInt16LE(8 + body.length, 2);
  h.writeUInt16LE(aces.length, 4);
  return Buffer.concat([h, body]);
}

/** The ACL at `offset`: its AclSize and every AceSize are checked against the input. */
export function decodeAcl(u: Uint8Array, offset = 0): Ace[] {
  const b = asBuffer(u);
  need("ACL header", offset, 8, b.length);
  const size = b.readUInt16LE(offset + 2);
  if (size < 8) throw new Error(`bad ACL at offset ${offset}: AclSize ${size} is less than its header`);
  need("ACL", offset, size, b.length);
  const end = offset + size;
  const count = b.readUInt16LE(offset + 4);
  const aces: Ace[] = [];
  let p = offset + 8;
  for (let i = 0; i < count; i++) {
    need(`ACE ${i} of ${count} (header)`, p, 8, end);
    const type = b[p];
    const aceSize = b.readUInt16LE(p + 2);
    if (aceSize < 8) throw new Error(`bad ACE ${i} at offset ${p}: AceSize ${aceSize} is less than its header`);
    need(`ACE ${i} of ${count}`, p, aceSize, end);
    if (OBJECT_ACE_TYPES.has(type)) throw new Error(`ACE ${i} at offset ${p}: object ACE type 0x${type.toString(16)} is not supported`);
    need(`ACE ${i} of ${count} (Mask)`, p + 4, 4, p + aceSize);
    aces.push({ type, flags: b[p + 1], mask: b.readUInt32LE(p + 4), sid: decodeSid(b, p + 8, p + aceSize) });
    p += aceSize;
  }
  return aces;
}

/** A self-relative descriptor: the 20-byte header, then owner, group, SACL and DACL in that order. */
export function encodeSd(sd: Sd): Buffer {
  const hdr = Buffer.alloc(20);
  hdr[0] = 1;
  hdr.writeUInt16LE((sd.control | SE_SELF_RELATIVE) & 0xffff, 2);
  const parts: Buffer[] = [hdr];
  let off = 20;
  const add = (at: number, part: Buffer) => {
    hdr.writeUInt32LE(off, at);
    parts.push(part);
    off += part.length;
  };
  if (sd.owner) add(4, encodeSid(sd.owner));
  if (sd.group) add(8, encodeSid(sd.group));
  if (sd.sacl) add(12, encodeAcl(sd.sacl));
  if (sd.dacl) add(16, encodeAcl(sd.dacl));
  return Buffer.concat(parts);
}

/** A self-relative descriptor (as the server returns it) → Sd; throws on truncated input. */
export function decodeSd(u: Uint8Array): Sd {
  const b = asBuffer(u);
  need("security descriptor header", 0, 20, b.length);
  const control = b.readUInt16LE(2);
  const at = (k: number) => b.readUInt32LE(k);
  const sd: Sd = { control };
  if (at(4)) sd.owner = decodeSid(b, at(4));
  if (at(8)) sd.group = decodeSid(b, at(8));
  if (control & SE_SACL_PRESENT) sd.sacl = at(12) ? decodeAcl(b, at(12)) : null;
  if (control & SE_DACL_PRESENT) sd.dacl = at(16) ? decodeAcl(b, at(16)) : null;
  return sd;
}

// The fuzz corpus format: one file per recorded connection (tests/fuzz/corpus/*.smbc). Client
// frames are kept whole; server frames as skeletons (each message's header and the start of its
// body: enough to learn the SessionIds, TreeIds, FileIds, AsyncIds and resume keys the recorded
// client frames refer to, so a replay can map them to the ones the live core hands out).
//   "SMBFZ01\n", u32 meta length, meta JSON (UTF-8), then records: u8 dir (0 c2s, 1 s2c),
//   u32 length, bytes. Little-endian. Crash files (tests/fuzz/crashes/) use the same format
//   with "actions" in the meta (tests/fuzz/replay.ts).
import { readFileSync, writeFileSync } from "node:fs";

const MAGIC = "SMBFZ01\n";

export interface CorpusMeta {
  /** What produced it, e.g. "smbclient: ls" or "smbtorture smb2.lock.async". */
  source: string;
  /** Credentials the recorded client used (the replay recomputes NTLM answers with them). */
  user?: string;
  password?: string;
  domain?: string;
  /** Replay plan of a crash file (see replay.ts): the harness's own decisions. */
  actions?: unknown;
  [k: string]: unknown;
}

export interface Conversation {
  meta: CorpusMeta;
  /** Client → server frames (without the 4-byte transport header). */
  c2s: Uint8Array[];
  /** Server → client skeleton frames, in order. */
  s2c: Uint8Array[];
  /** Interleaving: for each record, 0 = next c2s, 1 = next s2c. */
  order: number[];
}

/** How much of a response body the skeleton keeps (IOCTL keeps resume keys, CREATE its FileId). */
function keepBody(command: number): number {
  return command === 11 ? 192 : command === 5 ? 80 : 8;
}

/** The skeleton of a server frame: each plain message cut to its header and body start. */
export function skeleton(f: Uint8Array): Uint8Array {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const parts: Uint8Array[] = [];
  for (let off = 0; off + 64 <= f.length && dv.getUint32(off, true) === 0x424d53fe; ) {
    const next = dv.getUint32(off + 20, true);
    const end = next === 0 || off + next > f.length ? f.length : off + next;
    const keep = Math.min(end - off, 64 + keepBody(dv.getUint16(off + 12, true)));
    parts.push(f.slice(off, off + keep));
    if (next === 0 || off + next > f.length) break;
    off += next;
  }
  if (parts.length === 0) return f.slice(0, Math.min(f.length, 64));
  // rewrite NextCommand to the cut lengths
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const padded = i < parts.length - 1 ? (p.length + 7) & ~7 : p.length;
    if (padded !== p.length) {
      const q = new Uint8Array(padded);
      q.set(p);
      parts[i] = q;
    }
    new DataView(parts[i].buffer, parts[i].byteOffset).setUint32(20, i < parts.length - 1 ? padded : 0, true);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeConversation(c: Conversation): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify(c.meta));
  const recs: Uint8Array[] = [];
  let ci = 0;
  let si = 0;
  for (const d of c.order) {
    const b = d === 0 ? c.c2s[ci++] : c.s2c[si++];
    const h = new Uint8Array(5);
    h[0] = d;
    new DataView(h.buffer).setUint32(1, b.length, true);
    recs.push(h, b);
  }
  const head = new Uint8Array(12);
  head.set(new TextEncoder().encode(MAGIC));
  new DataView(head.buffer).setUint32(8, meta.length, true);
  return new Uint8Array(Buffer.concat([head, meta, ...recs]));
}

export function decodeConversation(bytes: Uint8Array): Conversation {
  const b = new Uint8Array(bytes); // a plain copy: Buffer#slice would give views, and replays patch copies
  if (new TextDecoder().decode(b.subarray(0, 8)) !== MAGIC) throw new Error("not a fuzz corpus file");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ml = dv.getUint32(8, true);
  const meta = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + ml))) as CorpusMeta;
  const c: Conversation = { meta, c2s: [], s2c: [], order: [] };
  for (let off = 12 + ml; off + 5 <= b.length; ) {
    const d = b[off];
    const n = dv.getUint32(off + 1, true);
    const bytes = b.slice(off + 5, off + 5 + n);
    off += 5 + n;
    (d === 0 ? c.c2s : c.s2c).push(bytes);
    c.order.push(d === 0 ? 0 : 1);
  }
  return c;
}

export function readConversation(path: string): Conversation {
  return decodeConversation(readFileSync(path));
}

export function writeConversation(path: string, c: Conversation): void {
  writeFileSync(path, encodeConversation(c));
}

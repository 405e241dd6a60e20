// Structure-aware mutations of a recorded connection into one fuzz execution (replay.ts Exec):
// the 4-byte transport header and the 64-byte SMB2 header stay plausible while bodies, the
// length/offset fields of each command, header fields, compound chains (valid and invalid
// NextCommand, related and unrelated), frame boundaries and the harness's own timing (clock
// ticks, deferred completions, early close) are varied.
import type { Conversation } from "./corpus.ts";
import type { Rng } from "./driver.ts";
import type { Exec, Step } from "./replay.ts";

const SMB2 = 0x424d53fe;
const RELATED = 0x4;

/** Length/offset/class fields of each request body (offset, width in bytes), MS-SMB2 2.2.x. */
const FIELDS: Record<number, Array<[number, 1 | 2 | 4 | 8]>> = {
  0: [[2, 2], [4, 2], [8, 4], [28, 4], [32, 2], [36, 2]],
  1: [[2, 1], [3, 1], [4, 4], [12, 2], [14, 2], [16, 8]],
  2: [[2, 2]],
  3: [[2, 2], [4, 2], [6, 2]],
  4: [[2, 2]],
  5: [[2, 1], [3, 1], [4, 4], [24, 4], [28, 4], [32, 4], [36, 4], [40, 4], [44, 2], [46, 2], [48, 4], [52, 4]],
  6: [[2, 2]],
  7: [[2, 2]],
  8: [[2, 1], [3, 1], [4, 4], [8, 8], [32, 4], [36, 4], [40, 4], [44, 2], [46, 2]],
  9: [[2, 2], [4, 4], [8, 8], [32, 4], [36, 4], [40, 2], [42, 2], [44, 4]],
  10: [[2, 2], [4, 4], [24, 8], [32, 8], [40, 4], [48, 8], [56, 8], [64, 4]],
  11: [[4, 4], [24, 4], [28, 4], [32, 4], [36, 4], [40, 4], [44, 4], [48, 4]],
  12: [[2, 2]],
  13: [[2, 2]],
  14: [[2, 1], [3, 1], [4, 4], [24, 2], [26, 2], [28, 4]],
  15: [[2, 2], [4, 4], [24, 4], [28, 4]],
  16: [[2, 1], [3, 1], [4, 4], [8, 2], [12, 4], [16, 4], [20, 4]],
  17: [[2, 1], [3, 1], [4, 4], [8, 2], [12, 4]],
  18: [[2, 1], [4, 4], [8, 8], [24, 4], [28, 8]],
};
/** Header fields: offset, width. */
const HEADER: Array<[number, 1 | 2 | 4 | 8]> = [[4, 2], [6, 2], [8, 4], [12, 2], [14, 2], [16, 4], [20, 4], [24, 8], [32, 4], [36, 4], [40, 8]];
const FLAG_BITS = [0x1, 0x2, 0x4, 0x8, 0x10, 0x20000000, 0x10000000, 0x70];

const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 15, 16, 24, 31, 32, 63, 64, 65, 72, 100, 120, 127, 128, 255, 256, 512, 1023, 1024, 4095, 4096, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Names that stress path parsing (UTF-16LE when inserted). */
const NAMES = [
  "", ".", "..", "..\\..\\etc\\passwd", "a\\..\\..\\b", "\\", "\\\\", "a\\", "a:stream", "a:stream:$DATA", "a::$DATA", "a:", ":",
  "*", "?", "<", "a\u0000b", "CON", "aux.txt", "a".repeat(255), "b".repeat(300), "dir\\sub\\file.txt", "\ud800", "\udc00x",
  "IPC$", "srvsvc", "\\PIPE\\srvsvc", "x/y", " ", "a ", "a.", "~1", ".wasmsmb-xattr", ".wasmsmb-xattr\\x", "\u202e", "\uffff",
];

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function put(b: Uint8Array, o: number, w: number, v: number | bigint): void {
  if (o < 0 || o + w > b.length) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (w === 1) dv.setUint8(o, Number(v) & 0xff);
  else if (w === 2) dv.setUint16(o, Number(v) & 0xffff, true);
  else if (w === 4) dv.setUint32(o, Number(BigInt.asUintN(32, BigInt(v))), true);
  else dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
}

function interesting(r: Rng, w: number, len: number): number | bigint {
  const k = r.int(8);
  if (k === 0) return len;
  if (k === 1) return len + r.int(5) - 2;
  if (k === 2) return r.u32() % (1 << Math.min(31, w * 8));
  if (k === 3 && w === 8) return (BigInt(r.u32()) << 32n) | BigInt(r.u32());
  return r.pick(INTERESTING);
}

/** Message boundaries of a frame. */
function split(f: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  for (let off = 0; off + 64 <= f.length && dv.getUint32(off, true) === SMB2 && out.length < 32; ) {
    const next = dv.getUint32(off + 20, true);
    const end = next === 0 || next < 64 || off + next > f.length ? f.length : off + next;
    out.push(f.slice(off, end));
    if (end === f.length) break;
    off = end;
  }
  return out;
}

/** Chains messages into a compound: 8-byte aligned, NextCommand set (MS-SMB2 3.2.4.1.4). */
export function chain(msgs: Uint8Array[], related: boolean): Uint8Array {
  const parts = msgs.map((m, i) => {
    const last = i === msgs.length - 1;
    const b = new Uint8Array(last ? m.length : (m.length + 7) & ~7);
    b.set(m);
    if (b.length >= 64) {
      put(b, 20, 4, last ? 0 : b.length);
      if (related && i > 0) {
        put(b, 16, 4, new DataView(b.buffer).getUint32(16, true) | RELATED);
        const cmd = u16(b, 12);
        const at = ({ 6: 8, 7: 8, 8: 16, 9: 16, 10: 8, 11: 8, 14: 8, 15: 8, 16: 24, 17: 16 } as Record<number, number>)[cmd];
        if (at !== undefined && 64 + at + 16 <= b.length) b.fill(0xff, 64 + at, 64 + at + 16);
      }
    }
    return b;
  });
  return new Uint8Array(Buffer.concat(parts));
}

function utf16(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf16le"));
}

/** One structure-aware mutation of one SMB2 message. */
function mutateMessage(m: Uint8Array, r: Rng, donors: Uint8Array[]): Uint8Array {
  if (m.length < 64) return m;
  const cmd = u16(m, 12);
  const structSize = u16(m, 64) & ~1;
  const fixedEnd = Math.min(m.length, 64 + Math.max(structSize, 8));
  const op = r.int(14);
  switch (op) {
    case 0:
    case 1: {
      // a length/offset/class field of the command
      const fields = FIELDS[cmd];
      if (!fields) break;
      const [o, w] = r.pick(fields);
      put(m, 64 + o, w, w === 1 ? r.int(256) : interesting(r, w, m.length));
      break;
    }
    case 2: {
      // a header field
      const [o, w] = r.pick(HEADER);
      if (o === 16) put(m, o, 4, new DataView(m.buffer, m.byteOffset).getUint32(16, true) ^ r.pick(FLAG_BITS));
      else if (o === 12) put(m, o, 2, r.chance(0.8) ? r.int(19) : r.int(0x10000));
      else put(m, o, w, interesting(r, w, m.length));
      break;
    }
    case 3:
    case 4: {
      // bit flips in the fixed part of the body
      for (let i = 1 + r.int(3); i > 0; i--) {
        const p = 64 + r.int(Math.max(1, fixedEnd - 64));
        if (p < m.length) m[p] ^= 1 << r.int(8);
      }
      break;
    }
    case 5: {
      // random bytes anywhere in the body
      for (let i = 1 + r.int(4); i > 0 && m.length > 64; i--) m[64 + r.int(m.length - 64)] = r.u32() & 0xff;
      break;
    }
    case 6: {
      // an aligned interesting value anywhere in the body
      const w = r.pick([2, 4, 8] as const);
      const p = 64 + r.int(Math.max(1, (m.length - 64) / w)) * w;
      put(m, p, w, interesting(r, w, m.length));
      break;
    }
    case 7:
      return m.slice(0, 64 + r.int(m.length - 64 + 1)); // truncate the body
    case 8: {
      // extend with zeros, random bytes or a copy of itself
      const k = r.int(3);
      const extra = k === 0 ? new Uint8Array(1 + r.int(256)) : k === 1 ? new Uint8Array(1 + r.int(64)).map(() => r.u32() & 0xff) : m.slice(64);
      return new Uint8Array(Buffer.concat([m, extra]));
    }
    case 9: {
      // insert or remove bytes inside the body (offsets now point elsewhere)
      const p = 64 + r.int(Math.max(1, m.length - 64));
      if (r.chance(0.5)) return new Uint8Array(Buffer.concat([m.subarray(0, p), new Uint8Array(1 + r.int(16)).map(() => r.u32() & 0xff), m.subarray(p)]));
      return new Uint8Array(Buffer.concat([m.subarray(0, p), m.subarray(Math.min(m.length, p + 1 + r.int(16)))]));
    }
    case 10: {
      // a name field replaced by a dictionary name (CREATE, TREE_CONNECT, QUERY_DIRECTORY)
      const nf = cmd === 5 ? [44, 46] : cmd === 3 ? [4, 6] : cmd === 14 ? [24, 26] : null;
      if (!nf || m.length < 64 + nf[1] + 2) break;
      const name = utf16(r.chance(0.8) ? r.pick(NAMES) : Array.from({ length: 1 + r.int(40) }, () => String.fromCharCode(r.int(0x3000))).join(""));
      const off = u16(m, 64 + nf[0]);
      const head = m.slice(0, Math.min(m.length, Math.max(off, 64 + structSize - 1)));
      const at = head.length;
      const out = new Uint8Array(Buffer.concat([head, name, m.subarray(Math.min(m.length, off + u16(m, 64 + nf[1])))]));
      put(out, 64 + nf[0], 2, at);
      put(out, 64 + nf[1], 2, name.length);
      return out;
    }
    case 11: {
      // splice bytes of another message into the body
      const d = donors.length > 0 ? r.pick(donors) : m;
      if (d.length <= 64) break;
      const from = 64 + r.int(d.length - 64);
      const n = 1 + r.int(Math.min(64, d.length - from));
      const p = 64 + r.int(Math.max(1, m.length - 64));
      const out = m.slice();
      out.set(d.subarray(from, from + Math.min(n, out.length - p)), p);
      return out;
    }
    case 12: {
      // StructureSize
      put(m, 64, 2, r.chance(0.5) ? structSize + 1 - (u16(m, 64) & 1) + (r.int(3) - 1) * 2 : r.pick(INTERESTING));
      break;
    }
    default: {
      // the InfoType/FileInfoClass/CtlCode families
      if (cmd === 16 || cmd === 17) {
        put(m, 66, 1, r.chance(0.5) ? 1 + r.int(4) : r.int(256));
        put(m, 67, 1, r.int(80));
      } else if (cmd === 11) {
        put(m, 68, 4, r.pick([0x00060194, 0x0011c017, 0x00140078, 0x001440f2, 0x001480f2, 0x00140204, 0x000900c0, 0x00090194, 0x000980c8, 0x000900a4, 0x000980d0, 0x00144064, 0x001401fc, 0x0009003c, 0x000940cf, 0x000c0100, r.u32()]));
      } else if (cmd === 14) put(m, 66, 1, r.int(80));
      else if (cmd === 5) put(m, 64 + 2, 1, r.pick([0, 1, 8, 9, 0xff, r.int(256)]));
      break;
    }
  }
  return m;
}

/** A frame with one of its messages mutated (or the frame itself cut or garbled). */
function mutateFrame(f: Uint8Array, r: Rng, donors: Uint8Array[]): Uint8Array {
  const msgs = split(f);
  if (msgs.length === 0 || r.chance(0.05)) {
    // non-SMB2 frame: garble it
    const g = f.slice();
    for (let i = 0; i < 1 + r.int(8) && g.length > 0; i++) g[r.int(g.length)] = r.u32() & 0xff;
    return g;
  }
  const i = r.int(msgs.length);
  msgs[i] = mutateMessage(msgs[i], r, donors);
  if (msgs.length === 1) return msgs[0];
  if (r.chance(0.8)) {
    // keep the chain consistent with the new lengths
    return new Uint8Array(Buffer.concat(msgs.map((m, k) => {
      if (k === msgs.length - 1 || m.length < 64) return m;
      const b = new Uint8Array((m.length + 7) & ~7);
      b.set(m);
      put(b, 20, 4, b.length);
      return b;
    })));
  }
  return new Uint8Array(Buffer.concat(msgs));
}

/** A random frame: garbage, an SMB1 header, a transform header, or an SMB2 header with junk. */
function randomFrame(r: Rng): Uint8Array {
  const k = r.int(5);
  const n = r.int(k === 0 ? 8 : 200);
  const b = new Uint8Array(n + (k === 0 ? 0 : 64)).map(() => r.u32() & 0xff);
  if (k === 1 && b.length >= 4) put(b, 0, 4, 0x424d53ff);
  if (k === 2 && b.length >= 4) put(b, 0, 4, 0x424d53fd);
  if (k >= 3 && b.length >= 64) {
    put(b, 0, 4, SMB2);
    put(b, 4, 2, 64);
    put(b, 12, 2, r.int(20));
    put(b, 16, 4, r.chance(0.5) ? 0 : RELATED);
    put(b, 20, 4, r.chance(0.7) ? 0 : r.int(b.length + 16));
  }
  return b;
}

/** Index of the first frame after the logon (the first TREE_CONNECT), or 0. */
function afterLogon(frames: Uint8Array[]): number {
  for (let i = 0; i < frames.length; i++) if (frames[i].length >= 64 && u16(frames[i], 12) === 3) return i;
  return 0;
}

/** Builds one execution from a conversation: its frames replayed with a few mutations. */
export function makeExec(conv: Conversation, others: Conversation[], r: Rng, execSeed: number, peer: string): Exec {
  // the recorded frames are shared, never changed: mutations build new ones (split copies)
  const frames: Uint8Array[] = conv.c2s.slice();
  const steps: Step[] = frames.map((_, i) => ({ t: "send", f: i }) as Step);
  const donors = others.length > 0 ? r.pick(others).c2s : frames;
  const logon = afterLogon(frames);
  const sends = () => steps.filter((s) => s.t === "send") as Array<Extract<Step, { t: "send" }>>;
  const anySendIndex = () => {
    // favour frames after the logon: the handshake is covered by every execution anyway
    const lo = r.chance(0.85) ? Math.min(logon, Math.max(0, steps.length - 1)) : 0;
    return lo + r.int(Math.max(1, steps.length - lo));
  };
  const mutations = 1 + (r.chance(0.5) ? 0 : r.int(r.chance(0.3) ? 16 : 4));
  for (let k = 0; k < mutations && steps.length > 0; k++) {
    const op = r.int(100);
    const at = anySendIndex();
    const s = steps[at];
    if (op < 55) {
      if (s.t !== "send") continue;
      frames.push(mutateFrame(frames[s.f], r, donors));
      steps[at] = { ...s, f: frames.length - 1 };
    } else if (op < 60) {
      steps.splice(at, 1); // drop a frame
    } else if (op < 65) {
      if (s.t === "send") steps.splice(at + r.int(steps.length - at + 1), 0, { t: "send", f: s.f }); // replay one again later
    } else if (op < 72) {
      // several consecutive single-message frames → one compound (related or not)
      const n = 2 + r.int(4);
      const idx: number[] = [];
      for (let j = at; j < steps.length && idx.length < n; j++) if (steps[j].t === "send") idx.push(j);
      if (idx.length < 2) continue;
      const msgs = idx.flatMap((j) => split(frames[(steps[j] as { f: number }).f]));
      if (msgs.length < 2) continue;
      frames.push(chain(msgs, r.chance(0.5)));
      steps[idx[0]] = { t: "send", f: frames.length - 1 };
      for (const j of idx.slice(1).reverse()) steps.splice(j, 1);
    } else if (op < 75) {
      // a message from another recorded connection inserted (its ids are unknown here)
      const d = r.pick(donors);
      frames.push(d.slice());
      steps.splice(at, 0, { t: "send", f: frames.length - 1 });
    } else if (op < 78) {
      frames.push(randomFrame(r));
      steps.splice(at, 0, { t: "send", f: frames.length - 1, raw: true });
    } else if (op < 83) {
      steps.splice(at, 0, { t: "tick", ms: r.pick([1, 100, 1000, 5000, 21000, 31000, 36000, 61000, 120000]) });
    } else if (op < 87) {
      steps.splice(at, 0, r.chance(0.5) ? { t: "flush" } : { t: "drain" });
    } else if (op < 89) {
      steps.splice(at, 0, { t: "close" }); // the client goes away mid-conversation
    } else if (op < 93) {
      if (s.t !== "send") continue;
      steps[at] = { ...s, split: Array.from({ length: 1 + r.int(4) }, () => 1 + r.int(r.chance(0.5) ? 8 : 200)) };
    } else if (op < 96) {
      if (s.t !== "send") continue;
      const len = frames[s.f].length;
      steps[at] = { ...s, nbss: r.pick([0, 1, len - 1, len + 1, len + r.int(100), r.int(len + 1), 0xffffff, 0x1000000, 0x10000]) };
    } else if (op < 99) {
      if (s.t === "send" && at > logon) steps[at] = { ...s, seal: true };
    } else {
      // truncate the conversation
      steps.splice(at + 1);
    }
  }
  if (sends().length === 0) steps.push({ t: "send", f: 0 });
  return { conv, frames, steps, defer: r.chance(0.75) ? 0 : r.pick([0.2, 0.5, 0.9]), seed: execSeed, peer };
}

/** An execution that replays a conversation unchanged (warm-up, corpus checks). */
export function plainExec(conv: Conversation, peer = "127.0.0.1:40000"): Exec {
  return { conv, frames: conv.c2s, steps: conv.c2s.map((_, i) => ({ t: "send", f: i }) as Step), defer: 0, seed: 1, peer };
}

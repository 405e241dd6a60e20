// `hosts allow` / `hosts deny` (smb.conf): address rules in the normalised form host-common
// writes (host-common/access-config.ts), the client address parsed from the host's peer name,
// and Samba's decision rule (allow wins over deny; with both lists, unlisted hosts may connect).

/** A network: a 128-bit address (IPv4 as ::ffff:a.b.c.d) as two big-endian halves, and a prefix. */
export class Net {
  hi: u64 = 0;
  lo: u64 = 0;
  prefix: i32 = 0;
}

/** A list: networks that match, minus those after EXCEPT. */
export class HostRules {
  match: Array<Net> = new Array<Net>(0);
  except: Array<Net> = new Array<Net>(0);
}

function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** 16 hex digits at s[from..] as a u64; -1 in ok[0] on a bad digit. */
function hex64(s: string, from: i32, ok: StaticArray<bool>): u64 {
  let v: u64 = 0;
  for (let i = 0; i < 16; i++) {
    const d = hexDigit(s.charCodeAt(from + i));
    if (d < 0) unchecked((ok[0] = false));
    v = (v << 4) | <u64>(d & 15);
  }
  return v;
}

function parseNets(s: string, out: Array<Net>): bool {
  if (s.length == 0) return true;
  const parts = s.split(";");
  const ok = new StaticArray<bool>(1);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length < 34 || p.charCodeAt(32) != 0x2f) return false;
    unchecked((ok[0] = true));
    const n = new Net();
    n.hi = hex64(p, 0, ok);
    n.lo = hex64(p, 16, ok);
    let len: i32 = 0;
    if (p.length > 36) return false;
    for (let k = 33; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return false;
      len = len * 10 + (c - 48);
    }
    if (!unchecked(ok[0]) || len > 128) return false;
    n.prefix = len;
    out.push(n);
  }
  return true;
}

/** Parses "net/len;net/len|net/len" (32 hex digits per address); null if malformed. */
export function parseHostRules(v: string): HostRules | null {
  const r = new HostRules();
  const bar = v.indexOf("|");
  if (!parseNets(bar < 0 ? v : v.substring(0, bar), r.match)) return null;
  if (bar >= 0 && !parseNets(v.substring(bar + 1), r.except)) return null;
  return r;
}

@inline function maskOf(bits: i32): u64 {
  return bits <= 0 ? 0 : bits >= 64 ? 0xffffffffffffffff : ~(<u64>0xffffffffffffffff >> <u64>bits);
}

function inNet(n: Net, hi: u64, lo: u64): bool {
  const mh = maskOf(n.prefix);
  const ml = maskOf(n.prefix - 64);
  return (hi & mh) == (n.hi & mh) && (lo & ml) == (n.lo & ml);
}

function anyNet(list: Array<Net>, hi: u64, lo: u64): bool {
  for (let i = 0; i < list.length; i++) if (inNet(unchecked(list[i]), hi, lo)) return true;
  return false;
}

function listMatches(r: HostRules, hi: u64, lo: u64): bool {
  return anyNet(r.match, hi, lo) && !anyNet(r.except, hi, lo);
}

/** The client address: "a.b.c.d:port", "[v6]:port", "v6:port" (as hosts print them). */
export class PeerAddr {
  valid: bool = false;
  hi: u64 = 0;
  lo: u64 = 0;
}

function parseV4(s: string, out: StaticArray<u32>): bool {
  const parts = s.split(".");
  if (parts.length != 4) return false;
  let v: u32 = 0;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 3) return false;
    let n: u32 = 0;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return false;
      n = n * 10 + <u32>(c - 48);
    }
    if (n > 255) return false;
    v = (v << 8) | n;
  }
  unchecked((out[0] = v));
  return true;
}

/** Parses an IPv6 address (with an optional embedded IPv4 tail) into 8 groups. */
function parseV6(s: string, g: StaticArray<u32>): bool {
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.substring(0, pct);
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const head = halves[0].length > 0 ? halves[0].split(":") : new Array<string>(0);
  const tail = halves.length == 2 && halves[1].length > 0 ? halves[1].split(":") : new Array<string>(0);
  const words = new Array<u32>(0);
  const v4 = new StaticArray<u32>(1);
  const all = new Array<string>(0);
  for (let i = 0; i < head.length; i++) all.push(head[i]);
  const split = all.length;
  for (let i = 0; i < tail.length; i++) all.push(tail[i]);
  for (let i = 0; i < all.length; i++) {
    const w = all[i];
    if (i == all.length - 1 && w.indexOf(".") >= 0) {
      if (!parseV4(w, v4)) return false;
      words.push(unchecked(v4[0]) >>> 16);
      words.push(unchecked(v4[0]) & 0xffff);
      continue;
    }
    if (w.length == 0 || w.length > 4) return false;
    let n: u32 = 0;
    for (let k = 0; k < w.length; k++) {
      const d = hexDigit(w.charCodeAt(k));
      if (d < 0) return false;
      n = (n << 4) | <u32>d;
    }
    words.push(n);
  }
  if (halves.length == 1) {
    if (words.length != 8) return false;
    for (let i = 0; i < 8; i++) unchecked((g[i] = words[i]));
    return true;
  }
  if (words.length > 7) return false;
  const hw = split; // an IPv4 tail can only be in the part after "::"
  for (let i = 0; i < 8; i++) unchecked((g[i] = 0));
  for (let i = 0; i < hw; i++) unchecked((g[i] = words[i]));
  const tw = words.length - hw;
  for (let i = 0; i < tw; i++) unchecked((g[8 - tw + i] = words[hw + i]));
  return true;
}

/** Parses the host's peer name (address and port). */
export function parsePeer(peer: string): PeerAddr {
  const out = new PeerAddr();
  let a = peer;
  const colon = a.lastIndexOf(":");
  if (colon > 0) a = a.substring(0, colon); // the port
  if (a.startsWith("[") && a.endsWith("]")) a = a.substring(1, a.length - 1);
  const v4 = new StaticArray<u32>(1);
  if (parseV4(a, v4)) {
    out.hi = 0;
    out.lo = (<u64>0xffff << 32) | <u64>unchecked(v4[0]);
    out.valid = true;
    return out;
  }
  const g = new StaticArray<u32>(8);
  if (!parseV6(a, g)) return out;
  for (let i = 0; i < 4; i++) out.hi = (out.hi << 16) | <u64>unchecked(g[i]);
  for (let i = 4; i < 8; i++) out.lo = (out.lo << 16) | <u64>unchecked(g[i]);
  out.valid = true;
  return out;
}

/**
 * Samba's rule (lib/util/access.c allow_access): no lists → allowed; only allow → listed hosts;
 * only deny → unlisted hosts; both → allowed if in allow, else refused if in deny, else
 * allowed. An address that cannot be parsed is allowed only when there are no lists.
 */
export function hostAllowed(allow: HostRules | null, deny: HostRules | null, peer: PeerAddr): bool {
  if (allow === null && deny === null) return true;
  if (!peer.valid) return false;
  const inAllow = allow !== null && listMatches(allow, peer.hi, peer.lo);
  if (deny === null) return inAllow;
  const inDeny = listMatches(deny, peer.hi, peer.lo);
  if (allow === null) return !inDeny;
  return inAllow || !inDeny;
}

/** The address part of a host's peer name ("addr:port" → "addr"). */
export function peerAddress(peer: string): string {
  const i = peer.lastIndexOf(":");
  return i > 0 ? peer.substring(0, i) : peer;
}

// Literal IPv4 / IPv6 address checks and conversions, for smb.conf `interfaces`, `hosts allow` and
// `hosts deny` values and for the listen addresses handed to the core.

/** True if s is an IPv4 address in dotted-quad form. */
function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255 && (p === "0" || !p.startsWith("0")));
}

/** True if s is an IPv6 address (optionally with an embedded IPv4 tail or a %zone). */
function isIPv6(s: string): boolean {
  const pct = s.indexOf("%");
  if (pct >= 0) {
    if (!/^[\w.-]+$/.test(s.slice(pct + 1))) return false;
    s = s.slice(0, pct);
  }
  const last = s.lastIndexOf(":");
  if (last < 0) return false;
  if (s.slice(last + 1).includes(".")) {
    if (!isIPv4(s.slice(last + 1))) return false;
    s = `${s.slice(0, last + 1)}0:0`;
  }
  const parts = s.split("::");
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p === "" ? [] : p.split(":")));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? groups.length <= 7 : groups.length === 8;
}

/** True if s is a literal IPv4 or IPv6 address (IPv6 may be in [brackets]). */
export function isIpAddress(s: string): boolean {
  const bare = s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
  return isIPv4(bare) || isIPv6(bare);
}

/**
 * The bytes of a literal IPv4 (4) or IPv6 (16) address, in network order (brackets and a %zone
 * are dropped); null if s is not an address.
 */
export function addressBytes(s: string): Uint8Array | null {
  if (!isIpAddress(s)) return null;
  let a = s.startsWith("[") ? s.slice(1, -1) : s;
  if (isIPv4(a)) return new Uint8Array(a.split(".").map(Number));
  const pct = a.indexOf("%");
  if (pct >= 0) a = a.slice(0, pct);
  const words: number[] = [];
  const push = (part: string) => {
    for (const g of part === "" ? [] : part.split(":")) {
      if (g.includes(".")) {
        const [b0, b1, b2, b3] = g.split(".").map(Number);
        words.push((b0 << 8) | b1, (b2 << 8) | b3);
      } else words.push(Number.parseInt(g, 16));
    }
  };
  const [head, tail] = a.split("::");
  push(head);
  if (tail !== undefined) {
    const n = words.length;
    push(tail);
    words.splice(n, 0, ...new Array<number>(8 - words.length).fill(0));
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** The address as hex bytes ("" if it is not an address). */
export function addressHex(s: string): string {
  return Array.from(addressBytes(s) ?? [], (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Splits a space/comma separated address list, checking each and removing [brackets]; null if invalid. */
export function parseAddressList(text: string): string[] | null {
  const list = text.split(/[\s,]+/).filter((a) => a !== "");
  if (list.length === 0 || !list.every(isIpAddress)) return null;
  return list.map((a) => (a.startsWith("[") ? a.slice(1, -1) : a));
}

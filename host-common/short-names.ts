// 8.3 short names, the same function as the core's assembly/fs/shortname.ts (read its comment;
// tests/unit/short-names.test.ts checks both agree): used to open a file by its short name.

const EXTRA = "!#$%&'()-@^_`{}~";

function legal(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || EXTRA.includes(String.fromCharCode(c));
}

/** The name is a valid 8.3 name (base 1–8, extension 0–3 legal characters, one dot at most). */
export function isValid83(name: string): boolean {
  if (name === "." || name === "..") return true;
  const dot = name.lastIndexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? "" : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return false;
  for (let i = 0; i < base.length; i++) if (!legal(base.charCodeAt(i))) return false;
  for (let i = 0; i < ext.length; i++) if (!legal(ext.charCodeAt(i))) return false;
  return true;
}

const upper = (c: number) => (c >= 0x61 && c <= 0x7a ? c - 32 : c);

function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    const s = name[i].toUpperCase();
    const c = s.length === 1 ? s.charCodeAt(0) : name.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 16777619) >>> 0;
    h = Math.imul(h ^ (c >> 8), 16777619) >>> 0;
  }
  return h;
}

function legalPart(s: string, max: number): string {
  let out = "";
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && legal(c) && c !== 0x7e) out += String.fromCharCode(upper(c));
  }
  return out;
}

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The 8.3 name of a long name. */
export function shortName(name: string): string {
  if (name.length === 0) return "";
  if (isValid83(name)) return Array.from(name, (ch) => String.fromCharCode(upper(ch.charCodeAt(0)))).join("");
  const dot = name.lastIndexOf(".");
  const hasExt = dot > 0 && dot < name.length - 1;
  const base = legalPart(hasExt ? name.slice(0, dot) : name, 4) || "_";
  const ext = hasExt ? legalPart(name.slice(dot + 1), 3) : "";
  let h = nameHash(name) % (36 * 36 * 36);
  let tag = "";
  for (let i = 0; i < 3; i++) {
    tag = DIGITS[h % 36] + tag;
    h = Math.floor(h / 36);
  }
  return `${base}~${tag}${ext ? `.${ext}` : ""}`;
}

/** A component that may be a generated short name (has the "~XXX" tag of shortName). */
export function looksShort(name: string): boolean {
  return /^[^~.]{1,4}~[0-9A-Z]{3}(\.[^.]{1,3})?$/i.test(name);
}
